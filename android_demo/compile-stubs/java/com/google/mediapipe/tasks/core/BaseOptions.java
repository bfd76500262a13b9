// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// MediaPipe Tasks 0.10.21 (com.google.mediapipe:tasks-core). AutoValue class: abstract
// builder, static builder().
package com.google.mediapipe.tasks.core;

public abstract class BaseOptions {
    public abstract static class Builder {
        public abstract Builder setModelAssetPath(String value);

        public abstract BaseOptions build();
    }

    public static Builder builder() {
        throw new UnsupportedOperationException("compile-only stub");
    }
}
