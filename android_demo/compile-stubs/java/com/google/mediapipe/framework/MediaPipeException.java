// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// MediaPipe Tasks 0.10.21 (com.google.mediapipe:tasks-core, framework).
package com.google.mediapipe.framework;

public class MediaPipeException extends RuntimeException {
    public MediaPipeException(int statusCode, String statusMessage) {
        super(statusMessage);
    }
}
