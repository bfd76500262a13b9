// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// MediaPipe Tasks 0.10.21 (com.google.mediapipe:tasks-vision; AutoValue).
package com.google.mediapipe.tasks.vision.facelandmarker;

import com.google.mediapipe.tasks.components.containers.NormalizedLandmark;
import java.util.List;

public abstract class FaceLandmarkerResult {
    public abstract long timestampMs();

    public abstract List<List<NormalizedLandmark>> faceLandmarks();
}
