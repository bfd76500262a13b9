package org.tfp2c.cartoon.core;

import java.nio.ByteBuffer;

/**
 * Tensors of MediaPipe's selfie segmentation model (the file {@code tf_p2c} installs as
 * {@code selfie_segmentation.tflite}): input (1, S, S, 3) float RGB {@code x * (1 / 255)},
 * output (1, S, S, 1) float probability, clipped to [0, 1] to make the alpha mask. Same
 * arithmetic as {@code SelfieSegmenter} in {@code tf_p2c/face/segmentation.py}.
 */
public final class SegmentationCodec {
    // numpy multiplies float32 pixels by the float64 1/255 rounded to float32.
    private static final float INV_255 = (float) (1.0 / 255.0);

    private SegmentationCodec() {}

    /** One channel value 0..255 -> model input. */
    public static float normalize(int channel) {
        return channel * INV_255;
    }

    /** Writes the input tensor (floats, interleaved RGB) from the start of {@code dst}. */
    public static void writeInput(int[] argb, ByteBuffer dst) {
        if (dst.capacity() < argb.length * 12) {
            throw new IllegalArgumentException("input buffer holds " + dst.capacity() + " bytes, needs " + argb.length * 12);
        }
        dst.rewind();
        for (int pixel : argb) {
            dst.putFloat(normalize(Pixels.red(pixel)))
                    .putFloat(normalize(Pixels.green(pixel)))
                    .putFloat(normalize(Pixels.blue(pixel)));
        }
        dst.rewind();
    }

    /** Model output -> alpha mask in [0, 1] (NaN becomes 0). */
    public static float[] toMask(float[] probabilities) {
        float[] out = new float[probabilities.length];
        for (int i = 0; i < out.length; i++) {
            float p = probabilities[i];
            out[i] = p > 1.0f ? 1.0f : (p > 0.0f ? p : 0.0f);
        }
        return out;
    }

    /** Reads {@code count} output floats from the start of {@code src} into a mask. */
    public static float[] readMask(ByteBuffer src, int count) {
        src.rewind();
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = src.getFloat();
        }
        src.rewind();
        return toMask(values);
    }

    /**
     * Bilinear resize of a mask (pixel centres aligned, edge values repeated), as OpenCV's
     * {@code INTER_LINEAR} that the Python side uses when the crop and the model differ in size.
     */
    public static float[] resizeMask(float[] mask, int width, int height, int outWidth, int outHeight) {
        if (mask.length != width * height || outWidth <= 0 || outHeight <= 0) {
            throw new IllegalArgumentException("mask of " + mask.length + " values is not " + width + "x" + height);
        }
        float[] out = new float[outWidth * outHeight];
        double fx = width / (double) outWidth, fy = height / (double) outHeight;
        for (int y = 0; y < outHeight; y++) {
            double sy = Math.max(0.0, Math.min(height - 1.0, (y + 0.5) * fy - 0.5));
            int y0 = (int) sy, y1 = Math.min(y0 + 1, height - 1);
            double wy = sy - y0;
            for (int x = 0; x < outWidth; x++) {
                double sx = Math.max(0.0, Math.min(width - 1.0, (x + 0.5) * fx - 0.5));
                int x0 = (int) sx, x1 = Math.min(x0 + 1, width - 1);
                double wx = sx - x0;
                double top = mask[y0 * width + x0] * (1 - wx) + mask[y0 * width + x1] * wx;
                double bottom = mask[y1 * width + x0] * (1 - wx) + mask[y1 * width + x1] * wx;
                out[y * outWidth + x] = (float) (top * (1 - wy) + bottom * wy);
            }
        }
        return out;
    }
}
