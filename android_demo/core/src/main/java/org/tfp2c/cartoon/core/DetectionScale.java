package org.tfp2c.cartoon.core;

/**
 * Downsampling of large photos before face detection, and mapping landmarks back.
 *
 * <p>Detection runs on a copy whose longer side is at most {@code maxSide} (1280 in
 * {@code FacePreprocessor}); landmarks found there are scaled back to the photo in pixel-centre
 * coordinates ({@code x + 0.5 = (x_small + 0.5) / s}), as {@code FaceLandmarks.scaled} does.
 *
 * <pre>{@code
 * int[] size = DetectionScale.targetSize(4032, 3024, 1280);   // {1280, 960}
 * double[] onPhoto = DetectionScale.toOriginal(onSmall, 1280 / 4032.0, 960 / 3024.0);
 * }</pre>
 */
public final class DetectionScale {
    /** Longer side of the detection copy in {@code FacePreprocessor}. */
    public static final int DEFAULT_MAX_SIDE = 1280;

    private DetectionScale() {}

    /**
     * {@code {width, height}} of the detection copy: unchanged when the photo fits, else scaled
     * so that the longer side is {@code maxSide} (sides rounded half to even, at least 1).
     */
    public static int[] targetSize(int width, int height, int maxSide) {
        if (width <= 0 || height <= 0 || maxSide <= 0) {
            throw new IllegalArgumentException("sizes must be positive, got " + width + "x" + height + ", maxSide=" + maxSide);
        }
        double f = maxSide / (double) Math.max(width, height);
        if (f >= 1.0) {
            return new int[] {width, height};
        }
        return new int[] {Math.max(1, (int) Math.rint(width * f)), Math.max(1, (int) Math.rint(height * f))};
    }

    /**
     * Largest power of two that can be a decoder's sample size while keeping the decoded
     * longer side at least {@code minSide} (Android's {@code BitmapFactory.Options.inSampleSize}).
     */
    public static int sampleSize(int width, int height, int minSide) {
        int longer = Math.max(width, height);
        int sample = 1;
        while (longer / (sample * 2) >= minSide) {
            sample *= 2;
        }
        return sample;
    }

    /**
     * Maps interleaved points found on a scaled copy back to the original.
     *
     * @param points interleaved (x, y) on the copy
     * @param sx copy width / original width
     * @param sy copy height / original height
     */
    public static double[] toOriginal(double[] points, double sx, double sy) {
        double[] out = new double[points.length];
        for (int i = 0; i + 1 < points.length; i += 2) {
            out[i] = (points[i] + 0.5) / sx - 0.5;
            out[i + 1] = (points[i + 1] + 0.5) / sy - 0.5;
        }
        return out;
    }
}
