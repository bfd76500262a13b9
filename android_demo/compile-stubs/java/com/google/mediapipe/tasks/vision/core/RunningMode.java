// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// MediaPipe Tasks 0.10.21 (com.google.mediapipe:tasks-vision).
package com.google.mediapipe.tasks.vision.core;

public enum RunningMode {
    IMAGE,
    VIDEO,
    LIVE_STREAM
}
