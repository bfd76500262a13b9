package org.tfp2c.cartoon.core;

/**
 * Packed ARGB_8888 pixels, the layout of Android's {@code Bitmap.getPixels}:
 * {@code (a << 24) | (r << 16) | (g << 8) | b}, row-major, one int per pixel.
 */
public final class Pixels {
    public static final int WHITE = 0xFFFFFFFF;

    private Pixels() {}

    /** An opaque pixel from three channels in 0..255. */
    public static int rgb(int r, int g, int b) {
        return 0xFF000000 | (r << 16) | (g << 8) | b;
    }

    public static int red(int argb) {
        return (argb >> 16) & 0xFF;
    }

    public static int green(int argb) {
        return (argb >> 8) & 0xFF;
    }

    public static int blue(int argb) {
        return argb & 0xFF;
    }

    /** Packs an interleaved RGB byte-valued array ({@code r0, g0, b0, r1, ...}) into ARGB. */
    public static int[] fromRgb(int[] rgb) {
        if (rgb.length % 3 != 0) {
            throw new IllegalArgumentException("RGB data length must be a multiple of 3, got " + rgb.length);
        }
        int[] out = new int[rgb.length / 3];
        for (int i = 0; i < out.length; i++) {
            out[i] = rgb(rgb[3 * i] & 0xFF, rgb[3 * i + 1] & 0xFF, rgb[3 * i + 2] & 0xFF);
        }
        return out;
    }

    /** Unpacks ARGB pixels into interleaved RGB values 0..255 (alpha dropped). */
    public static int[] toRgb(int[] argb) {
        int[] out = new int[argb.length * 3];
        for (int i = 0; i < argb.length; i++) {
            out[3 * i] = red(argb[i]);
            out[3 * i + 1] = green(argb[i]);
            out[3 * i + 2] = blue(argb[i]);
        }
        return out;
    }
}
