package dev.jprune.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor, row-major, owning exactly {@code size()} floats in {@link #data}.
 * Images are NCHW. The array is exposed on purpose: kernels index it directly.
 */
public final class Tensor {
    /** Row-major contents; length is always the product of the shape. */
    public final float[] data;
    private final int[] shape;

    private Tensor(float[] data, int[] shape) {
        this.data = data;
        this.shape = shape;
    }

    /** A new zero-filled tensor. */
    public static Tensor zeros(int... shape) {
        return new Tensor(new float[checkedSize(shape)], shape.clone());
    }

    /** Wraps {@code data} (not copied) as a tensor of the given shape. */
    public static Tensor wrap(float[] data, int... shape) {
        long n = checkedSize(shape);
        if (data.length != n) {
            throw new IllegalArgumentException("wrap: data has " + data.length + " floats but shape "
                    + Arrays.toString(shape) + " needs " + n);
        }
        return new Tensor(data, shape.clone());
    }

    private static int checkedSize(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                    + " exceeds 2^31 elements");
        }
        return (int) n;
    }

    /** The shape (a copy), e.g. [N, C, H, W]. */
    public int[] shape() { return shape.clone(); }
    /** Number of dimensions. */
    public int rank() { return shape.length; }
    /**
     * Size of dimension {@code i}; negative {@code i} counts from the end (-1: the last).
     *
     * @throws IndexOutOfBoundsException naming the shape when {@code i} is not in [-rank, rank)
     */
    public int dim(int i) {
        if (i < -shape.length || i >= shape.length) {
            throw new IndexOutOfBoundsException("dim " + i + " of a tensor of shape " + Arrays.toString(shape));
        }
        return shape[i < 0 ? shape.length + i : i];
    }
    /** Number of elements (the product of the shape). */
    public int size() { return data.length; }

    /** A view with a new shape over the same data (no copy). */
    public Tensor reshape(int... newShape) {
        return wrap(data, newShape);
    }

    /** A deep copy. */
    public Tensor copy() {
        return new Tensor(data.clone(), shape.clone());
    }

    /** Sets every element to {@code v}; returns this tensor. */
    public Tensor fill(float v) {
        Arrays.fill(data, v);
        return this;
    }

    /** Whether {@code o} has exactly this shape. */
    public boolean sameShape(Tensor o) {
        return Arrays.equals(shape, o.shape);
    }

    /**
     * Throws {@link IllegalArgumentException} naming {@code op}, the expected and the actual shape,
     * unless this tensor's shape is {@code expected}. A negative expected dimension matches anything.
     */
    public Tensor requireShape(String op, int... expected) {
        boolean ok = expected.length == shape.length;
        for (int i = 0; ok && i < expected.length; i++) ok = expected[i] < 0 || expected[i] == shape[i];
        if (!ok) {
            throw new IllegalArgumentException(op + ": expected shape " + fmt(expected) + " but got "
                    + Arrays.toString(shape));
        }
        return this;
    }

    /** Throws naming {@code op} and both shapes unless {@code a} and {@code b} have the same shape. */
    public static void requireSameShape(String op, Tensor a, Tensor b) {
        if (!a.sameShape(b)) {
            throw new IllegalArgumentException(op + ": shape mismatch " + Arrays.toString(a.shape) + " vs "
                    + Arrays.toString(b.shape));
        }
    }

    private static String fmt(int[] s) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(s[i] < 0 ? "*" : Integer.toString(s[i]));
        }
        return sb.append(']').toString();
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
