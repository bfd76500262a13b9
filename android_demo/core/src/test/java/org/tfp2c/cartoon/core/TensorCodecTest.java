package org.tfp2c.cartoon.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class TensorCodecTest {
    private static TensorCodec floatCodec(int w, int h) {
        return new TensorCodec(w, h, TensorCodec.DataType.FLOAT32, new double[] {-1, 1},
                TensorCodec.DataType.FLOAT32, new double[] {-1, 1});
    }

    private static int[] argb(int[] rgb) {
        return Pixels.fromRgb(rgb);
    }

    @Test
    public void matchesPythonNormalisationAndOutputPixelsBitForBit() {
        // tensor_synthetic.json always; tensor_model.json (a real generator's output) when the
        // goldens were written with an exported model, as tests/android does.
        List<String> files = Goldens.named("tensor_");
        assertFalse(files.isEmpty());
        for (String file : files) {
            Map<String, Object> g = Goldens.load(file);
            int[] inPixels = argb(Goldens.ints(g.get("input_pixels")));
            float[] expectedIn = Goldens.floats(g.get("input_floats"));
            float[] actualIn = floatCodec(inPixels.length, 1).normalize(inPixels);
            for (int i = 0; i < expectedIn.length; i++) {
                assertEquals(file + " input " + i, Float.floatToIntBits(expectedIn[i]), Float.floatToIntBits(actualIn[i]));
            }
            float[] outFloats = Goldens.floats(g.get("output_floats"));
            int[] expectedOut = Goldens.ints(g.get("output_pixels"));
            int n = outFloats.length / 3;
            int[] actual = Pixels.toRgb(floatCodec(n, 1).toPixels(outFloats));
            for (int i = 0; i < expectedOut.length; i++) {
                assertEquals(file + " output value " + outFloats[i], expectedOut[i], actual[i]);
            }
        }
    }

    @Test
    public void roundsHalfToEven() {
        TensorCodec codec = floatCodec(1, 1);
        assertEquals(128, codec.denormalize(0.0f)); // 127.5 -> 128 (even)
        assertEquals(0, codec.denormalize(-2f));
        assertEquals(255, codec.denormalize(3f));
        assertEquals(0, codec.denormalize(Float.NaN));
    }

    @Test
    public void byteBuffersRoundTripInNativeOrder() {
        TensorCodec codec = floatCodec(2, 2);
        int[] pixels = {Pixels.rgb(0, 128, 255), Pixels.rgb(1, 2, 3), Pixels.rgb(250, 251, 252), Pixels.WHITE};
        ByteBuffer in = ByteBuffer.allocateDirect(codec.inputBytes()).order(ByteOrder.nativeOrder());
        codec.writeInput(pixels, in);
        assertEquals(-1.0f, in.getFloat(0), 0f);
        assertEquals(1.0f, in.getFloat(8), 0f);
        // The float input tensor fed back as output gives the pixels again.
        assertArrayEquals(pixels, codec.readOutput(in));
    }

    @Test
    public void uint8ModelsCarryPixelValues() {
        TensorCodec codec = new TensorCodec(2, 1, TensorCodec.DataType.UINT8, new double[] {0, 255},
                TensorCodec.DataType.UINT8, new double[] {0, 255});
        int[] pixels = {Pixels.rgb(7, 200, 255), Pixels.rgb(0, 1, 2)};
        ByteBuffer buffer = ByteBuffer.allocate(codec.inputBytes());
        codec.writeInput(pixels, buffer);
        assertEquals(200, buffer.get(1) & 0xFF);
        assertArrayEquals(pixels, codec.readOutput(buffer));
    }
}
