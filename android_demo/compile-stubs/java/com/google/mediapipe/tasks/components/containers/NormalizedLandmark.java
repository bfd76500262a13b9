// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// MediaPipe Tasks 0.10.21 (com.google.mediapipe:tasks-core, components.containers; AutoValue).
package com.google.mediapipe.tasks.components.containers;

public abstract class NormalizedLandmark {
    public abstract float x();

    public abstract float y();

    public abstract float z();
}
