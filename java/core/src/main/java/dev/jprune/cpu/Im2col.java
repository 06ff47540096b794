package dev.jprune.cpu;

import java.util.Arrays;

/**
 * im2col / col2im for one NCHW image, the layout change that turns a convolution into a GEMM.
 * <p>col is [C*KH*KW, OH*OW] (row stride ldCol &ge; OH*OW, starting at colOff): row (c*KH + ky)*KW + kx, column
 * oy*OW + ox holds x[c, oy*stride - pad + ky, ox*stride - pad + kx], or 0 where that position falls in the zero
 * padding. That row order matches a weight stored [F, C, KH, KW] viewed as [F, C*KH*KW]. With ldCol = B*OH*OW and
 * colOff = b*OH*OW, B images fill one batched col [C*KH*KW, B*OH*OW] side by side (image b in its own column block),
 * which is how {@code Conv2d} runs one GEMM per batch chunk instead of one per image.
 */
public final class Im2col {
    private Im2col() {}

    /** Output size of one spatial dimension: (in + 2*pad - kernel) / stride + 1 (floor), as PyTorch. */
    public static int outSize(int in, int kernel, int stride, int pad) {
        return (in + 2 * pad - kernel) / stride + 1;
    }

    /**
     * {@link #im2col(float[], int, int, int, int, int, int, int, int, int, int, float[], int, int)}
     * into col [CKK, OH*OW] at 0.
     */
    public static void im2col(float[] x, int xOff, int c, int h, int w, int kh, int kw, int stride, int pad,
                              int oh, int ow, float[] col) {
        im2col(x, xOff, c, h, w, kh, kw, stride, pad, oh, ow, col, 0, oh * ow);
    }

    /**
     * Fills the [C*KH*KW, OH*OW] window of col at colOff (row stride ldCol) from the image x[xOff .. xOff + C*H*W)
     * (shape [C, H, W]). Modifies only that window of col. No validation: the caller (Conv2d) has checked the shapes.
     */
    public static void im2col(float[] x, int xOff, int c, int h, int w, int kh, int kw, int stride, int pad,
                              int oh, int ow, float[] col, int colOff, int ldCol) {
        for (int ch = 0; ch < c; ch++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int row = colOff + ((ch * kh + ky) * kw + kx) * ldCol;
                    // Valid ox: 0 <= ox*stride - pad + kx < w, i.e. [oxLo, oxHi); outside it the entry is padding.
                    int oxLo = Math.min(ow, Math.max(0, ceilDiv(pad - kx, stride)));
                    int oxHi = Math.max(oxLo, Math.min(ow, ceilDiv(w + pad - kx, stride)));
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * stride - pad + ky;
                        int dst = row + oy * ow;
                        if (iy < 0 || iy >= h) {
                            Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        if (oxLo > 0) Arrays.fill(col, dst, dst + oxLo, 0f);
                        if (oxHi < ow) Arrays.fill(col, dst + oxHi, dst + ow, 0f);
                        int src = xOff + (ch * h + iy) * w - pad + kx;
                        if (stride == 1) {
                            // the common case: a contiguous run of the input row
                            System.arraycopy(x, src + oxLo, col, dst + oxLo, oxHi - oxLo);
                        } else {
                            for (int ox = oxLo; ox < oxHi; ox++) col[dst + ox] = x[src + ox * stride];
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link #im2col} of one image straight into columns [col0, col0 + OH*OW) of a packed op(B) [C*KH*KW, ...]
     * ({@link PackedB#allocate}, or {@link PackedB#allocateForGemm} when only Gemm reads it), so a convolution's GEMM
     * needs no separate packing pass: k-row r of dst gets col row r. Modifies only those columns of dst. No
     * validation: the caller has checked the shapes.
     */
    public static void im2colPacked(float[] x, int xOff, int c, int h, int w, int kh, int kw, int stride, int pad,
                                    int oh, int ow, PackedB dst, int col0) {
        if (dst.panels != null) {
            im2colPanels(x, xOff, c, h, w, kh, kw, stride, pad, oh, ow, dst, col0);
            return;
        }
        int k = dst.k, width = dst.width, p = oh * ow;
        int chunk = col0 / width, off0 = col0 - chunk * width;
        boolean oneChunk = off0 + p <= dst.chunkWidth(chunk);
        for (int ch = 0; ch < c; ch++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int r = (ch * kh + ky) * kw + kx;
                    int oxLo = Math.min(ow, Math.max(0, ceilDiv(pad - kx, stride)));
                    int oxHi = Math.max(oxLo, Math.min(ow, ceilDiv(w + pad - kx, stride)));
                    if (oneChunk) {
                        // the image's columns lie in one chunk (the usual case): plain loops, no per-run bookkeeping
                        float[] row = dst.rows[chunk * k + r];
                        for (int oy = 0; oy < oh; oy++) {
                            int iy = oy * stride - pad + ky, o = off0 + oy * ow;
                            if (iy < 0 || iy >= h) {
                                for (int ox = 0; ox < ow; ox++) row[o + ox] = 0f;
                                continue;
                            }
                            int src = xOff + (ch * h + iy) * w - pad + kx;
                            for (int ox = 0; ox < oxLo; ox++) row[o + ox] = 0f;
                            if (stride == 1 && oxHi - oxLo >= 16) {
                                System.arraycopy(x, src + oxLo, row, o + oxLo, oxHi - oxLo);
                            } else if (stride == 1) {
                                for (int ox = oxLo; ox < oxHi; ox++) row[o + ox] = x[src + ox];
                            } else {
                                for (int ox = oxLo; ox < oxHi; ox++) row[o + ox] = x[src + ox * stride];
                            }
                            for (int ox = oxHi; ox < ow; ox++) row[o + ox] = 0f;
                        }
                        continue;
                    }
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * stride - pad + ky;
                        boolean rowIn = iy >= 0 && iy < h;
                        int src = xOff + (ch * h + iy) * w - pad + kx;
                        // the run of OW columns may cross chunk boundaries: write it piece by piece
                        for (int ox = 0, q = col0 + oy * ow; ox < ow; ) {
                            int cq = q / width, off = q - cq * width;
                            int len = Math.min(ow - ox, width - off);
                            float[] row = dst.rows[cq * k + r];
                            for (int t = 0; t < len; t++) {
                                int o = ox + t;
                                row[off + t] = rowIn && o >= oxLo && o < oxHi ? x[src + o * stride] : 0f;
                            }
                            ox += len;
                            q += len;
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link #im2colPacked} into the panel layout. Every k-row's columns fall in the same places, so the image's runs
     * of OW columns are cut once into pieces that end where a strip or a chunk does ({@link #panelPieces}); then each
     * k-row writes its pieces with plain loops (zeros, copied values, zeros), as in the rows layout.
     */
    private static void im2colPanels(float[] x, int xOff, int c, int h, int w, int kh, int kw, int stride, int pad,
                                     int oh, int ow, PackedB dst, int col0) {
        int[] pieces = panelPieces(dst, col0, oh, ow);
        int count = pieces[0];
        for (int ch = 0; ch < c; ch++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int r = (ch * kh + ky) * kw + kx;
                    int oxLo = Math.min(ow, Math.max(0, ceilDiv(pad - kx, stride)));
                    int oxHi = Math.max(oxLo, Math.min(ow, ceilDiv(w + pad - kx, stride)));
                    for (int i = 0; i < count; i++) {
                        int e = 1 + PIECE * i, oy = pieces[e], ox = pieces[e + 1], end = ox + pieces[e + 2];
                        float[] panel = dst.panels[pieces[e + 3]];
                        int o = pieces[e + 4] + r * pieces[e + 5] - ox; // panel[o + at] holds column at of row oy
                        int iy = oy * stride - pad + ky;
                        boolean rowIn = iy >= 0 && iy < h;
                        int lo = rowIn ? Math.min(Math.max(oxLo, ox), end) : end;
                        int hi = rowIn ? Math.max(lo, Math.min(oxHi, end)) : end;
                        for (int at = ox; at < lo; at++) panel[o + at] = 0f;
                        if (hi > lo) {
                            int src = xOff + (ch * h + iy) * w - pad + kx;
                            if (stride == 1) System.arraycopy(x, src + lo, panel, o + lo, hi - lo);
                            else for (int at = lo; at < hi; at++) panel[o + at] = x[src + at * stride];
                        }
                        for (int at = hi; at < end; at++) panel[o + at] = 0f;
                    }
                }
            }
        }
    }

    /** Ints per piece in {@link #panelPieces}: output row oy, first column ox, length, chunk, base, strip width. */
    private static final int PIECE = 6;
    private static final ThreadLocal<int[][]> PIECES = ThreadLocal.withInitial(() -> new int[1][1]);

    /**
     * The runs of OW columns of one image (columns col0 + oy·OW + ox of dst) cut where a strip or a chunk ends:
     * [count, then per piece oy, ox, len, chunk, base, sw], where k-row r of the piece starts at
     * panels[chunk][base + r·sw]. A per-thread array, valid until the thread's next call.
     */
    private static int[] panelPieces(PackedB dst, int col0, int oh, int ow) {
        int k = dst.k, width = dst.width, strip = dst.strip;
        int[][] holder = PIECES.get();
        int most = 1 + PIECE * oh * (ow / Math.min(strip, width) + 2 + (ow + width - 1) / width);
        if (holder[0].length < most) holder[0] = new int[most];
        int[] t = holder[0];
        int count = 0, cq = col0 / width, jj = col0 - cq * width, s0 = jj - jj % strip;
        int wc = dst.chunkWidth(cq), pw = dst.paddedWidth(cq);
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ) {
                if (jj == wc) { // the next chunk
                    cq++;
                    jj = 0;
                    s0 = 0;
                    wc = dst.chunkWidth(cq);
                    pw = dst.paddedWidth(cq);
                }
                while (jj >= s0 + strip) s0 += strip;
                int sw = Math.min(strip, pw - s0), len = Math.min(ow - ox, Math.min(s0 + sw, wc) - jj);
                int e = 1 + PIECE * count++;
                t[e] = oy;
                t[e + 1] = ox;
                t[e + 2] = len;
                t[e + 3] = cq;
                t[e + 4] = s0 * k + (jj - s0);
                t[e + 5] = sw;
                ox += len;
                jj += len;
            }
        }
        t[0] = count;
        return t;
    }

    /**
     * {@link #col2im(float[], int, int, int, int, int, int, int, int, int, int, int, float[], int)}
     * from col [CKK, OH*OW] at 0.
     */
    public static void col2im(float[] col, int c, int h, int w, int kh, int kw, int stride, int pad,
                              int oh, int ow, float[] dx, int dxOff) {
        col2im(col, 0, oh * ow, c, h, w, kh, kw, stride, pad, oh, ow, dx, dxOff);
    }

    /**
     * The adjoint of {@link #im2col}: ADDS every entry of the [C*KH*KW, OH*OW] window of col at colOff (row stride
     * ldCol) into the image position it was copied from (padding entries are dropped). Modifies only
     * dx[dxOff .. dxOff + C*H*W). Fixed loop order (rows of col in increasing order): deterministic.
     */
    public static void col2im(float[] col, int colOff, int ldCol, int c, int h, int w, int kh, int kw,
                              int stride, int pad, int oh, int ow, float[] dx, int dxOff) {
        for (int ch = 0; ch < c; ch++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int row = colOff + ((ch * kh + ky) * kw + kx) * ldCol;
                    int oxLo = Math.min(ow, Math.max(0, ceilDiv(pad - kx, stride)));
                    int oxHi = Math.max(oxLo, Math.min(ow, ceilDiv(w + pad - kx, stride)));
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * stride - pad + ky;
                        if (iy < 0 || iy >= h) continue;
                        int src = row + oy * ow, dst = dxOff + (ch * h + iy) * w - pad + kx;
                        if (stride == 1) {
                            for (int ox = oxLo; ox < oxHi; ox++) dx[dst + ox] += col[src + ox];
                        } else {
                            for (int ox = oxLo; ox < oxHi; ox++) dx[dst + ox * stride] += col[src + ox];
                        }
                    }
                }
            }
        }
    }

    /** ceil(a / b) for b &gt; 0 and any sign of a. */
    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }
}
