// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// CameraX 1.4.1 (androidx.camera:camera-core).
package androidx.camera.core;

public abstract class UseCase {
    UseCase() {}
}
