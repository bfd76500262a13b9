// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// MediaPipe Tasks 0.10.21 (com.google.mediapipe:tasks-core, framework.image).
package com.google.mediapipe.framework.image;

import android.graphics.Bitmap;

public class BitmapImageBuilder {
    public BitmapImageBuilder(Bitmap bitmap) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    public MPImage build() {
        throw new UnsupportedOperationException("compile-only stub");
    }
}
