// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// CameraX 1.4.1 (androidx.camera:camera-core); toBitmap() is a default method since 1.3.0.
package androidx.camera.core;

import android.graphics.Bitmap;

public interface ImageProxy extends AutoCloseable {
    @Override
    void close();

    int getWidth();

    int getHeight();

    ImageInfo getImageInfo();

    default Bitmap toBitmap() {
        throw new UnsupportedOperationException("compile-only stub");
    }
}
