// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// CameraX 1.4.1 (androidx.camera:camera-core).
package androidx.camera.core;

public final class CameraSelector {
    public static final CameraSelector DEFAULT_FRONT_CAMERA = null;
    public static final CameraSelector DEFAULT_BACK_CAMERA = null;

    private CameraSelector() {}
}
