package dev.jprune.cpu;

/**
 * Inference max pooling with 2x2 windows and stride 2 (no padding, floor output size): for planes [from, to) of
 * x [planes, h, w], y[pl, oy, ox] = the max of window (2oy .. 2oy+1, 2ox .. 2ox+1) by {@code nn.MaxPool2d}'s rule:
 * the window's elements in row-major order, a later one replacing the max when strictly greater, the first NaN
 * winning (so ties keep the first: max(−0, +0) is −0). Scalar path branch-free; the Vector API twin
 * ({@code VectorMaxPool2x2}) takes 8 outputs of a row at a time from contiguous loads. Same bits
 * (tested); a window holding a NaN goes by the general rule on both paths.
 */
public final class MaxPool2x2 {
    private MaxPool2x2() {}

    /**
     * corner[q] = 2·(q / ow)·w + 2·(q % ow): where output q = oy·ow + ox of a plane finds the top-left of its window
     * (relative to the plane), for planes [h, w]. Returns a new array of (h / 2)·(w / 2) entries.
     */
    public static int[] corners(int h, int w) {
        int oh = h / 2, ow = w / 2;
        int[] corner = new int[oh * ow];
        for (int q = 0; q < corner.length; q++) corner[q] = 2 * (q / ow) * w + 2 * (q % ow);
        return corner;
    }

    /**
     * y[yOff + pl·oh·ow + q] for planes pl in [from, to) of x[xOff ..) ([planes, h, w]), oh = h / 2, ow = w / 2;
     * corner = {@link #corners}(h, w). Modifies only those elements of y. No validation.
     */
    public static void pool(float[] x, int xOff, int h, int w, int[] corner, float[] y, int yOff, int from, int to) {
        if (Gemm.VECTOR) {
            VectorWarmUp.maxPool();
            VectorMaxPool2x2.pool(x, xOff, h, w, corner, y, yOff, from, to);
        } else {
            poolScalar(x, xOff, h, w, corner, y, yOff, from, to);
        }
    }

    /** {@link #pool} forced onto the scalar path (tests compare both paths). */
    static void poolScalar(float[] x, int xOff, int h, int w, int[] corner, float[] y, int yOff, int from, int to) {
        int outs = corner.length;
        for (int pl = from; pl < to; pl++) {
            outputs(x, xOff + pl * h * w, w, corner, 0, outs, y, yOff + pl * outs);
        }
    }

    /**
     * Outputs [q0, q1) of one plane (x from planeOff, y from yPlane), branch-free: the same comparisons in the same
     * order as {@link #window}, selected with masks; a window holding a NaN takes {@link #window} (2.8x).
     */
    static void outputs(float[] x, int planeOff, int w, int[] corner, int q0, int q1, float[] y, int yPlane) {
        for (int q = q0; q < q1; q++) {
            int i = planeOff + corner[q], j = i + w;
            float a = x[i], b = x[i + 1], c = x[j], d = x[j + 1];
            if ((a != a) | (b != b) | (c != c) | (d != d)) { // rare: the general rule, NaN included
                y[yPlane + q] = window(a, b, c, d);
                continue;
            }
            int bits = Float.floatToRawIntBits(a);
            int t = b > a ? -1 : 0;
            bits ^= (bits ^ Float.floatToRawIntBits(b)) & t;
            float m = Float.intBitsToFloat(bits);
            t = c > m ? -1 : 0;
            bits ^= (bits ^ Float.floatToRawIntBits(c)) & t;
            m = Float.intBitsToFloat(bits);
            t = d > m ? -1 : 0;
            bits ^= (bits ^ Float.floatToRawIntBits(d)) & t;
            y[yPlane + q] = Float.intBitsToFloat(bits);
        }
    }

    /** The general rule on one window's elements in row-major order (nn.MaxPool2d, PyTorch: NaN wins). */
    static float window(float a, float b, float c, float d) {
        float m = a;
        if (b > m || (b != b && m == m)) m = b;
        if (c > m || (c != c && m == m)) m = c;
        if (d > m || (d != d && m == m)) m = d;
        return m;
    }
}
