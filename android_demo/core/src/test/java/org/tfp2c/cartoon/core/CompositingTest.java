package org.tfp2c.cartoon.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class CompositingTest {
    @Test
    public void matchesPythonCompositeOnWhitePixelForPixel() {
        List<Object> cases = Goldens.list(Goldens.load("composite.json").get("cases"));
        assertTrue(cases.size() >= 2);
        for (Object item : cases) {
            Map<String, Object> c = Goldens.obj(item);
            int[] pixels = Pixels.fromRgb(Goldens.ints(c.get("pixels")));
            float[] mask = Goldens.floats(c.get("mask"));
            int[] expected = Goldens.ints(c.get("expected"));
            assertArrayEquals((String) c.get("name"), expected, Pixels.toRgb(Compositing.onWhite(pixels, mask)));
        }
    }

    @Test
    public void maskEndsKeepOrWhiten() {
        int[] px = {Pixels.rgb(10, 20, 30), Pixels.rgb(10, 20, 30)};
        int[] out = Compositing.onWhite(px, new float[] {1f, 0f});
        assertEquals(px[0], out[0]);
        assertEquals(Pixels.WHITE, out[1]);
    }

    @Test
    public void segmentationInputMatchesTheRecordedPythonTensor() {
        Map<String, Object> g = Goldens.load("segmentation.json");
        int[] rgb = Goldens.ints(g.get("input_pixels"));
        float[] expected = Goldens.floats(g.get("input_floats"));
        for (int i = 0; i < rgb.length; i++) {
            assertEquals("value " + rgb[i], Float.floatToIntBits(expected[i]),
                    Float.floatToIntBits(SegmentationCodec.normalize(rgb[i])));
        }
        ByteBuffer buffer = ByteBuffer.allocate(12);
        SegmentationCodec.writeInput(new int[] {Pixels.rgb(255, 0, 51)}, buffer);
        assertEquals("golden value 255 is at index 255", 255, rgb[255]);
        assertEquals(expected[255], buffer.getFloat(0), 0f);
        assertEquals(expected[51], buffer.getFloat(8), 0f);
    }

    @Test
    public void maskIsClippedToUnitRange() {
        assertArrayEquals(new float[] {0f, 0.25f, 1f, 0f}, SegmentationCodec.toMask(new float[] {-0.5f, 0.25f, 1.5f, Float.NaN}), 0f);
    }

    @Test
    public void maskResizeKeepsValuesAndInterpolatesBetweenCentres() {
        float[] mask = {0f, 1f};
        assertArrayEquals(mask, SegmentationCodec.resizeMask(mask, 2, 1, 2, 1), 0f);
        // 2 -> 4 wide: centres at 0.25 and 0.75 of a source pixel step; edges repeat.
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 1f}, SegmentationCodec.resizeMask(mask, 2, 1, 4, 1), 1e-6f);
    }
}
