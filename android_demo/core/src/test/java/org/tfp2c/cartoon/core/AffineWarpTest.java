package org.tfp2c.cartoon.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.Test;

public class AffineWarpTest {
    /** Decoded PNG: {width, height} and ARGB pixels (the test side may use javax.imageio). */
    static final class Image {
        final int width;
        final int height;
        final int[] pixels;

        Image(File file) throws IOException {
            BufferedImage image = ImageIO.read(file);
            width = image.getWidth();
            height = image.getHeight();
            pixels = image.getRGB(0, 0, width, height, null, 0, width);
        }
    }

    @Test
    public void cropsMatchPythonWarpCropWithinAFewLevels() throws IOException {
        Map<String, Object> g = Goldens.load("warp.json");
        Image source = new Image(Goldens.file((String) g.get("source_png")));
        List<Object> cases = Goldens.list(g.get("cases"));
        assertEquals(3, cases.size());
        for (Object item : cases) {
            Map<String, Object> c = Goldens.obj(item);
            String name = (String) c.get("name");
            int size = Goldens.integer(c.get("out_size"));
            Affine matrix = Affine.of(Goldens.doubles(c.get("matrix")));
            Image expected = new Image(Goldens.file((String) c.get("expected_png")));
            int[] actual = AffineWarp.warpCrop(source.pixels, source.width, source.height, matrix, size);
            int[] e = Pixels.toRgb(expected.pixels), a = Pixels.toRgb(actual);
            double sum = 0;
            int large = 0;
            for (int i = 0; i < e.length; i++) {
                int d = Math.abs(e[i] - a[i]);
                sum += d;
                if (d > 8) {
                    large++;
                }
            }
            double mean = sum / e.length;
            // Enlarging is the same bilinear warp as OpenCV's (which rounds weights to 1/32 px);
            // shrinking area-resizes the whole photo where Python resizes the covered region.
            double meanLimit = matrix.scale() >= 1.0 ? 0.3 : 1.2;
            assertTrue(name + ": mean abs difference " + mean + " > " + meanLimit, mean <= meanLimit);
            assertTrue(name + ": " + large + " values differ by more than 8", large <= e.length / 50);
        }
    }

    @Test
    public void outsideTheSourceIsWhite() {
        int[] src = {Pixels.rgb(0, 0, 0)};
        int[] out = AffineWarp.warp(src, 1, 1, new Affine(1, 0, 5, 0, 1, 5), 3, 3);
        for (int p : out) {
            assertEquals(Pixels.WHITE, p);
        }
    }

    @Test
    public void integerShiftCopiesPixels() {
        int[] src = new int[16];
        for (int i = 0; i < src.length; i++) {
            src[i] = Pixels.rgb(i * 10, 255 - i * 10, i);
        }
        int[] out = AffineWarp.warp(src, 4, 4, new Affine(1, 0, -1, 0, 1, -2), 2, 2);
        assertEquals(src[2 * 4 + 1], out[0]);
        assertEquals(src[3 * 4 + 2], out[3]);
    }

    @Test
    public void areaResizeAveragesCoveredPixels() {
        int[] src = {Pixels.rgb(0, 0, 0), Pixels.rgb(100, 100, 100), Pixels.rgb(200, 200, 200), Pixels.rgb(100, 100, 100)};
        assertEquals(Pixels.rgb(100, 100, 100), AffineWarp.areaResize(src, 2, 2, 1, 1)[0]);
        // 3 -> 2: the middle pixel is shared half and half.
        int[] row = {Pixels.rgb(0, 0, 0), Pixels.rgb(90, 90, 90), Pixels.rgb(180, 180, 180)};
        int[] out = AffineWarp.areaResize(row, 3, 1, 2, 1);
        assertEquals(30, Pixels.red(out[0]));
        assertEquals(150, Pixels.red(out[1]));
    }
}
