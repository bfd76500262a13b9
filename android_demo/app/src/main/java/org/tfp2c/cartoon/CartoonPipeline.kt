package org.tfp2c.cartoon

import android.content.Context
import android.graphics.Bitmap
import android.os.SystemClock
import java.io.Closeable
import org.tfp2c.cartoon.core.Compositing

/**
 * Photo -> aligned crop -> mask -> generator -> cartoon, the steps of the Python `Cartoonizer`.
 *
 * Owns the three interpreters; create, use and close it on one thread.
 */
class CartoonPipeline(context: Context, options: CartoonizerHelper.Options) : Closeable {

    /** Result for one face: the generator's input, the cartoon, generator and total times. */
    class Output(val crop: Bitmap, val cartoon: Bitmap, val inferenceTimeMs: Long, val totalTimeMs: Long)

    val cartoonizer = CartoonizerHelper.create(context, options)
    private val aligner = FaceAligner(context, cartoonizer.inputSize)
    private val segmenter = PortraitSegmenter(context)

    /** The cartoon of the largest face of [photo], or null when no face is found. */
    fun run(photo: Bitmap): Output? {
        val start = SystemClock.uptimeMillis()
        val face = aligner.align(photo) ?: return null
        val size = cartoonizer.inputSize
        val mask = segmenter.segment(face.crop)
        // The model was trained on faces on white, and paints its own background: composite
        // before and after, with the same mask.
        val input = bitmapOf(Compositing.onWhite(face.crop.argbPixels(), mask), size, size)
        val result = cartoonizer.stylize(input)
        val cartoon = bitmapOf(Compositing.onWhite(result.bitmap.argbPixels(), mask), size, size)
        return Output(input, cartoon, result.inferenceTimeMs, SystemClock.uptimeMillis() - start)
    }

    override fun close() {
        cartoonizer.close()
        aligner.close()
        segmenter.close()
    }
}
