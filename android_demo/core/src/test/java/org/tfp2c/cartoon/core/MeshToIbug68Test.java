package org.tfp2c.cartoon.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.Map;
import org.junit.Test;

public class MeshToIbug68Test {
    @Test
    public void matchesPythonMappingOnEveryGoldenMesh() {
        Map<String, Object> golden = Goldens.load("mesh_to_ibug68.json");
        double tol = (Double) golden.get("tolerance");
        List<Object> cases = Goldens.list(golden.get("cases"));
        assertTrue(cases.size() >= 4);
        for (Object item : cases) {
            Map<String, Object> c = Goldens.obj(item);
            double[] mesh478 = Goldens.doubles(c.get("mesh478"));
            assertEquals("Tasks landmarker layout", 2 * 478, mesh478.length);
            Goldens.assertClose((String) c.get("name"), Goldens.doubles(c.get("ibug68")), MeshToIbug68.map(mesh478), tol);
        }
    }

    @Test
    public void normalisedCoordinatesMapToPixelCentres() {
        // 0 and 1 are the image's outer edges: half a pixel outside the first and last centres.
        double[] px = MeshToIbug68.fromNormalized(new float[] {0f, 1f, 0.5f}, new float[] {0f, 1f, 0.25f}, 640, 480);
        Goldens.assertClose("pixels", new double[] {-0.5, -0.5, 639.5, 479.5, 319.5, 119.5}, px, 1e-9);
    }

    @Test
    public void tableHasOneVertexPerIbugPoint() {
        assertEquals(68, MeshToIbug68.MESH_INDEX.length);
        assertEquals(68, MeshToIbug68.OFFSETS.length);
        for (int v : MeshToIbug68.MESH_INDEX) {
            assertTrue(v >= 0 && v < MeshToIbug68.MESH_POINTS);
        }
    }

    @Test
    public void rejectsShortMesh() {
        try {
            MeshToIbug68.map(new double[2 * 100]);
            fail("expected an exception");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("468"));
        }
    }
}
