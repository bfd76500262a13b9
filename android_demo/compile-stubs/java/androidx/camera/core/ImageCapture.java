// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// CameraX 1.4.1 (androidx.camera:camera-core).
package androidx.camera.core;

import java.util.concurrent.Executor;

public final class ImageCapture extends UseCase {
    public static final int CAPTURE_MODE_MAXIMIZE_QUALITY = 0;
    public static final int CAPTURE_MODE_MINIMIZE_LATENCY = 1;

    ImageCapture() {}

    public void takePicture(Executor executor, OnImageCapturedCallback callback) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    public abstract static class OnImageCapturedCallback {
        public void onCaptureSuccess(ImageProxy image) {}

        public void onError(ImageCaptureException exception) {}
    }

    public static final class Builder {
        public Builder() {}

        public Builder setCaptureMode(int captureMode) {
            throw new UnsupportedOperationException("compile-only stub");
        }

        public ImageCapture build() {
            throw new UnsupportedOperationException("compile-only stub");
        }
    }
}
