// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// CameraX 1.4.1 (androidx.camera:camera-core).
package androidx.camera.core;

public class ImageCaptureException extends Exception {
    public ImageCaptureException(int imageCaptureError, String message, Throwable cause) {
        super(message, cause);
    }

    public int getImageCaptureError() {
        throw new UnsupportedOperationException("compile-only stub");
    }
}
