package org.tfp2c.cartoon

import android.content.Context
import android.graphics.Bitmap
import android.os.SystemClock
import org.tfp2c.cartoon.core.Compositing
import org.tfp2c.cartoon.state.Cartoon
import org.tfp2c.cartoon.state.CartoonEngine
import org.tfp2c.cartoon.state.CloseableGroup
import org.tfp2c.cartoon.state.Delegate

/**
 * Photo -> aligned crop -> mask -> generator -> cartoon, the steps of the Python `Cartoonizer`.
 *
 * Owns the three interpreters; create, use and close it on one thread.
 *
 * ```
 * CartoonPipeline.create(context, CartoonizerHelper.Options()).use { it.cartoonize(photo) }
 * ```
 */
class CartoonPipeline private constructor(
    val cartoonizer: CartoonizerHelper,
    private val aligner: FaceAligner,
    private val segmenter: PortraitSegmenter,
    private val models: CloseableGroup,
) : CartoonEngine<Bitmap> {

    override val activeDelegate: Delegate get() = cartoonizer.delegate

    /**
     * The cartoon of the largest face of [photo] (crop: the generator's input; times: generator
     * and total), or null when no face is found.
     */
    override fun cartoonize(photo: Bitmap): Cartoon<Bitmap>? {
        val start = SystemClock.uptimeMillis()
        val face = aligner.align(photo) ?: return null
        val size = cartoonizer.inputSize
        val mask = segmenter.segment(face.crop)
        // The model was trained on faces on white, and paints its own background: composite
        // before and after, with the same mask.
        val input = bitmapOf(Compositing.onWhite(face.crop.argbPixels(), mask), size, size)
        val result = cartoonizer.stylize(input)
        val cartoon = bitmapOf(Compositing.onWhite(result.bitmap.argbPixels(), mask), size, size)
        return Cartoon(input, cartoon, result.inferenceTimeMs, SystemClock.uptimeMillis() - start)
    }

    /** Closes all three models, even when one of them fails to close. */
    override fun close() = models.close()

    companion object {
        /**
         * Loads the generator, the face landmarker and the segmenter from the assets. When one
         * fails, those already loaded (and the GPU delegate) are closed before the error
         * propagates.
         */
        fun create(context: Context, options: CartoonizerHelper.Options): CartoonPipeline =
            CloseableGroup.building { models ->
                val cartoonizer = models.add(CartoonizerHelper.create(context, options))
                val aligner = models.add(FaceAligner(context, cartoonizer.inputSize))
                val segmenter = models.add(PortraitSegmenter(context))
                CartoonPipeline(cartoonizer, aligner, segmenter, models)
            }
    }
}
