package org.tfp2c.cartoon.core;

/**
 * An immutable 2x3 affine transform acting on column vectors {@code [x, y, 1]}.
 *
 * <p>Coordinates follow the Python pipeline ({@code tf_p2c/face/geometry.py}): x to the right,
 * y down, integer values at pixel centres. {@code new Affine(a, b, c, d, e, f)} maps
 * {@code (x, y)} to {@code (a x + b y + c, d x + e y + f)}.
 *
 * <pre>{@code
 * Affine shift = new Affine(1, 0, 10, 0, 1, 5);
 * double[] p = shift.apply(new double[] {0, 0});   // {10, 5}
 * }</pre>
 */
public final class Affine {
    public static final Affine IDENTITY = new Affine(1, 0, 0, 0, 1, 0);

    private final double m00, m01, m02, m10, m11, m12;

    /**
     * @param m00 row 0, column 0
     * @param m01 row 0, column 1
     * @param m02 row 0, translation
     * @param m10 row 1, column 0
     * @param m11 row 1, column 1
     * @param m12 row 1, translation
     */
    public Affine(double m00, double m01, double m02, double m10, double m11, double m12) {
        this.m00 = m00;
        this.m01 = m01;
        this.m02 = m02;
        this.m10 = m10;
        this.m11 = m11;
        this.m12 = m12;
    }

    /** Builds a transform from its six values in row-major order. */
    public static Affine of(double[] rowMajor) {
        if (rowMajor.length != 6) {
            throw new IllegalArgumentException("an affine matrix has 6 values, got " + rowMajor.length);
        }
        return new Affine(rowMajor[0], rowMajor[1], rowMajor[2], rowMajor[3], rowMajor[4], rowMajor[5]);
    }

    /** The six values in row-major order (the layout of a numpy (2, 3) array). */
    public double[] toArray() {
        return new double[] {m00, m01, m02, m10, m11, m12};
    }

    /** Value at {@code row} (0 or 1) and {@code column} (0..2). */
    public double get(int row, int column) {
        return toArray()[row * 3 + column];
    }

    /** Maps one point. */
    public double[] apply(double x, double y) {
        return new double[] {m00 * x + m01 * y + m02, m10 * x + m11 * y + m12};
    }

    /** Maps one point given as {@code {x, y}}. */
    public double[] apply(double[] point) {
        return apply(point[0], point[1]);
    }

    /** Maps interleaved points {@code {x0, y0, x1, y1, ...}}; returns a new array. */
    public double[] applyAll(double[] points) {
        double[] out = new double[points.length];
        for (int i = 0; i + 1 < points.length; i += 2) {
            out[i] = m00 * points[i] + m01 * points[i + 1] + m02;
            out[i + 1] = m10 * points[i] + m11 * points[i + 1] + m12;
        }
        return out;
    }

    /** The transform of {@code this(inner(p))}: {@code inner} is applied first. */
    public Affine compose(Affine inner) {
        return new Affine(
                m00 * inner.m00 + m01 * inner.m10,
                m00 * inner.m01 + m01 * inner.m11,
                m00 * inner.m02 + m01 * inner.m12 + m02,
                m10 * inner.m00 + m11 * inner.m10,
                m10 * inner.m01 + m11 * inner.m11,
                m10 * inner.m02 + m11 * inner.m12 + m12);
    }

    /** The inverse transform (e.g. crop pixel -> original photo, for paste-back). */
    public Affine invert() {
        double det = m00 * m11 - m01 * m10;
        if (det == 0.0 || Double.isNaN(det)) {
            throw new IllegalStateException("affine matrix is singular");
        }
        double i00 = m11 / det, i01 = -m01 / det, i10 = -m10 / det, i11 = m00 / det;
        return new Affine(i00, i01, -(i00 * m02 + i01 * m12), i10, i11, -(i10 * m02 + i11 * m12));
    }

    /** Length of the image of a unit x vector: the uniform scale of a similarity transform. */
    public double scale() {
        return Math.hypot(m00, m10);
    }

    @Override
    public String toString() {
        return String.format("Affine[[%g, %g, %g], [%g, %g, %g]]", m00, m01, m02, m10, m11, m12);
    }
}
