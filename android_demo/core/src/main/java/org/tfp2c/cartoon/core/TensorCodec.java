package org.tfp2c.cartoon.core;

import java.nio.ByteBuffer;

/**
 * Pixels <-> generator tensors, with the exact float32 arithmetic of the Python pipeline.
 *
 * <p>The exported generator takes a (1, S, S, 3) NHWC RGB tensor. For the float models the
 * input is {@code x / 127.5 - 1} (range [-1, 1], {@code to_generator_input} in
 * {@code tf_p2c/cartoonize/pipeline.py}) and the output goes back to pixels as
 * {@code clip(round((y + 1) * 127.5), 0, 255)} with round-half-to-even ({@code to_uint8} in
 * {@code tf_p2c/runtimes.py}). The uint8 variant does both inside the graph, so its tensors
 * carry the pixel values themselves. Both come from the model's metadata
 * ({@link ModelMetadata}); a general range [lo, hi] maps 0..255 linearly onto it.
 *
 * <pre>{@code
 * TensorCodec codec = TensorCodec.fromMetadata(metadata);
 * codec.writeInput(cropPixels, inputBuffer);      // direct buffer in native byte order
 * interpreter.run(inputBuffer, outputBuffer);
 * int[] cartoon = codec.readOutput(outputBuffer);
 * }</pre>
 */
public final class TensorCodec {
    /** Element type of a tensor. */
    public enum DataType {
        FLOAT32(4),
        UINT8(1);

        public final int bytes;

        DataType(int bytes) {
            this.bytes = bytes;
        }

        /** Parses the metadata spelling ({@code "float32"}, {@code "uint8"}). */
        public static DataType parse(String name) {
            if ("float32".equals(name)) {
                return FLOAT32;
            }
            if ("uint8".equals(name)) {
                return UINT8;
            }
            throw new IllegalArgumentException("unsupported tensor dtype: " + name);
        }
    }

    public final int width;
    public final int height;
    public final DataType inputType;
    public final DataType outputType;
    private final float inputLow;
    private final float inputDivisor;
    private final float outputLow;
    private final float outputScale;

    /**
     * @param width input and output width
     * @param height input and output height
     * @param inputType input element type
     * @param inputRange {lo, hi} that pixel values 0..255 map onto (ignored for UINT8)
     * @param outputType output element type
     * @param outputRange {lo, hi} of the output that maps back onto 0..255 (ignored for UINT8)
     */
    public TensorCodec(int width, int height, DataType inputType, double[] inputRange,
                       DataType outputType, double[] outputRange) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("tensor size must be positive, got " + width + "x" + height);
        }
        checkRange(inputRange, "input");
        checkRange(outputRange, "output");
        this.width = width;
        this.height = height;
        this.inputType = inputType;
        this.outputType = outputType;
        // For [-1, 1] these are exactly 127.5 and -1: the same float32 operations as numpy's.
        this.inputLow = (float) inputRange[0];
        this.inputDivisor = (float) (255.0 / (inputRange[1] - inputRange[0]));
        this.outputLow = (float) outputRange[0];
        this.outputScale = (float) (255.0 / (outputRange[1] - outputRange[0]));
    }

    /** The codec the model's metadata describes. */
    public static TensorCodec fromMetadata(ModelMetadata metadata) {
        return new TensorCodec(metadata.inputWidth, metadata.inputHeight,
                metadata.inputType, metadata.inputRange, metadata.outputType, metadata.outputRange);
    }

    /** Bytes of the input tensor. */
    public int inputBytes() {
        return width * height * 3 * inputType.bytes;
    }

    /** Bytes of the image output tensor. */
    public int outputBytes() {
        return width * height * 3 * outputType.bytes;
    }

    /** One channel value 0..255 -> normalised float input. */
    public float normalize(int channel) {
        return channel / inputDivisor + inputLow;
    }

    /** One float output value -> channel value 0..255. */
    public int denormalize(float value) {
        float scaled = (value - outputLow) * outputScale;
        double rounded = Math.rint(scaled); // half to even, as numpy's round
        if (!(rounded > 0.0)) {
            return 0; // also NaN
        }
        return rounded >= 255.0 ? 255 : (int) rounded;
    }

    /** Normalised floats, interleaved RGB, for {@code width * height} pixels. */
    public float[] normalize(int[] argb) {
        checkPixels(argb);
        float[] out = new float[argb.length * 3];
        for (int i = 0; i < argb.length; i++) {
            out[3 * i] = normalize(Pixels.red(argb[i]));
            out[3 * i + 1] = normalize(Pixels.green(argb[i]));
            out[3 * i + 2] = normalize(Pixels.blue(argb[i]));
        }
        return out;
    }

    /** Pixels from float outputs, interleaved RGB. */
    public int[] toPixels(float[] rgb) {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("expected " + width * height * 3 + " output values, got " + rgb.length);
        }
        int[] out = new int[width * height];
        for (int i = 0; i < out.length; i++) {
            out[i] = Pixels.rgb(denormalize(rgb[3 * i]), denormalize(rgb[3 * i + 1]), denormalize(rgb[3 * i + 2]));
        }
        return out;
    }

    /**
     * Writes the input tensor for {@code argb} into {@code dst} from its start (floats in the
     * buffer's byte order; the interpreter expects native order).
     */
    public void writeInput(int[] argb, ByteBuffer dst) {
        checkPixels(argb);
        requireCapacity(dst, inputBytes(), "input");
        dst.rewind();
        for (int pixel : argb) {
            if (inputType == DataType.UINT8) {
                dst.put((byte) Pixels.red(pixel)).put((byte) Pixels.green(pixel)).put((byte) Pixels.blue(pixel));
            } else {
                dst.putFloat(normalize(Pixels.red(pixel)))
                        .putFloat(normalize(Pixels.green(pixel)))
                        .putFloat(normalize(Pixels.blue(pixel)));
            }
        }
        dst.rewind();
    }

    /** Reads the image output tensor from the start of {@code src} into pixels. */
    public int[] readOutput(ByteBuffer src) {
        requireCapacity(src, outputBytes(), "output");
        src.rewind();
        int[] out = new int[width * height];
        for (int i = 0; i < out.length; i++) {
            if (outputType == DataType.UINT8) {
                out[i] = Pixels.rgb(src.get() & 0xFF, src.get() & 0xFF, src.get() & 0xFF);
            } else {
                int r = denormalize(src.getFloat());
                int g = denormalize(src.getFloat());
                out[i] = Pixels.rgb(r, g, denormalize(src.getFloat()));
            }
        }
        src.rewind();
        return out;
    }

    private void checkPixels(int[] argb) {
        if (argb.length != width * height) {
            throw new IllegalArgumentException("expected a " + width + "x" + height + " image ("
                    + width * height + " pixels), got " + argb.length + " pixels");
        }
    }

    private static void requireCapacity(ByteBuffer buffer, int bytes, String what) {
        if (buffer.capacity() < bytes) {
            throw new IllegalArgumentException(what + " buffer holds " + buffer.capacity() + " bytes, needs " + bytes);
        }
    }

    private static void checkRange(double[] range, String what) {
        if (range == null || range.length != 2 || !(range[1] > range[0])) {
            throw new IllegalArgumentException(what + " range must be {lo, hi} with hi > lo");
        }
    }
}
