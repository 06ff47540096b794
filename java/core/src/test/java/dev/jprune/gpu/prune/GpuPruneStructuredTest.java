package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.nn.Parameter;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.CriterionScoreSource;
import dev.jprune.prune.ScoreSource;
import dev.jprune.prune.Structured;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Structured pruning and mask application on the device ≡ Structured and the CPU's masks, bit for bit: group scores
 * (L1, L2) on every input kind, with and without prior masks, the expanded element masks, and applyMask at 1, 7, 129
 * elements with every flag. Skips without a GPU.
 */
@Tag("gpu")
class GpuPruneStructuredTest extends GpuPruneTestBase {
    @Test
    void structuredGroupScoresAndMasksEqualCpu() {
        int[] sizes = {12 * 129, 0, 7 * 3, 300 * 40};
        int[] groups = {12, 0, 7, 300};
        for (Kind k : new Kind[] {Kind.RANDOM, Kind.DUP3, Kind.ZERO90}) {
          for (boolean masked : new boolean[] {false, true}) {
            Rng r = new Rng(20 + k.ordinal());
            float[][] w = tensors(r, sizes, k), g = tensors(r, sizes, k), opt = tensors(r, sizes, Kind.RANDOM);
            // masked: an earlier prune removed whole rows of some tensors and single elements of others; their
            // elements score −Inf, and a group holding one scores −Inf (not |−Inf| = +Inf).
            byte[][] maskIn = masked ? rowAndElementMasks(r, sizes, groups) : null;
            ScoreSource src = new CriterionScoreSource(Criterion.TAYLOR, w, g, null);
            if (masked) src = ScoreSource.respectingMasks(src, maskIn);
            ScoreSource fsrc = src;
            for (Structured.Norm norm : Structured.Norm.values()) {
                float[][] gsCpu = Structured.groupScores(src, groups, norm);
                Structured.Result res = Structured.global(src, groups, norm, 100);
                Structured.Result resL = Structured.perLayer(src, groups, norm, new double[] {0.5, 0, 0.3, 0.9});
                if (masked) {
                    boolean minusInf = false;
                    for (float[] a : gsCpu) for (float v : a) minusInf |= v == Float.NEGATIVE_INFINITY;
                    assertTrue(minusInf, "the masked case has pruned groups");
                }
                try (Dev d = new Dev(w, g, maskIn, opt)) {
                    try (DeviceBuffer gs = pruneOps.groupScores(d.ts, Criterion.TAYLOR, groups, norm)) {
                        float[] all = d.floats(gs);
                        int off = 0;
                        for (int t = 0; t < sizes.length; t++) {
                            assertBitsEqual(gsCpu[t], Arrays.copyOfRange(all, off, off + groups[t]),
                                    k + " " + norm + " group scores t" + t);
                            off += groups[t];
                        }
                    }
                    pruneOps.structuredGlobal(d.ts, Criterion.TAYLOR, groups, norm, 100, false, false);
                    for (int t = 0; t < sizes.length; t++) assertMask(k + " " + norm + " structured global t" + t,
                            res.masks()[t], d.mask(t));
                    pruneOps.structuredPerLayer(d.ts, Criterion.TAYLOR, groups, norm, new double[] {0.5, 0, 0.3, 0.9},
                            false, false);
                    for (int t = 0; t < sizes.length; t++) assertMask(k + " " + norm + " structured perLayer t" + t,
                            resL.masks()[t], d.mask(t));
                    // no groups at all: the sparsities are still checked, and there is one (empty) selection per tensor
                    List<PruneTensor> empty = List.of(d.ts.get(1), d.ts.get(1));
                    assertThrows(IllegalArgumentException.class,
                            () -> pruneOps.structuredPerLayer(empty, Criterion.TAYLOR, new int[] {0, 0}, norm,
                                    new double[] {0.5}, false, false));
                    assertEquals(2, pruneOps.structuredPerLayer(empty, Criterion.TAYLOR, new int[] {0, 0}, norm,
                            new double[] {0.5, 0.5}, false, false).groupSelections().length);
                    IllegalArgumentException nullSparsities = assertThrows(IllegalArgumentException.class,
                            () -> pruneOps.structuredPerLayer(empty, Criterion.TAYLOR, new int[] {0, 0}, norm, null,
                                    false, false));
                    assertEquals("GpuPruneOps.structuredPerLayer: null sparsities", nullSparsities.getMessage());
                }
            }
          }
        }
    }

    /**
     * applyMask ≡ Parameter.applyMask (weights +0 where the mask is 0), and with zeroOptimizer the optimizer state too:
     * sizes 1, 7, 129 with every flag combination; the flags off leave weights / state untouched (NaN poison stays
     * where the mask is 0); the kept count is the mask's ones. A null tensor or mask is one clear error.
     */
    @Test
    void applyMaskEqualsCpu() {
        for (int n : new int[] {1, 7, 129}) {
            for (int flags = 0; flags < 4; flags++) {
                boolean zeroWeights = (flags & 1) != 0, zeroOptimizer = (flags & 2) != 0;
                Rng r = new Rng(31L * n + flags);
                float[] w = new float[n], s1 = new float[n];
                byte[] mask = new byte[n];
                long ones = 0;
                for (int i = 0; i < n; i++) {
                    mask[i] = (byte) (i == 0 ? 0 : r.nextInt(2)); // at least one pruned element
                    ones += mask[i];
                    w[i] = mask[i] == 0 && i % 3 == 0 ? Float.NaN : r.uniform(-1, 1);
                    s1[i] = mask[i] == 0 && i % 2 == 0 ? Float.NaN : r.uniform(-1, 1);
                }
                try (DeviceBuffer dw = ctx.allocFloat(n); DeviceBuffer ds = ctx.allocFloat(n);
                     DeviceBuffer dm = ctx.allocBytes(n)) {
                    dw.upload(w);
                    ds.upload(s1);
                    dm.upload(mask);
                    PruneTensor t = PruneTensor.of("t", dw, null).withOptimizerState(ds, null, null);
                    assertEquals(ones, pruneOps.applyMask(t, dm, zeroWeights, zeroOptimizer), "kept, n " + n);
                    float[] gotW = new float[n], gotS = new float[n];
                    dw.download(gotW);
                    ds.download(gotS);
                    Parameter p = new Parameter("weight", Parameter.Kind.WEIGHT, Tensor.wrap(w.clone(), n));
                    p.mask = mask.clone();
                    p.applyMask();
                    float[] wantW = zeroWeights ? p.value.data : w;
                    for (int i = 0; i < n; i++) {
                        String where = "n " + n + ", flags " + flags + ", element " + i;
                        assertEquals(Float.floatToRawIntBits(wantW[i]), Float.floatToRawIntBits(gotW[i]), where);
                        float wantS = zeroOptimizer && mask[i] == 0 ? 0f : s1[i];
                        assertEquals(Float.floatToRawIntBits(wantS), Float.floatToRawIntBits(gotS[i]), where);
                    }
                }
            }
        }
        try (DeviceBuffer dm = ctx.allocBytes(1); DeviceBuffer dw = ctx.allocFloat(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pruneOps.applyMask(null, dm, true, true));
            assertTrue(e.getMessage().contains("null tensor"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> pruneOps.applyMask(PruneTensor.of("w", dw, null), null, true, true));
            assertTrue(e.getMessage().contains("w: null mask"), e.getMessage());
        }
    }
}
