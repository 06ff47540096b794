package dev.jprune.gpu.prune;

import dev.jprune.prune.Criterion;
import dev.jprune.prune.CriterionScoreSource;
import dev.jprune.prune.GlobalSelector;
import dev.jprune.prune.NmSparsity;
import dev.jprune.prune.ScoreSource;
import dev.jprune.prune.Structured;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The per-tensor scopes of {@link GpuPruneOps} against the CPU, bit for bit: per layer, threshold (eps 0, −0.0, tiny)
 * and N:M, and prior masks that stay pruned (sticky) in every selection: global, per layer, threshold, N:M,
 * structured. Skips without a GPU.
 */
@Tag("gpu")
class GpuPruneScopesTest extends GpuPruneTestBase {
    @Test
    void perLayerThresholdAndNmEqualCpu() {
        int[] sizes = {0, 1, 7, 129, 4096 * 3 + 5, 2000};
        for (Kind k : Kind.values()) {
            Rng r = new Rng(k.ordinal() + 10);
            float[][] w = tensors(r, sizes, k), g = tensors(r, sizes, k), opt = tensors(r, sizes, Kind.RANDOM);
            ScoreSource src = new CriterionScoreSource(Criterion.TAYLOR, w, g, null);
            checkPerLayer(k.toString(), w, g, opt, false);
            for (float eps : new float[] {0f, -0.0f, 1e-3f, Float.MIN_VALUE}) {
                byte[][] mt = new byte[sizes.length][];
                for (int t = 0; t < sizes.length; t++) mt[t] = new byte[sizes[t]];
                long[] kept = GlobalSelector.threshold(src, eps, mt, null);
                try (Dev d = new Dev(w, g, null, opt)) {
                    assertArrayEquals(kept, pruneOps.threshold(d.ts, Criterion.TAYLOR, eps, false, false),
                            k + " threshold " + eps);
                    for (int t = 0; t < sizes.length; t++) assertMask(k + " threshold " + eps + " t" + t, mt[t],
                            d.mask(t));
                }
            }
            int[][] nmCases = {{2, 4, 129}, {1, 3, 7}, {2, 4, 4096}, {0, 4, 16}, {4, 4, 8}};
            for (int[] nmc : nmCases) {
                int n = nmc[0], m = nmc[1], rowLen = nmc[2];
                int rows = 5;
                float[][] w1 = tensors(r, new int[] {rows * rowLen}, k), g1 = tensors(r, new int[] {rows * rowLen}, k);
                byte[] mc = new byte[rows * rowLen];
                long keptCpu = NmSparsity.apply(new CriterionScoreSource(Criterion.MAGNITUDE, w1, g1, null), 0, rowLen,
                        n, m, mc, null);
                try (Dev d = new Dev(w1, g1, null, tensors(r, new int[] {rows * rowLen}, Kind.RANDOM))) {
                    assertEquals(keptCpu, pruneOps.nm(d.ts.get(0), Criterion.MAGNITUDE, rowLen, n, m, false, false));
                    assertMask(k + " " + n + ":" + m + " row " + rowLen, mc, d.mask(0));
                }
                // Zeroing the weights a criterion reads: MOVEMENT scores −w·g < 0 would rise to 0 if w were zeroed
                // while the group is still being ranked; the CPU ranks each group on the original scores.
                for (Criterion c : new Criterion[] {Criterion.MOVEMENT, Criterion.MAGNITUDE}) {
                    float[][] wz = copy(w1);
                    byte[] mz = new byte[rows * rowLen];
                    long keptZ = NmSparsity.apply(new CriterionScoreSource(c, wz, g1, null), 0, rowLen, n, m, mz,
                            wz[0]);
                    try (Dev d = new Dev(w1, g1, null, tensors(r, new int[] {rows * rowLen}, Kind.RANDOM))) {
                        String what = k + " " + c + " zeroing " + n + ":" + m + " row " + rowLen;
                        assertEquals(keptZ, pruneOps.nm(d.ts.get(0), c, rowLen, n, m, true, false), what);
                        assertMask(what, mz, d.mask(0));
                        assertBitsEqual(wz[0], d.floats(d.w[0]), what + " weights");
                        // without an output mask (scratch mask inside): the same weights
                        d.w[0].upload(w1[0]);
                        assertEquals(keptZ,
                                pruneOps.nm(d.ts.get(0).withMasks(null, null), c, rowLen, n, m, true, false),
                                what + " no mask");
                        assertBitsEqual(wz[0], d.floats(d.w[0]), what + " weights, no mask");
                    }
                }
            }
        }
    }

    /**
     * A prior mask ({@link PruneTensor#withPriorMask}) is sticky: the written mask is the CPU decision AND the prior
     * mask, kept counts count that, and pruned weights / optimizer state are zeroed (ModelPruner.prune's rule) — for
     * every selection kind, at keep budgets large enough that the decision alone would revive pruned elements.
     */
    @Test
    void priorMasksAreStickyInEverySelection() {
        int[] sizes = {12 * 129, 0, 7 * 3, 300 * 40};
        int[] groups = {12, 0, 7, 300};
        int[] rowLen = {129, 1, 3, 40};
        Rng r = new Rng(77);
        float[][] w = tensors(r, sizes, Kind.DUP3), g = tensors(r, sizes, Kind.RANDOM),
                opt = tensors(r, sizes, Kind.RANDOM);
        byte[][] prior = rowAndElementMasks(r, sizes, groups);
        prior[2] = new byte[sizes[2]];
        for (int i = 0; i < sizes[2]; i++) prior[2][i] = (byte) (i % 2);
        ScoreSource src = ScoreSource.respectingMasks(new CriterionScoreSource(Criterion.TAYLOR, w, g, null), prior);
        long total = Arrays.stream(sizes).asLongStream().sum();
        for (String kind : new String[] {"global", "perLayer", "threshold", "nm", "structured"}) {
            byte[][] cpu = new byte[sizes.length][];
            for (int t = 0; t < sizes.length; t++) cpu[t] = new byte[sizes[t]];
            switch (kind) {
                case "global" -> GlobalSelector.select(src, total - 10).writeMasks(src, cpu);
                case "perLayer" -> GlobalSelector.perLayer(src, new double[] {0.01, 0.5, 0.1, 0.001}, cpu, null);
                case "threshold" -> GlobalSelector.threshold(src, Float.NEGATIVE_INFINITY, cpu, null);
                case "nm" -> {
                    for (int t = 0; t < sizes.length; t++) NmSparsity.apply(src, t, rowLen[t], 3, 4, cpu[t], null);
                }
                default -> cpu = Structured.global(src, groups, Structured.Norm.L1, 310).masks();
            }
            long[] keptCpu = new long[sizes.length];
            for (int t = 0; t < sizes.length; t++) {
                for (int i = 0; i < sizes[t]; i++) {
                    if (prior[t] != null) cpu[t][i] &= prior[t][i];
                    keptCpu[t] += cpu[t][i];
                }
            }
            try (Dev d = new Dev(w, g, prior, opt)) {
                List<PruneTensor> ts = new ArrayList<>();
                for (PruneTensor p : d.ts) ts.add(p.withPriorMask(p.maskIn(), p.maskOut()));
                long[] kept = switch (kind) {
                    case "global" -> pruneOps.select(ts, Criterion.TAYLOR, total - 10, true, true).keptPerTensor();
                    case "perLayer" -> Arrays.stream(pruneOps.perLayer(ts, Criterion.TAYLOR,
                                    new double[] {0.01, 0.5, 0.1, 0.001}, true, true))
                            .mapToLong(x -> x.keptPerTensor()[0]).toArray();
                    case "threshold" -> pruneOps.threshold(ts, Criterion.TAYLOR, Float.NEGATIVE_INFINITY, true, true);
                    case "nm" -> {
                        long[] k = new long[sizes.length];
                        for (int t = 0; t < sizes.length; t++) {
                            k[t] = pruneOps.nm(ts.get(t), Criterion.TAYLOR, rowLen[t], 3, 4, true, true);
                        }
                        yield k;
                    }
                    default -> pruneOps.structuredGlobal(ts, Criterion.TAYLOR, groups, Structured.Norm.L1, 310, true,
                            true).keptElements();
                };
                assertArrayEquals(keptCpu, kept, kind + " kept counts");
                for (int t = 0; t < sizes.length; t++) {
                    assertMask(kind + " sticky t" + t, cpu[t], d.mask(t));
                    float[] wd = d.floats(d.w[t]), od = d.floats(d.opt[t]);
                    for (int i = 0; i < sizes[t]; i++) {
                        float we = cpu[t][i] == 0 ? 0f : w[t][i], oe = cpu[t][i] == 0 ? 0f : opt[t][i];
                        if (Float.floatToRawIntBits(we) != Float.floatToRawIntBits(wd[i])
                                || Float.floatToRawIntBits(oe) != Float.floatToRawIntBits(od[i])) {
                            fail(kind + " t" + t + " element " + i + ": w " + wd[i] + " (want " + we + "), opt " + od[i]
                                    + " (want " + oe + ")");
                        }
                    }
                }
            }
        }
    }
}
