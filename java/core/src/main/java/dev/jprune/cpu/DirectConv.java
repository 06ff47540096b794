package dev.jprune.cpu;

import java.util.Arrays;

/**
 * Stride-1 convolution of one image straight from its zero-padded planes, without im2col: a filter's nonzero k
 * (channel c, tap ky, kx) adds v[k]·x[off[k] + p] to every output position p = oy·wp + ox at once, where
 * off[k] = (c·hp + ky)·wp + kx and hp, wp are the padded plane's height and width. The positions with ox &ge; ow
 * ({@code wp − ow} per row) are computed and thrown away; in exchange each nonzero is one run of contiguous loads
 * (Park et al., "Faster CNNs with direct sparse convolutions", 2017). Every kept output gets the fma sequence of
 * the im2col kernels ({@link SparseKernels#csrPacked}, {@link Gemm}): acc = 0, acc = fma(v[k], x, acc) over k in
 * ascending order, then bias and ReLU as {@link Epilogue#biasRelu}, so the bits are the same (tested).
 * <p>The Vector API twin ({@code VectorDirectConv}) runs when {@link Gemm#VECTOR}; both paths give the same bits.
 * Models use this class only there ({@link #FAST}): C2 (JDK 17) does not vectorise the scalar loop, which reads its
 * two arrays at unrelated offsets (measured 0.28 ns per multiply-add against 0.075 at equal offsets), so without the
 * Vector API the im2col kernels stay faster.
 */
public final class DirectConv {
    private DirectConv() {}

    /** Whether models run stride-1 convolutions here: on the Vector API path (see the class comment). */
    public static final boolean FAST = Gemm.VECTOR;

    /** Output positions per tile: four vectors of the Vector API path (the scalar path uses the same tiles). */
    static final int TILE = 4 * Gemm.PAD;

    /** Per-thread tile sums (both paths), so that a steady stream of calls allocates nothing. */
    private static final ThreadLocal<float[]> TILE_SUMS = ThreadLocal.withInitial(() -> new float[2 * TILE]);

    /** This thread's tile sums: at least {@code 2·TILE} floats. */
    static float[] tileSums() { return TILE_SUMS.get(); }

    /** Floats past the last padded plane that a kernel may read (their values only reach discarded positions). */
    public static int slack(int kw) { return kw + Gemm.PAD; }

    /** Floats one padded image takes in a buffer for {@link #conv}: its planes and the {@link #slack}. */
    public static long paddedLength(int c, int hp, int wp, int kw) { return (long) c * hp * wp + slack(kw); }

    /**
     * off[k] = (c·hp + ky)·wp + kx for every column index col = (c·kh + ky)·kw + kx of a CSR weight [F, C·kh·kw]:
     * where nonzero k reads in a padded image of planes [hp, wp]. Returns a new array.
     */
    public static int[] offsets(int[] colIdx, int nnz, int kh, int kw, int hp, int wp) {
        int[] off = new int[nnz];
        for (int k = 0; k < nnz; k++) {
            int col = colIdx[k], kx = col % kw, t = col / kw, ky = t % kh, c = t / kh;
            off[k] = (c * hp + ky) * wp + kx;
        }
        return off;
    }

    /**
     * Copies image x[xOff ..) of planes [c, h, w] into dst[dstOff ..) as planes [c, h + 2·pad, w + 2·pad] with a
     * zero border, and zeroes the {@link #slack} after them. Modifies only dst[dstOff, dstOff + paddedLength).
     */
    public static void pad(float[] x, int xOff, int c, int h, int w, int pad, int kw, float[] dst, int dstOff) {
        int hp = h + 2 * pad, wp = w + 2 * pad;
        if (pad == 0) {
            System.arraycopy(x, xOff, dst, dstOff, c * h * w);
        } else {
            Arrays.fill(dst, dstOff, dstOff + c * hp * wp, 0f);
            for (int ch = 0; ch < c; ch++) {
                for (int iy = 0; iy < h; iy++) {
                    System.arraycopy(x, xOff + (ch * h + iy) * w, dst, dstOff + (ch * hp + iy + pad) * wp + pad, w);
                }
            }
        }
        int end = dstOff + c * hp * wp;
        Arrays.fill(dst, end, end + slack(kw), 0f);
    }

    /**
     * y[yOff + (f·oh + oy)·ow + ox] = epilogue(Σ_k v[k]·x[xOff + off[k] + oy·wp + ox]) for filters f in [f0, f1),
     * oy &lt; oh, ox &lt; ow, k over the filter's nonzeros [rp[f], rp[f + 1]) in order; the epilogue adds bias[f]
     * and applies ReLU when {@code relu}. x holds one image padded by {@link #pad} (its slack included). Modifies only
     * those elements of y. No validation.
     */
    public static void conv(int[] rp, int[] off, float[] v, float[] x, int xOff, int wp, int oh, int ow,
                            float[] bias, boolean relu, float[] y, int yOff, int f0, int f1) {
        if (Gemm.VECTOR) {
            VectorWarmUp.directConv();
            VectorDirectConv.conv(rp, off, v, x, xOff, wp, oh, ow, bias, relu, y, yOff, f0, f1);
        } else {
            convScalar(rp, off, v, x, xOff, wp, oh, ow, bias, relu, y, yOff, f0, f1);
        }
    }

    /** {@link #conv} forced onto the scalar path (tests compare both paths). */
    static void convScalar(int[] rp, int[] off, float[] v, float[] x, int xOff, int wp, int oh, int ow,
                           float[] bias, boolean relu, float[] y, int yOff, int f0, int f1) {
        int positions = oh * wp;
        float[] acc = tileSums();
        for (int p0 = 0; p0 < positions; p0 += TILE) {
            int wt = Math.min(TILE, positions - p0);
            for (int f = f0; f < f1; f++) {
                Arrays.fill(acc, 0, wt, 0f);
                for (int k = rp[f], e = rp[f + 1]; k < e; k++) {
                    float w = v[k];
                    int base = xOff + off[k] + p0;
                    for (int t = 0; t < wt; t++) acc[t] = Math.fma(w, x[base + t], acc[t]); // not vectorised by C2
                }
                keep(acc, 0, p0, wt, wp, oh, ow, bias[f], relu, y, yOff + f * oh * ow, false);
            }
        }
    }

    /**
     * Positions [p0, p0 + wt) of one filter, acc[accOff ..) holding their sums: those with ox &lt; ow go to
     * out[oy·ow + ox] (out = y[yOff ..)), through the bias and ReLU unless {@code finished} (already applied).
     */
    static void keep(float[] acc, int accOff, int p0, int wt, int wp, int oh, int ow, float bias, boolean relu,
                     float[] y, int yOff, boolean finished) {
        int end = Math.min(p0 + wt, oh * wp);
        for (int p = p0; p < end; ) {
            int oy = p / wp, ox = p - oy * wp, rowEnd = oy * wp + ow;
            if (ox < ow) {
                int len = Math.min(end, rowEnd) - p, dst = yOff + oy * ow + ox;
                if (finished) System.arraycopy(acc, accOff + p - p0, y, dst, len);
                else Epilogue.biasRelu(acc, accOff + p - p0, y, dst, len, bias, relu);
            }
            p = (oy + 1) * wp;
        }
    }
}
