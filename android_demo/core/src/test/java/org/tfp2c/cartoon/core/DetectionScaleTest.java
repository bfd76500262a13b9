package org.tfp2c.cartoon.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.Test;

public class DetectionScaleTest {
    @Test
    public void detectionCopySizeMatchesPython() {
        List<Object> cases = Goldens.list(Goldens.load("detection_scale.json").get("sizes"));
        assertTrue(cases.size() >= 5);
        for (Object item : cases) {
            Map<String, Object> c = Goldens.obj(item);
            int w = Goldens.integer(c.get("width")), h = Goldens.integer(c.get("height"));
            assertArrayEquals(w + "x" + h, Goldens.ints(c.get("expected")),
                    DetectionScale.targetSize(w, h, Goldens.integer(c.get("max_side"))));
        }
    }

    @Test
    public void landmarksMapBackLikePython() {
        Map<String, Object> p = Goldens.obj(Goldens.load("detection_scale.json").get("points"));
        double[] back = DetectionScale.toOriginal(Goldens.doubles(p.get("small")), (Double) p.get("sx"), (Double) p.get("sy"));
        // Python keeps landmarks in float32, hence the looser tolerance.
        Goldens.assertClose("points", Goldens.doubles(p.get("original")), back, (Double) p.get("tolerance"));
    }

    @Test
    public void sampleSizeKeepsAtLeastTheRequestedSide() {
        assertEquals(1, DetectionScale.sampleSize(1000, 800, 1280));
        assertEquals(1, DetectionScale.sampleSize(4032, 3024, 2048));
        assertEquals(2, DetectionScale.sampleSize(4200, 3000, 2048));
        assertEquals(4, DetectionScale.sampleSize(8192, 6000, 2048));
        int s = DetectionScale.sampleSize(12000, 9000, 1280);
        assertTrue(12000 / s >= 1280 && 12000 / (2 * s) < 1280);
    }
}
