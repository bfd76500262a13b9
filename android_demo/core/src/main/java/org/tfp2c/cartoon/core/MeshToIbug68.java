package org.tfp2c.cartoon.core;

/**
 * MediaPipe face mesh (468 points, or the 478 of the Tasks FaceLandmarker with irises) ->
 * 68-point iBUG 300-W equivalent, ported from {@code tf_p2c/face/landmark_map.py}.
 *
 * <p>iBUG point {@code i} is mesh vertex {@code MESH_INDEX[i]} plus a small offset measured in
 * the face frame (origin between the outer eye corners, vertices 33 and 263; unit = their
 * distance), so the offset turns and scales with the face. Iris points (468..477) are unused.
 *
 * <pre>{@code
 * double[] mesh = MeshToIbug68.fromNormalized(xs, ys, imageWidth, imageHeight);
 * double[] ibug68 = MeshToIbug68.map(mesh);
 * }</pre>
 */
public final class MeshToIbug68 {
    public static final int MESH_POINTS = 468;
    /** Mesh vertices of the outer eye corners, which define the face frame. */
    public static final int MESH_EYE_LEFT = 33;
    public static final int MESH_EYE_RIGHT = 263;

    /** Mesh vertex standing in for each iBUG point, in iBUG order. */
    static final int[] MESH_INDEX = {
            34, 123, 147, 58, 172, 136, 149, 148, 152, 377, 378, 379, 397, 288, 376, 352, 264, 46,
            63, 52, 65, 55, 285, 295, 282, 293, 383, 6, 197, 5, 1, 75, 97, 164, 326, 305, 7, 159,
            158, 112, 153, 144, 382, 385, 387, 249, 373, 380, 76, 39, 72, 11, 302, 310, 306, 405,
            314, 17, 84, 181, 183, 82, 12, 268, 308, 316, 15, 86
    };

    /** Offset (iBUG point - its mesh vertex) in face-frame units (eye-corner distances). */
    static final double[][] OFFSETS = {
            // 0-16 jaw
            {0.002, 0.022}, {-0.023, -0.027}, {0.002, 0.022}, {-0.007, -0.016}, {-0.014, 0.029},
            {0.012, 0.088}, {-0.025, 0.057}, {-0.051, 0.062}, {0.000, 0.080}, {0.053, 0.063},
            {0.023, 0.060}, {0.089, 0.001}, {0.011, 0.037}, {0.005, -0.007}, {0.003, 0.026},
            {0.032, -0.023}, {0.007, 0.027},
            // 17-26 brows
            {-0.041, 0.019}, {0.021, 0.014}, {0.023, -0.031}, {0.031, -0.017}, {-0.012, -0.013},
            {0.026, -0.006}, {-0.014, -0.013}, {-0.008, -0.024}, {-0.008, 0.023}, {-0.020, -0.026},
            // 27-35 nose
            {0.011, -0.040}, {0.012, 0.015}, {0.012, -0.003}, {0.012, -0.029}, {0.009, 0.039},
            {0.023, 0.019}, {0.010, 0.000}, {-0.005, 0.019}, {0.006, 0.040},
            // 36-47 eyes
            {-0.004, -0.005}, {-0.023, -0.009}, {0.023, -0.007}, {-0.006, -0.005}, {-0.006, 0.013},
            {0.005, 0.011}, {0.001, 0.016}, {-0.008, -0.005}, {-0.022, -0.013}, {0.013, -0.002},
            {0.006, 0.016}, {0.018, 0.015},
            // 48-67 mouth
            {0.003, -0.003}, {-0.001, 0.015}, {0.020, -0.014}, {0.006, -0.006}, {-0.005, -0.014},
            {0.000, -0.012}, {0.007, -0.003}, {0.044, -0.016}, {-0.001, 0.018}, {0.006, 0.021},
            {0.009, 0.019}, {-0.034, -0.016}, {-0.006, 0.013}, {0.004, 0.023}, {0.006, 0.032},
            {0.002, 0.021}, {-0.006, 0.009}, {0.007, 0.000}, {0.007, -0.001}, {0.006, 0.001},
    };

    private MeshToIbug68() {}

    /**
     * Picks the 68 iBUG-equivalent points out of a face mesh.
     *
     * @param mesh at least 468 interleaved (x, y) points in image pixels
     * @return 136 interleaved values in iBUG 300-W order
     */
    public static double[] map(double[] mesh) {
        if (mesh == null || mesh.length < 2 * MESH_POINTS || mesh.length % 2 != 0) {
            int n = mesh == null ? 0 : mesh.length / 2;
            throw new IllegalArgumentException("expected at least 468 mesh points, got " + n);
        }
        double ax = mesh[2 * MESH_EYE_LEFT], ay = mesh[2 * MESH_EYE_LEFT + 1];
        double dx = mesh[2 * MESH_EYE_RIGHT] - ax, dy = mesh[2 * MESH_EYE_RIGHT + 1] - ay;
        if (dx == 0.0 && dy == 0.0) {
            // Degenerate mesh: the Python side divides by 1 instead of 0, i.e. a unit frame.
            dx = 1.0;
        }
        double[] out = new double[2 * MESH_INDEX.length];
        for (int i = 0; i < MESH_INDEX.length; i++) {
            double ox = OFFSETS[i][0], oy = OFFSETS[i][1];
            // Frame -> image: x along the eye line d, y along d turned 90 degrees towards the chin.
            out[2 * i] = mesh[2 * MESH_INDEX[i]] + ox * dx - oy * dy;
            out[2 * i + 1] = mesh[2 * MESH_INDEX[i] + 1] + ox * dy + oy * dx;
        }
        return out;
    }

    /**
     * Normalised landmarks (MediaPipe Tasks: 0 = left / top edge, 1 = right / bottom edge of the
     * image) -> interleaved pixel-centre coordinates, the convention of the rest of the core.
     *
     * @param xs normalised x of each point
     * @param ys normalised y of each point
     * @param width image width in pixels
     * @param height image height in pixels
     */
    public static double[] fromNormalized(float[] xs, float[] ys, int width, int height) {
        if (xs.length != ys.length) {
            throw new IllegalArgumentException("xs and ys differ in length: " + xs.length + " vs " + ys.length);
        }
        double[] out = new double[2 * xs.length];
        for (int i = 0; i < xs.length; i++) {
            out[2 * i] = xs[i] * (double) width - 0.5;
            out[2 * i + 1] = ys[i] * (double) height - 0.5;
        }
        return out;
    }
}
