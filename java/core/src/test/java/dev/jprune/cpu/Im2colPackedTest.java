package dev.jprune.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * im2col straight into the packed layouts (rows, panels) equals im2col followed by PackedB.pack, for several images
 * side by side whose column runs cross chunk and strip boundaries, with padding and strides (the packed matrix starts
 * poisoned: every column is written).
 */
class Im2colPackedTest {
    @Test
    void packedIm2colEqualsIm2colThenPack() {
        // {C, H, W, k, stride, pad, images}
        int[][] cases = {{1, 28, 28, 5, 1, 0, 3}, {3, 9, 7, 3, 2, 1, 5}, {2, 13, 10, 4, 3, 0, 4}, {1, 1, 1, 1, 1, 0, 1},
                {4, 7, 7, 3, 1, 2, 7}, {20, 12, 12, 5, 1, 0, 9},
                // rows of 16+ valid columns with stride 2 and with padding (the bulk-copy branch is stride 1 only),
                // and stride 2 across a chunk boundary (576 columns in chunks of 288: image 4 straddles it)
                {1, 9, 40, 3, 2, 1, 2}, {1, 6, 40, 3, 1, 2, 2}, {2, 15, 15, 3, 2, 1, 9}};
        Rng rng = new Rng(3);
        for (int[] cs : cases) {
            int c = cs[0], h = cs[1], w = cs[2], k = cs[3], s = cs[4], p = cs[5], n = cs[6];
            int oh = Im2col.outSize(h, k, s, p), ow = Im2col.outSize(w, k, s, p), pos = oh * ow, ckk = c * k * k;
            float[] x = new float[n * c * h * w];
            rng.fillUniform(x, -1f, 1f);
            float[] col = new float[ckk * n * pos];
            for (int i = 0; i < n; i++) {
                Im2col.im2col(x, i * c * h * w, c, h, w, k, k, s, p, oh, ow, col, i * pos, n * pos);
            }
            PackedB expect = PackedB.pack(false, ckk, n * pos, col, 0, n * pos);
            // the rows layout, and panels of 1 and 4 vectors of 16 (runs cross strips as well as chunks)
            for (int strip : new int[] {0, 16, 64}) {
                PackedB got = PackedB.allocate(ckk, n * pos, Gemm.NC, strip);
                if (strip == 0) for (float[] r : got.rows) java.util.Arrays.fill(r, Float.NaN);
                else for (float[] panel : got.panels) java.util.Arrays.fill(panel, Float.NaN);
                for (int i = 0; i < n; i++) {
                    Im2col.im2colPacked(x, i * c * h * w, c, h, w, k, k, s, p, oh, ow, got, i * pos);
                }
                for (int ch = 0; ch < got.chunks(); ch++) {
                    for (int r = 0; r < ckk; r++) {
                        for (int j = 0; j < got.chunkWidth(ch); j++) {
                            int at = got.chunkStart(ch) + j;
                            assertEquals(expect.get(r, at), got.get(r, at), java.util.Arrays.toString(cs) + " strip "
                                    + strip + " chunk " + ch + " row " + r + " column " + j);
                        }
                    }
                }
            }
        }
    }
}
