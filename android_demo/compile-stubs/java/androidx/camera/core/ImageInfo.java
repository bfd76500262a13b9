// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// CameraX 1.4.1 (androidx.camera:camera-core).
package androidx.camera.core;

public interface ImageInfo {
    long getTimestamp();

    int getRotationDegrees();
}
