// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// MediaPipe Tasks 0.10.21 (com.google.mediapipe:tasks-vision). The real class extends
// BaseVisionTaskApi (Closeable); createFromOptions and detect throw MediaPipeException.
package com.google.mediapipe.tasks.vision.facelandmarker;

import android.content.Context;
import com.google.mediapipe.framework.image.MPImage;
import com.google.mediapipe.tasks.core.BaseOptions;
import com.google.mediapipe.tasks.vision.core.RunningMode;
import java.io.Closeable;

public final class FaceLandmarker implements Closeable {
    private FaceLandmarker() {}

    public static FaceLandmarker createFromOptions(Context context, FaceLandmarkerOptions landmarkerOptions) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    public FaceLandmarkerResult detect(MPImage image) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    @Override
    public void close() {}

    public abstract static class FaceLandmarkerOptions {
        public abstract static class Builder {
            public abstract Builder setBaseOptions(BaseOptions value);

            public abstract Builder setRunningMode(RunningMode value);

            public abstract Builder setNumFaces(Integer value);

            public abstract Builder setMinFaceDetectionConfidence(Float value);

            public abstract Builder setMinFacePresenceConfidence(Float value);

            public abstract Builder setMinTrackingConfidence(Float value);

            public final FaceLandmarkerOptions build() {
                throw new UnsupportedOperationException("compile-only stub");
            }
        }

        public static Builder builder() {
            throw new UnsupportedOperationException("compile-only stub");
        }
    }
}
