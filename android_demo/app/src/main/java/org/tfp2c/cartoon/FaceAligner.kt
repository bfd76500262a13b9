package org.tfp2c.cartoon

import android.content.Context
import android.graphics.Bitmap
import com.google.mediapipe.framework.image.BitmapImageBuilder
import com.google.mediapipe.tasks.core.BaseOptions
import com.google.mediapipe.tasks.vision.core.RunningMode
import com.google.mediapipe.tasks.vision.facelandmarker.FaceLandmarker
import java.io.Closeable
import org.tfp2c.cartoon.core.Affine
import org.tfp2c.cartoon.core.AffineWarp
import org.tfp2c.cartoon.core.DetectionScale
import org.tfp2c.cartoon.core.FaceGeometry
import org.tfp2c.cartoon.core.MeshToIbug68

/**
 * Finds the largest face with MediaPipe's FaceLandmarker and crops it by the photo2cartoon rules.
 *
 * Detection runs on a copy whose longer side is at most 1280 px (as `FacePreprocessor`); the
 * 478 landmarks are mapped to the 68 iBUG points, scaled back to the photo, and the crop is
 * resampled from the photo itself. Mapping, geometry and resampling come from the core.
 *
 * ```
 * FaceAligner(context, outSize = 256).use { aligner -> aligner.align(photo)?.crop }
 * ```
 *
 * @param outSize side of the crop (the generator's input size).
 */
class FaceAligner(context: Context, private val outSize: Int) : Closeable {

    /** One aligned face: the crop (white outside the photo) and where it came from. */
    class AlignedFace(val crop: Bitmap, val landmarks: DoubleArray, val photoToCrop: Affine)

    private val landmarker: FaceLandmarker = FaceLandmarker.createFromOptions(
        context,
        FaceLandmarker.FaceLandmarkerOptions.builder()
            .setBaseOptions(BaseOptions.builder().setModelAssetPath(MODEL_FILE).build())
            .setRunningMode(RunningMode.IMAGE)
            .setNumFaces(MAX_FACES)
            .setMinFaceDetectionConfidence(MIN_CONFIDENCE)
            .setMinFacePresenceConfidence(MIN_CONFIDENCE)
            .build(),
    )

    /** The largest face of [photo] (ARGB_8888), or null when there is none. */
    fun align(photo: Bitmap): AlignedFace? {
        val size = DetectionScale.targetSize(photo.width, photo.height, DetectionScale.DEFAULT_MAX_SIDE)
        val small = if (size[0] == photo.width && size[1] == photo.height) photo
        else Bitmap.createScaledBitmap(photo, size[0], size[1], true)
        val faces = landmarker.detect(BitmapImageBuilder(small).build()).faceLandmarks()
        if (faces.isEmpty()) return null
        val sx = small.width / photo.width.toDouble()
        val sy = small.height / photo.height.toDouble()
        val landmarks = faces.map { points ->
            val xs = FloatArray(points.size) { points[it].x() }
            val ys = FloatArray(points.size) { points[it].y() }
            val mesh = MeshToIbug68.fromNormalized(xs, ys, small.width, small.height)
            DetectionScale.toOriginal(MeshToIbug68.map(mesh), sx, sy)
        }.maxBy { FaceGeometry.landmarkBoxArea(it) }
        val alignment = FaceGeometry.alignment(landmarks, photo.width, photo.height, outSize)
        val crop = AffineWarp.warpCrop(photo.argbPixels(), photo.width, photo.height, alignment.matrix, outSize)
        return AlignedFace(bitmapOf(crop, outSize, outSize), landmarks, alignment.matrix)
    }

    override fun close() = landmarker.close()

    companion object {
        /** MediaPipe's face landmarker bundle, copied by scripts/prepare_assets.py. */
        const val MODEL_FILE = "face_landmarker.task"
        const val MAX_FACES = 4
        const val MIN_CONFIDENCE = 0.5f
    }
}
