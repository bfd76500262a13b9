package org.tfp2c.cartoon

import android.content.Context
import android.graphics.Bitmap
import android.os.SystemClock
import java.io.Closeable
import java.io.FileInputStream
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.MappedByteBuffer
import java.nio.channels.FileChannel
import org.tensorflow.lite.Interpreter
import org.tensorflow.lite.gpu.CompatibilityList
import org.tensorflow.lite.gpu.GpuDelegate
import org.tfp2c.cartoon.core.ModelMetadata
import org.tfp2c.cartoon.core.TensorCodec
import org.tfp2c.cartoon.state.Delegate

/**
 * Runs the photo2cartoon generator exported by `export_tflite.py` with LiteRT.
 *
 * Input and output contract (read from the model's `photo2cartoon` metadata, never hard-coded):
 * one aligned face crop, RGB, NHWC, S×S (256 for the released model); float models take
 * `x / 127.5 - 1` in [-1, 1] and return [-1, 1], turned back into pixels as
 * `round((y + 1) * 127.5)` (half to even), clipped to 0..255; the uint8 model takes and returns
 * pixel values. The arithmetic lives in the platform-free [TensorCodec], tested on the JVM
 * against the Python pipeline.
 *
 * Buffers are allocated once; an instance is not thread-safe and must be used (and closed) on
 * the thread that created it, which the GPU delegate requires anyway.
 *
 * ```
 * val helper = CartoonizerHelper.create(context, CartoonizerHelper.Options(delegate = Delegate.GPU))
 * val result = helper.stylize(alignedCropOnWhite)   // result.bitmap, result.inferenceTimeMs
 * helper.close()
 * ```
 */
class CartoonizerHelper private constructor(
    private val interpreter: Interpreter,
    private val gpuDelegate: GpuDelegate?,
    /** The model's I/O contract. */
    val metadata: ModelMetadata,
    /** Where inference runs (CPU when the GPU was asked for but is unsupported). */
    val delegate: Delegate,
) : Closeable {

    /** Generator files `export_tflite.py` writes; copy them to the assets first (README). */
    enum class Model(val fileName: String) {
        FP32("photo2cartoon_fp32.tflite"),
        FP16("photo2cartoon_fp16.tflite"),
        DYNAMIC_INT8("photo2cartoon_dynamic_int8.tflite"),
        UINT8("photo2cartoon_uint8.tflite"),
    }

    /**
     * @property model generator file in the assets.
     * @property delegate CPU (XNNPACK) or GPU.
     * @property numThreads CPU threads for XNNPACK.
     */
    data class Options(
        val model: Model = Model.FP32,
        val delegate: Delegate = Delegate.CPU,
        val numThreads: Int = DEFAULT_THREADS,
    )

    /** A cartoon face and the time the generator took (buffer conversion included). */
    data class Result(val bitmap: Bitmap, val inferenceTimeMs: Long)

    private val codec = TensorCodec.fromMetadata(metadata)
    private val inputBuffer: ByteBuffer =
        ByteBuffer.allocateDirect(codec.inputBytes()).order(ByteOrder.nativeOrder())
    private val outputBuffer: ByteBuffer =
        ByteBuffer.allocateDirect(codec.outputBytes()).order(ByteOrder.nativeOrder())
    private val pixels = IntArray(codec.width * codec.height)

    /** Side of the square face crop the model takes. */
    val inputSize: Int get() = codec.width

    /**
     * Cartoonizes one aligned face crop composited on white.
     *
     * @param faceCrop ARGB_8888 bitmap of [inputSize]×[inputSize] pixels.
     */
    fun stylize(faceCrop: Bitmap): Result {
        require(faceCrop.width == codec.width && faceCrop.height == codec.height) {
            "face crop is ${faceCrop.width}x${faceCrop.height}, the model takes ${codec.width}x${codec.height}"
        }
        val start = SystemClock.uptimeMillis()
        faceCrop.getPixels(pixels, 0, codec.width, 0, 0, codec.width, codec.height)
        codec.writeInput(pixels, inputBuffer)
        outputBuffer.rewind()
        interpreter.runSignature(
            mapOf(metadata.inputName to inputBuffer),
            mapOf(OUTPUT_IMAGE to outputBuffer),
            SIGNATURE,
        )
        val cartoon = codec.readOutput(outputBuffer)
        val elapsed = SystemClock.uptimeMillis() - start
        val bitmap = Bitmap.createBitmap(cartoon, codec.width, codec.height, Bitmap.Config.ARGB_8888)
        return Result(bitmap, elapsed)
    }

    override fun close() {
        interpreter.close()
        gpuDelegate?.close()
    }

    companion object {
        const val DEFAULT_THREADS = 4
        const val SIGNATURE = "serving_default"
        const val OUTPUT_IMAGE = "image"

        /**
         * Loads the generator from the assets and reads its metadata.
         *
         * @throws IllegalArgumentException when the model lacks the exporter's metadata.
         * @throws java.io.IOException when the asset is missing.
         */
        fun create(context: Context, options: Options = Options()): CartoonizerHelper {
            val model = loadAsset(context, options.model.fileName)
            val metadata = ModelMetadata.read(model)
            val interpreterOptions = Interpreter.Options().setNumThreads(options.numThreads)
            val gpuDelegate = if (options.delegate == Delegate.GPU) {
                CompatibilityList().use { compatibility ->
                    if (compatibility.isDelegateSupportedOnThisDevice) {
                        GpuDelegate(compatibility.bestOptionsForThisDevice)
                    } else {
                        null
                    }
                }
            } else {
                null
            }
            if (gpuDelegate != null) interpreterOptions.addDelegate(gpuDelegate) else interpreterOptions.setUseXNNPACK(true)
            val delegate = if (gpuDelegate != null) Delegate.GPU else Delegate.CPU
            return try {
                CartoonizerHelper(Interpreter(model, interpreterOptions), gpuDelegate, metadata, delegate)
            } catch (error: Throwable) {
                // Also a missing native library (UnsatisfiedLinkError): never leak the delegate.
                gpuDelegate?.close()
                throw error
            }
        }

        /** Memory-maps an uncompressed asset (see `noCompress` in build.gradle.kts). */
        fun loadAsset(context: Context, name: String): MappedByteBuffer =
            context.assets.openFd(name).use { fd ->
                FileInputStream(fd.fileDescriptor).use { stream ->
                    stream.channel.map(FileChannel.MapMode.READ_ONLY, fd.startOffset, fd.declaredLength)
                }
            }
    }
}
