package org.tfp2c.cartoon

import android.graphics.Bitmap
import android.graphics.BitmapFactory
import androidx.test.ext.junit.runners.AndroidJUnit4
import androidx.test.platform.app.InstrumentationRegistry
import kotlin.math.abs
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.tfp2c.cartoon.state.Delegate

/**
 * The generator on the device against the Python pipeline.
 *
 * `androidTest/assets/input.png` is an aligned face crop of `samples/astronaut.png` on white;
 * `expected.png` is what the Python pipeline (LiteRT, same `.tflite`) makes of it, written by
 * `scripts/prepare_assets.py` together with the model assets. Pixels may differ slightly
 * (other CPU kernels, other float rounding), so the test bounds the fraction of pixels that
 * differ by more than [CHANNEL_TOLERANCE] in any channel.
 */
@RunWith(AndroidJUnit4::class)
class CartoonizerHelperTest {
    private val testContext = InstrumentationRegistry.getInstrumentation().context
    private val appContext = InstrumentationRegistry.getInstrumentation().targetContext

    private fun asset(name: String): Bitmap {
        val options = BitmapFactory.Options().apply { inPreferredConfig = Bitmap.Config.ARGB_8888 }
        return testContext.assets.open(name).use { BitmapFactory.decodeStream(it, null, options) }
            ?: error("cannot decode androidTest asset $name; run scripts/prepare_assets.py")
    }

    private fun differingFraction(actual: Bitmap, expected: Bitmap): Double {
        assertEquals(expected.width, actual.width)
        assertEquals(expected.height, actual.height)
        val a = actual.argbPixels()
        val e = expected.argbPixels()
        var differing = 0
        for (i in a.indices) {
            val worst = maxOf(
                abs((a[i] shr 16 and 0xFF) - (e[i] shr 16 and 0xFF)),
                abs((a[i] shr 8 and 0xFF) - (e[i] shr 8 and 0xFF)),
                abs((a[i] and 0xFF) - (e[i] and 0xFF)),
            )
            if (worst > CHANNEL_TOLERANCE) differing++
        }
        return differing / a.size.toDouble()
    }

    @Test
    fun cartoonMatchesPythonGoldenOnCpu() {
        val input = asset("input.png")
        val expected = asset("expected.png")
        CartoonizerHelper.create(appContext, CartoonizerHelper.Options(delegate = Delegate.CPU))
            .use { helper ->
                assertEquals("input.png does not match the model's input size", helper.inputSize, input.width)
                val result = helper.stylize(input)
                val fraction = differingFraction(result.bitmap, expected)
                assertTrue("$fraction of pixels differ from the Python result", fraction <= MAX_DIFFERING_FRACTION)
                assertTrue(result.inferenceTimeMs >= 0)
            }
    }

    @Test
    fun gpuOptionRunsOrFallsBackToCpu() {
        val input = asset("input.png")
        val expected = asset("expected.png")
        CartoonizerHelper.create(appContext, CartoonizerHelper.Options(delegate = Delegate.GPU))
            .use { helper ->
                val fraction = differingFraction(helper.stylize(input).bitmap, expected)
                // GPU kernels compute in fp16: a looser bound, still far from a broken model.
                assertTrue("$fraction of pixels differ on ${helper.delegate}", fraction <= MAX_DIFFERING_FRACTION_GPU)
            }
    }

    @Test
    fun inputSizeAndRangeComeFromTheModelMetadata() {
        CartoonizerHelper.create(appContext).use { helper ->
            assertEquals(helper.metadata.inputWidth, helper.inputSize)
            assertEquals(-1.0, helper.metadata.inputRange[0], 0.0)
            assertEquals(1.0, helper.metadata.inputRange[1], 0.0)
        }
    }

    @Test
    fun photoWithoutFaceGivesNoFaceInsteadOfThrowing() {
        val blank = Bitmap.createBitmap(640, 480, Bitmap.Config.ARGB_8888).apply { eraseColor(0xFFFFFFFF.toInt()) }
        FaceAligner(appContext, 256).use { assertNull(it.align(blank)) }
    }

    @Test
    fun faceInTheSamplePhotoIsFoundAndCropped() {
        // The aligned crop itself is the input image: a face must be found in it again.
        val input = asset("input.png")
        FaceAligner(appContext, input.width).use { aligner ->
            val face = aligner.align(input)
            assertTrue("no face found in input.png", face != null)
            assertEquals(input.width, face!!.crop.width)
        }
    }

    companion object {
        const val CHANNEL_TOLERANCE = 2
        const val MAX_DIFFERING_FRACTION = 0.01
        const val MAX_DIFFERING_FRACTION_GPU = 0.25
    }
}
