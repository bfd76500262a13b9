package org.tfp2c.cartoon

import android.content.Context
import android.graphics.Bitmap
import java.io.Closeable
import java.nio.ByteBuffer
import java.nio.ByteOrder
import org.tensorflow.lite.Interpreter
import org.tfp2c.cartoon.core.SegmentationCodec

/**
 * Portrait mask of an aligned face crop with MediaPipe's selfie segmentation model, the same
 * file and arithmetic as `SelfieSegmenter` in `tf_p2c/face/segmentation.py` (input RGB / 255,
 * sigmoid output clipped to [0, 1]).
 *
 * ```
 * PortraitSegmenter(context).use { val mask = it.segment(crop) }   // FloatArray, one per pixel
 * ```
 */
class PortraitSegmenter(context: Context, numThreads: Int = 2) : Closeable {
    private val interpreter = Interpreter(
        CartoonizerHelper.loadAsset(context, MODEL_FILE),
        Interpreter.Options().setNumThreads(numThreads).setUseXNNPACK(true),
    )
    private val size = try {
        interpreter.getInputTensor(0).shape()[1]
    } catch (error: RuntimeException) {
        interpreter.close()
        throw error
    }
    private val input = ByteBuffer.allocateDirect(size * size * 3 * 4).order(ByteOrder.nativeOrder())
    private val output = ByteBuffer.allocateDirect(size * size * 4).order(ByteOrder.nativeOrder())
    private val pixels = IntArray(size * size)

    /** Alpha in [0, 1] for each pixel of [crop], row-major. */
    fun segment(crop: Bitmap): FloatArray {
        val scaled = if (crop.width == size && crop.height == size) crop
        else Bitmap.createScaledBitmap(crop, size, size, true)
        scaled.getPixels(pixels, 0, size, 0, 0, size, size)
        SegmentationCodec.writeInput(pixels, input)
        output.rewind()
        interpreter.run(input, output)
        val mask = SegmentationCodec.readMask(output, size * size)
        if (crop.width == size && crop.height == size) return mask
        return SegmentationCodec.resizeMask(mask, size, size, crop.width, crop.height)
    }

    override fun close() = interpreter.close()

    companion object {
        /** Copied from the tf_p2c install by scripts/prepare_assets.py. */
        const val MODEL_FILE = "selfie_segmentation.tflite"
    }
}
