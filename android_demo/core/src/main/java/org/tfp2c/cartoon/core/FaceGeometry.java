package org.tfp2c.cartoon.core;

/**
 * Face alignment geometry of the photo2cartoon preprocessing, ported from
 * {@code tf_p2c/face/geometry.py} and checked against it by golden vectors.
 *
 * <p>Landmarks are 68 iBUG 300-W points, interleaved {@code {x0, y0, ..., x67, y67}} in
 * pixel-centre coordinates. The steps:
 *
 * <ol>
 *   <li>Rotate the whole photo about its centre so that the outer eye corners (points 36 and
 *       45) are level; the canvas grows to hold the rotated photo.
 *   <li>Take the box of the rotated landmarks, expand it (top by 0.8 h, bottom by 0.3 h, sides
 *       by 0.3 w) and make it square about its centre on the longer side.
 *   <li>Scale the square to the generator's input size; outside the photo is white.
 * </ol>
 *
 * <pre>{@code
 * FaceGeometry.Alignment a = FaceGeometry.alignment(landmarks68, photoWidth, photoHeight, 256);
 * int[] crop = AffineWarp.warpCrop(photoPixels, photoWidth, photoHeight, a.matrix, 256);
 * }</pre>
 */
public final class FaceGeometry {
    /** Outer corner of the subject's right eye (image left in a frontal photo). */
    public static final int LEFT_EYE_OUTER = 36;
    /** Outer corner of the subject's left eye. */
    public static final int RIGHT_EYE_OUTER = 45;
    public static final int IBUG_POINTS = 68;

    // Box expansion, as fractions of the landmark box height (h) and width (w).
    static final double EXPAND_TOP = 0.8;
    static final double EXPAND_BOTTOM = 0.3;
    static final double EXPAND_SIDE = 0.3;

    private FaceGeometry() {}

    /** The rotation that levels the eyes, and the size of the canvas that holds the result. */
    public static final class LevelRotation {
        /** Original photo point -> canvas point. */
        public final Affine matrix;
        public final int canvasWidth;
        public final int canvasHeight;

        LevelRotation(Affine matrix, int canvasWidth, int canvasHeight) {
            this.matrix = matrix;
            this.canvasWidth = canvasWidth;
            this.canvasHeight = canvasHeight;
        }
    }

    /** Result of {@link #alignment}. */
    public static final class Alignment {
        /** Original photo point -> crop pixel. */
        public final Affine matrix;
        /** Crop square on the rotated canvas. */
        public final CropBox box;
        /** Original photo point -> rotated canvas point. */
        public final Affine rotation;

        Alignment(Affine matrix, CropBox box, Affine rotation) {
            this.matrix = matrix;
            this.box = box;
            this.rotation = rotation;
        }
    }

    /**
     * Angle in radians of the line from point 36 to point 45 (positive = clockwise on screen).
     * Full-circle {@code atan2}, so an upside-down face is turned upright too.
     */
    public static double eyeAngle(double[] landmarks) {
        requireIbug(landmarks);
        double dx = landmarks[2 * RIGHT_EYE_OUTER] - landmarks[2 * LEFT_EYE_OUTER];
        double dy = landmarks[2 * RIGHT_EYE_OUTER + 1] - landmarks[2 * LEFT_EYE_OUTER + 1];
        return Math.atan2(dy, dx);
    }

    /**
     * Rotation about the photo centre that undoes {@code angle}, on a canvas that holds it all.
     *
     * @param angle eye-line angle from {@link #eyeAngle}, radians
     * @param width photo width in pixels
     * @param height photo height in pixels
     */
    public static LevelRotation rotationToLevel(double angle, int width, int height) {
        double c = Math.cos(angle), s = Math.sin(angle);
        // Rounding to 1e-6 keeps 1e-16 noise from adding a whole pixel row at zero angle.
        int canvasWidth = (int) Math.ceil(round6(width * Math.abs(c) + height * Math.abs(s)));
        int canvasHeight = (int) Math.ceil(round6(width * Math.abs(s) + height * Math.abs(c)));
        double srcCx = (width - 1) / 2.0, srcCy = (height - 1) / 2.0;
        double dstCx = (canvasWidth - 1) / 2.0, dstCy = (canvasHeight - 1) / 2.0;
        // Rotating by -angle: p' = R(-angle) (p - src centre) + dst centre.
        Affine matrix = new Affine(
                c, s, dstCx - (c * srcCx + s * srcCy),
                -s, c, dstCy - (-s * srcCx + c * srcCy));
        return new LevelRotation(matrix, canvasWidth, canvasHeight);
    }

    /**
     * Square crop box around landmarks that are already level (step 2).
     *
     * @param levelLandmarks interleaved points (any count) on the rotated canvas
     */
    public static CropBox cropBox(double[] levelLandmarks) {
        if (levelLandmarks.length < 2 || levelLandmarks.length % 2 != 0) {
            throw new IllegalArgumentException("landmarks must be interleaved (x, y) pairs, got "
                    + levelLandmarks.length + " values");
        }
        double left = Double.POSITIVE_INFINITY, top = Double.POSITIVE_INFINITY;
        double right = Double.NEGATIVE_INFINITY, bottom = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < levelLandmarks.length; i += 2) {
            left = Math.min(left, levelLandmarks[i]);
            right = Math.max(right, levelLandmarks[i]);
            top = Math.min(top, levelLandmarks[i + 1]);
            bottom = Math.max(bottom, levelLandmarks[i + 1]);
        }
        double h = bottom - top, w = right - left;
        top -= EXPAND_TOP * h;
        bottom += EXPAND_BOTTOM * h;
        left -= EXPAND_SIDE * w;
        right += EXPAND_SIDE * w;
        double side = Math.max(bottom - top, right - left);
        double cx = (left + right) / 2.0, cy = (top + bottom) / 2.0;
        return new CropBox(cx - side / 2.0, cy - side / 2.0, cx + side / 2.0, cy + side / 2.0);
    }

    /**
     * Canvas point -> crop pixel for a square box: the box edges land on the crop's outer pixel
     * edges (-0.5 and outSize - 0.5).
     */
    public static Affine boxToCrop(CropBox box, int outSize) {
        double k = outSize / (box.right - box.left);
        return new Affine(k, 0.0, -0.5 - k * box.left, 0.0, k, -0.5 - k * box.top);
    }

    /**
     * Full alignment: original photo points -> crop pixels.
     *
     * @param landmarks 68 iBUG points in original photo pixels, interleaved
     * @param width original photo width
     * @param height original photo height
     * @param outSize crop side in pixels (the generator's input size)
     */
    public static Alignment alignment(double[] landmarks, int width, int height, int outSize) {
        requireIbug(landmarks);
        if (width <= 0 || height <= 0 || outSize <= 0) {
            throw new IllegalArgumentException("sizes must be positive, got width=" + width
                    + " height=" + height + " outSize=" + outSize);
        }
        Affine rotation = rotationToLevel(eyeAngle(landmarks), width, height).matrix;
        CropBox box = cropBox(rotation.applyAll(landmarks));
        return new Alignment(boxToCrop(box, outSize).compose(rotation), box, rotation);
    }

    /** Area of the landmark box: the key that picks the largest of several faces. */
    public static double landmarkBoxArea(double[] landmarks) {
        double minX = Double.POSITIVE_INFINITY, minY = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
        for (int i = 0; i + 1 < landmarks.length; i += 2) {
            minX = Math.min(minX, landmarks[i]);
            maxX = Math.max(maxX, landmarks[i]);
            minY = Math.min(minY, landmarks[i + 1]);
            maxY = Math.max(maxY, landmarks[i + 1]);
        }
        return (maxX - minX) * (maxY - minY);
    }

    private static double round6(double value) {
        return Math.rint(value * 1e6) / 1e6;
    }

    private static void requireIbug(double[] landmarks) {
        if (landmarks == null || landmarks.length != 2 * IBUG_POINTS) {
            int n = landmarks == null ? 0 : landmarks.length;
            throw new IllegalArgumentException(
                    "expected 68 iBUG landmarks as 136 interleaved values, got " + n);
        }
    }
}
