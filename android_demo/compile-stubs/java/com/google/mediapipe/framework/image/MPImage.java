// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// MediaPipe Tasks 0.10.21 (com.google.mediapipe:tasks-core, framework.image).
package com.google.mediapipe.framework.image;

import java.io.Closeable;

public class MPImage implements Closeable {
    MPImage() {}

    public int getWidth() {
        throw new UnsupportedOperationException("compile-only stub");
    }

    public int getHeight() {
        throw new UnsupportedOperationException("compile-only stub");
    }

    @Override
    public void close() {}
}
