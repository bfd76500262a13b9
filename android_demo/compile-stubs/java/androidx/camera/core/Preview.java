// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// CameraX 1.4.1 (androidx.camera:camera-core).
package androidx.camera.core;

public final class Preview extends UseCase {
    Preview() {}

    public void setSurfaceProvider(SurfaceProvider surfaceProvider) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    public interface SurfaceProvider {}

    public static final class Builder {
        public Builder() {}

        public Preview build() {
            throw new UnsupportedOperationException("compile-only stub");
        }
    }
}
