package org.tfp2c.cartoon.core;

/**
 * An axis-aligned box {@code (left, top, right, bottom)} in pixel-centre coordinates.
 *
 * <p>The crop square of {@link FaceGeometry#cropBox} lives on the rotated canvas and may extend
 * past the photo; the crop is white there.
 */
public final class CropBox {
    public final double left;
    public final double top;
    public final double right;
    public final double bottom;

    /**
     * @param left smallest x
     * @param top smallest y
     * @param right largest x
     * @param bottom largest y
     */
    public CropBox(double left, double top, double right, double bottom) {
        this.left = left;
        this.top = top;
        this.right = right;
        this.bottom = bottom;
    }

    public double width() {
        return right - left;
    }

    public double height() {
        return bottom - top;
    }

    /** {@code {left, top, right, bottom}}, the order of the Python tuple. */
    public double[] toArray() {
        return new double[] {left, top, right, bottom};
    }

    @Override
    public String toString() {
        return String.format("CropBox(%g, %g, %g, %g)", left, top, right, bottom);
    }
}
