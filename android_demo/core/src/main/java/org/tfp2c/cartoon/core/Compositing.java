package org.tfp2c.cartoon.core;

/**
 * Alpha compositing on white, as {@code composite_on_white} in
 * {@code tf_p2c/cartoonize/pipeline.py}: {@code trunc(clip(x * a + 255 (1 - a) + 0.5))} in
 * float32, so the result is rounded to nearest (half up), pixel for pixel the same.
 *
 * <p>The pipeline composites twice: the aligned crop before the generator (the model was
 * trained on faces on white) and the generator's output after it (the model paints its own
 * background, which the mask removes again).
 *
 * <pre>{@code
 * int[] onWhite = Compositing.onWhite(cropPixels, mask);
 * }</pre>
 */
public final class Compositing {
    private Compositing() {}

    /**
     * @param argb pixels
     * @param mask alpha per pixel in [0, 1] (1 keeps the pixel, 0 makes it white)
     * @return new opaque pixels
     */
    public static int[] onWhite(int[] argb, float[] mask) {
        if (argb.length != mask.length) {
            throw new IllegalArgumentException("image has " + argb.length + " pixels but mask has " + mask.length);
        }
        int[] out = new int[argb.length];
        for (int i = 0; i < argb.length; i++) {
            float alpha = mask[i];
            float white = 255.0f * (1.0f - alpha);
            out[i] = Pixels.rgb(blend(Pixels.red(argb[i]), alpha, white),
                    blend(Pixels.green(argb[i]), alpha, white),
                    blend(Pixels.blue(argb[i]), alpha, white));
        }
        return out;
    }

    private static int blend(int channel, float alpha, float white) {
        float value = channel * alpha + white + 0.5f;
        if (!(value > 0.0f)) {
            return 0;
        }
        return value >= 255.0f ? 255 : (int) value;
    }
}
