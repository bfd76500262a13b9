package org.tfp2c.cartoon.core;

/**
 * Bilinear affine resampling with a white border: the aligned face crop.
 *
 * <p>Follows {@code warp_crop} in {@code tf_p2c/face/warp.py}: a crop that enlarges the photo is
 * one bilinear warp ({@code cv2.warpAffine}, {@code INTER_LINEAR}, white constant border); a crop
 * that shrinks it is first area-resized to the crop's scale (the anti-aliasing of the original's
 * {@code INTER_AREA} resize) and then warped. The results agree with Python to a few levels
 * (OpenCV interpolates in fixed point), which the golden tests bound.
 *
 * <pre>{@code
 * int[] crop = AffineWarp.warpCrop(photo, width, height, alignment.matrix, 256);
 * }</pre>
 */
public final class AffineWarp {
    private AffineWarp() {}

    /**
     * Samples {@code outWidth x outHeight} pixels: output pixel p takes the source at
     * {@code srcToDst^-1(p)}, bilinear, with white outside the source.
     *
     * @param src source ARGB pixels
     * @param width source width
     * @param height source height
     * @param srcToDst source point -> output point
     */
    public static int[] warp(int[] src, int width, int height, Affine srcToDst, int outWidth, int outHeight) {
        checkImage(src, width, height);
        double[] inv = srcToDst.invert().toArray();
        int[] out = new int[outWidth * outHeight];
        for (int y = 0; y < outHeight; y++) {
            double rowX = inv[1] * y + inv[2];
            double rowY = inv[4] * y + inv[5];
            for (int x = 0; x < outWidth; x++) {
                out[y * outWidth + x] = sample(src, width, height, inv[0] * x + rowX, inv[3] * x + rowY);
            }
        }
        return out;
    }

    /**
     * The aligned square crop of a photo.
     *
     * @param src photo ARGB pixels
     * @param width photo width
     * @param height photo height
     * @param photoToCrop photo point -> crop pixel ({@link FaceGeometry.Alignment#matrix})
     * @param outSize crop side
     */
    public static int[] warpCrop(int[] src, int width, int height, Affine photoToCrop, int outSize) {
        checkImage(src, width, height);
        double scale = photoToCrop.scale();
        if (scale >= 1.0) {
            return warp(src, width, height, photoToCrop, outSize, outSize);
        }
        // Shrinking: area-resize to the crop's scale first (anti-aliasing), then warp.
        int w = Math.max(1, (int) Math.rint(width * scale));
        int h = Math.max(1, (int) Math.rint(height * scale));
        int[] small = areaResize(src, width, height, w, h);
        double sx = w / (double) width, sy = h / (double) height;
        // Small pixel centre x_s sits at (x_s + 0.5) / sx - 0.5 in the photo.
        Affine smallToPhoto = new Affine(1 / sx, 0, 0.5 / sx - 0.5, 0, 1 / sy, 0.5 / sy - 0.5);
        return warp(small, w, h, photoToCrop.compose(smallToPhoto), outSize, outSize);
    }

    /**
     * Area-average downscale (each output pixel is the mean of the source area it covers, as
     * OpenCV's {@code INTER_AREA} when shrinking); separable, rows then columns.
     */
    static int[] areaResize(int[] src, int width, int height, int outWidth, int outHeight) {
        if (outWidth > width || outHeight > height || outWidth <= 0 || outHeight <= 0) {
            throw new IllegalArgumentException("areaResize only shrinks: " + width + "x" + height
                    + " -> " + outWidth + "x" + outHeight);
        }
        Coverage cx = new Coverage(width, outWidth);
        float[] rows = new float[3 * outWidth * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < outWidth; x++) {
                float r = 0, g = 0, b = 0;
                for (int k = cx.start[x]; k < cx.start[x + 1]; k++) {
                    int p = src[y * width + cx.index[k]];
                    float w = cx.weight[k];
                    r += w * Pixels.red(p);
                    g += w * Pixels.green(p);
                    b += w * Pixels.blue(p);
                }
                int i = 3 * (y * outWidth + x);
                rows[i] = r;
                rows[i + 1] = g;
                rows[i + 2] = b;
            }
        }
        Coverage cy = new Coverage(height, outHeight);
        int[] out = new int[outWidth * outHeight];
        for (int y = 0; y < outHeight; y++) {
            for (int x = 0; x < outWidth; x++) {
                float r = 0, g = 0, b = 0;
                for (int k = cy.start[y]; k < cy.start[y + 1]; k++) {
                    int i = 3 * (cy.index[k] * outWidth + x);
                    float w = cy.weight[k];
                    r += w * rows[i];
                    g += w * rows[i + 1];
                    b += w * rows[i + 2];
                }
                out[y * outWidth + x] = Pixels.rgb(clamp(r), clamp(g), clamp(b));
            }
        }
        return out;
    }

    /** Source pixels and weights that each output pixel of a 1-D area resize averages. */
    private static final class Coverage {
        final int[] start;
        final int[] index;
        final float[] weight;

        Coverage(int size, int outSize) {
            double step = size / (double) outSize;
            start = new int[outSize + 1];
            int capacity = outSize * ((int) Math.ceil(step) + 2);
            index = new int[capacity];
            weight = new float[capacity];
            int n = 0;
            for (int o = 0; o < outSize; o++) {
                start[o] = n;
                double lo = o * step, hi = Math.min(size, (o + 1) * step);
                for (int i = (int) Math.floor(lo); i < hi && i < size; i++) {
                    double covered = Math.min(hi, i + 1) - Math.max(lo, i);
                    if (covered > 1e-9) {
                        index[n] = i;
                        weight[n++] = (float) (covered / step);
                    }
                }
            }
            start[outSize] = n;
        }
    }

    private static int sample(int[] src, int width, int height, double sx, double sy) {
        double fx0 = Math.floor(sx), fy0 = Math.floor(sy);
        if (fx0 < -1 || fy0 < -1 || fx0 >= width || fy0 >= height) {
            return Pixels.WHITE; // all four taps outside
        }
        int x0 = (int) fx0, y0 = (int) fy0;
        double fx = sx - fx0, fy = sy - fy0;
        double r = 0, g = 0, b = 0;
        for (int dy = 0; dy < 2; dy++) {
            double wy = dy == 0 ? 1 - fy : fy;
            for (int dx = 0; dx < 2; dx++) {
                double w = wy * (dx == 0 ? 1 - fx : fx);
                int x = x0 + dx, y = y0 + dy;
                int p = (x >= 0 && y >= 0 && x < width && y < height) ? src[y * width + x] : Pixels.WHITE;
                r += w * Pixels.red(p);
                g += w * Pixels.green(p);
                b += w * Pixels.blue(p);
            }
        }
        return Pixels.rgb(clamp(r), clamp(g), clamp(b));
    }

    private static int clamp(double value) {
        int v = (int) Math.floor(value + 0.5);
        return v < 0 ? 0 : (v > 255 ? 255 : v);
    }

    private static void checkImage(int[] src, int width, int height) {
        if (width <= 0 || height <= 0 || src.length != width * height) {
            throw new IllegalArgumentException("image of " + src.length + " pixels is not " + width + "x" + height);
        }
    }
}
