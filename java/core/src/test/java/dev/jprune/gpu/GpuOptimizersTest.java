package dev.jprune.gpu;

import dev.jprune.cpu.CpuKernels;
import dev.jprune.gpu.GpuOptimizers.StepScores;
import dev.jprune.gpu.GpuOptimizers.StepTable;
import dev.jprune.gpu.GpuOptimizers.StepTensor;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jprune.testutil.TestArrays.random;
import static org.junit.jupiter.api.Assertions.*;

/**
 * GPU ≡ CPU for {@link GpuOptimizers}: SGD (momentum, Nesterov, clipping) and Adam steps per tensor and many tensors
 * per launch, masked elements kept at zero, and the score accumulation fused into the step, bit for bit where the
 * kernels promise it. Lengths from 0 to past the per-tensor block cap. Skips without a GPU.
 */
@Tag("gpu")
class GpuOptimizersTest extends GpuTestBase {
    private static byte[] mask(Rng r, int n) {
        byte[] m = new byte[n];
        for (int i = 0; i < n; i++) m[i] = (byte) (r.nextDouble() < 0.3 ? 0 : 1);
        return m;
    }

    @Test
    void sgdStepsMatchAndKeepMaskedWeightsZero() {
        Rng r = new Rng(7);
        for (int n : SIZES) {
            for (int variant = 0; variant < 4; variant++) {
                float momentum = variant == 0 ? 0f : 0.9f;
                boolean nesterov = variant == 2;
                byte[] mask = variant >= 1 ? mask(r, n) : null;
                float clip = variant == 3 ? 0.05f : 0f;
                float[] w = random(r, n, -1, 1), mom = momentum == 0 ? null : random(r, n, -0.1f, 0.1f);
                try (DeviceBuffer dw = ctx.upload(w); DeviceBuffer dm = mom == null ? null : ctx.upload(mom);
                     DeviceBuffer dmask = mask == null ? null : ctx.upload(mask); DeviceBuffer dg = ctx.allocFloat(n)) {
                    for (int step = 0; step < 3; step++) {  // several steps: the momentum path feeds back
                        float[] g = random(r, n, -1, 1);
                        dg.upload(g);
                        CpuKernels.sgdStep(w, g, mom, mask, n, 0.1f, momentum, 1e-4f, nesterov, 0.7f, clip);
                        ops.optimizers().sgdStep(dw, dg, dm, dmask, n, 0.1f, momentum, 1e-4f, nesterov, 0.7f, clip);
                    }
                    float[] gw = dw.toFloatArray();
                    assertClose("sgd w n=" + n + " variant " + variant, w, gw, 1e-7, 1e-6);
                    if (mom != null) assertClose("sgd mom n=" + n + " variant " + variant, mom, dm.toFloatArray(),
                            1e-7, 1e-6);
                    if (mask != null) {
                        for (int i = 0; i < n; i++) if (mask[i] == 0) assertEquals(0, Float.floatToRawIntBits(gw[i]),
                                "masked w[" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void adamStepsMatchAndKeepMaskedStateZero() {
        Rng r = new Rng(8);
        for (int n : SIZES) {
            for (int variant = 0; variant < 3; variant++) {
                byte[] mask = variant >= 1 ? mask(r, n) : null;
                float clip = variant == 2 ? 0.1f : Float.POSITIVE_INFINITY;
                float[] w = random(r, n, -1, 1), m = new float[n], v = new float[n];
                try (DeviceBuffer dw = ctx.upload(w); DeviceBuffer dm = ctx.upload(m); DeviceBuffer dv = ctx.upload(v);
                     DeviceBuffer dmask = mask == null ? null : ctx.upload(mask); DeviceBuffer dg = ctx.allocFloat(n)) {
                    for (int step = 1; step <= 3; step++) {
                        float[] g = random(r, n, -1, 1);
                        dg.upload(g);
                        CpuKernels.adamStep(w, g, m, v, mask, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, step, 0.5f, clip);
                        ops.optimizers().adamStep(dw, dg, dm, dv, dmask, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, step,
                                0.5f, clip);
                    }
                    float[] gw = dw.toFloatArray(), gm = dm.toFloatArray(), gv = dv.toFloatArray();
                    assertClose("adam w n=" + n, w, gw, 1e-7, 1e-6);
                    assertClose("adam m n=" + n, m, gm, 1e-8, 1e-6);
                    assertClose("adam v n=" + n, v, gv, 1e-10, 1e-6);
                    if (mask != null) {
                        for (int i = 0; i < n; i++) {
                            if (mask[i] == 0) {
                                assertEquals(0, Float.floatToRawIntBits(gw[i]) | Float.floatToRawIntBits(gm[i])
                                                | Float.floatToRawIntBits(gv[i]),
                                        "masked state at " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * sgdSteps / adamSteps (every tensor in one launch, the table in device memory) leave w, the states and the
     * fused scores bit-identical to one sgdStep / adamStep per tensor: sizes 0, 1, 7, 129, 4099 and one past the
     * per-tensor block cap (grid-stride), masks and scores on some tensors only, SGD with and without momentum and
     * Nesterov, Adam; a replaced mask buffer between steps reaches the kernel (the cached table is re-uploaded); a
     * non-finite gradient records the lowest global index; inconsistent arguments are refused.
     */
    @Test
    void multiTensorStepsEqualOneLaunchPerTensor() {
        Rng r = new Rng(12);
        int[] sizes = {7, 0, 1, 129, 4099, 1024 * 256 + 77};
        int nt = sizes.length;
        // 0: SGD no momentum, 1: SGD momentum (+ Nesterov on step 2), 2: Adam
        for (int variant = 0; variant < 3; variant++) {
            boolean adam = variant == 2;
            float mom = variant == 1 ? 0.9f : 0f;
            String what = new String[] {"sgd", "sgd momentum", "adam"}[variant];
            List<DeviceBuffer> all = new ArrayList<>();
            try (StepTable table = ops.optimizers().stepTable(); DeviceBuffer fault = ctx.allocLong(1)) {
                fault.upload(new long[] {Long.MAX_VALUE});
                DeviceBuffer[] wa = new DeviceBuffer[nt], wb = new DeviceBuffer[nt], g = new DeviceBuffer[nt],
                        masks = new DeviceBuffer[nt];
                DeviceBuffer[] s1a = new DeviceBuffer[nt], s1b = new DeviceBuffer[nt], s2a = new DeviceBuffer[nt],
                        s2b = new DeviceBuffer[nt];
                DeviceBuffer[] sa = new DeviceBuffer[nt], sb = new DeviceBuffer[nt];
                StepScores[] sca = new StepScores[nt], scb = new StepScores[nt];
                long offset = 0;
                long[] offsets = new long[nt];
                for (int t = 0; t < nt; t++) {
                    int n = sizes[t];
                    float[] w0 = random(r, Math.max(1, n), -1, 1);  // a size-0 tensor still gets a (1-element) buffer
                    byte[] m = mask(r, n);
                    boolean masked = t % 2 == 0, scored = t % 3 != 1;
                    if (masked) for (int i = 0; i < n; i++) if (m[i] == 0) w0[i] = 0f;
                    all.add(wa[t] = ctx.upload(w0));
                    all.add(wb[t] = ctx.upload(w0));
                    all.add(g[t] = ctx.allocFloat(Math.max(1, n)));
                    if (masked) all.add(masks[t] = ctx.upload(m));
                    if (mom != 0f || adam) {
                        all.add(s1a[t] = ctx.upload(new float[n])); all.add(s1b[t] = ctx.upload(new float[n]));
                    }
                    if (adam) {
                        all.add(s2a[t] = ctx.upload(new float[n])); all.add(s2b[t] = ctx.upload(new float[n]));
                    }
                    offsets[t] = offset;
                    if (scored) {
                        float[] s0 = random(r, n, 0, 1);
                        all.add(sa[t] = ctx.upload(s0));
                        all.add(sb[t] = ctx.upload(s0));
                        sca[t] = new StepScores(sa[t], 2, true, 0.9f, fault, offset);
                        scb[t] = new StepScores(sb[t], 2, true, 0.9f, fault, offset);
                    }
                    offset += n;
                }
                for (int step = 1; step <= 3; step++) {
                    for (int t = 0; t < nt; t++) if (sizes[t] > 0) g[t].upload(random(r, sizes[t], -1, 1));
                    if (step == 3) {  // a prune between steps replaces a mask buffer: the cached table must follow
                        byte[] m = mask(r, sizes[4]);
                        DeviceBuffer fresh = ctx.upload(m);
                        all.add(fresh);
                        masks[4] = fresh;
                    }
                    List<StepTensor> ts = new ArrayList<>();
                    for (int t = 0; t < nt; t++) ts.add(new StepTensor(wa[t], g[t], s1a[t], s2a[t], masks[t],
                            sizes[t], sca[t]));
                    boolean nesterov = step == 2;
                    if (adam) ops.optimizers().adamSteps(table, ts, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, step, 0.5f,
                            0.3f);
                    else ops.optimizers().sgdSteps(table, ts, 0.1f, mom, 1e-4f, nesterov && mom != 0f, 0.7f, 0.3f);
                    for (int t = 0; t < nt; t++) {
                        int n = sizes[t];
                        if (adam) ops.optimizers().adamStep(wb[t], g[t], s1b[t], s2b[t], masks[t], n, 1e-3f, 0.9f,
                                0.999f, 1e-8f, 1e-2f, step, 0.5f, 0.3f, scb[t]);
                        else ops.optimizers().sgdStep(wb[t], g[t], s1b[t], masks[t], n, 0.1f, mom, 1e-4f,
                                nesterov && mom != 0f, 0.7f, 0.3f, scb[t]);
                    }
                    for (int t = 0; t < nt; t++) {
                        if (sizes[t] == 0) continue;
                        String at = what + " step " + step + " tensor " + t + " (n=" + sizes[t] + ")";
                        assertBitsEqual(wb[t].toFloatArray(), wa[t].toFloatArray(), at + ": w");
                        if (s1a[t] != null) assertBitsEqual(s1b[t].toFloatArray(), s1a[t].toFloatArray(),
                                at + ": state 1");
                        if (s2a[t] != null) assertBitsEqual(s2b[t].toFloatArray(), s2a[t].toFloatArray(),
                                at + ": state 2");
                        if (sa[t] != null) assertBitsEqual(sb[t].toFloatArray(), sa[t].toFloatArray(), at + ": scores");
                        if (masks[t] != null && step == 3) {
                            byte[] m = new byte[sizes[t]];
                            masks[t].download(m);
                            float[] w = wa[t].toFloatArray();
                            for (int i = 0; i < m.length; i++) if (m[i] == 0 && w[i] != 0f) fail(at + ": masked weight "
                                    + i + " = " + w[i]);
                        }
                    }
                }
                long[] f = new long[1];
                fault.download(f);
                assertEquals(Long.MAX_VALUE, f[0], what + ": no fault");
                // Non-finite gradients in tensors 5 and 3 (both scored): the lowest global index is recorded.
                float[] g3 = random(r, sizes[3], -1, 1), g5 = random(r, sizes[5], -1, 1);
                g3[100] = Float.NaN;
                g5[5] = Float.POSITIVE_INFINITY;
                g[3].upload(g3);
                g[5].upload(g5);
                List<StepTensor> ts = new ArrayList<>();
                for (int t = 0; t < nt; t++) ts.add(new StepTensor(wa[t], g[t], s1a[t], s2a[t], masks[t],
                        sizes[t], sca[t]));
                if (adam) ops.optimizers().adamSteps(table, ts, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 4, 1f, 0f);
                else ops.optimizers().sgdSteps(table, ts, 0.1f, mom, 0f, false, 1f, 0f);
                fault.download(f);
                assertEquals(offsets[3] + 100, f[0], what + ": lowest faulty global index");
            } finally {
                for (DeviceBuffer b : all) b.close();
            }
        }
        try (StepTable table = ops.optimizers().stepTable(); DeviceBuffer f = ctx.allocFloat(10);
             DeviceBuffer l1 = ctx.allocLong(1);
             DeviceBuffer l2 = ctx.allocLong(1)) {
            StepTensor plain = new StepTensor(f, f, null, null, null, 10, null);
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdSteps(table, List.of(), 0.1f, 0f, 0f, false, 1f, 0f), "no tensors");
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdSteps(table, List.of(plain), 0.1f, 0.9f, 0f, false, 1f, 0f),
                    "momentum without a momentum buffer");
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().adamSteps(table, List.of(plain), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1, 1f, 0f),
                    "Adam without m and v");
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdSteps(table, List.of(new StepTensor(f, f, null, null, null, 11, null)),
                    0.1f, 0f, 0f, false, 1f, 0f), "n past the buffers");
            StepTensor a = new StepTensor(f, f, null, null, null, 10,
                    new StepScores(f, 2, false, 0f, l1, 0));
            StepTensor b = new StepTensor(f, f, null, null, null, 10,
                    new StepScores(f, 2, false, 0f, l2, 10));
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdSteps(table, List.of(a, b), 0.1f, 0f, 0f, false, 1f, 0f),
                    "score accumulations with different fault states");
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().adamSteps(table, List.of(plain), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 0, 1f, 0f),
                    "Adam step 0");
        }
    }

    /**
     * Score accumulation fused into the optimizer pass (StepScores): the step's w and state are bit-identical to the
     * unfused step's, and the scores to ScoreAccumulator.accumulate's on (w before the step, raw g), for every
     * criterion, SUM and EMA, SGD with momentum and Adam, masked elements included; a non-finite gradient records the
     * lowest global index (offset + i).
     */
    @Test
    void optimizerStepsWithFusedScoresEqualTheirTwins() {
        Rng r = new Rng(10);
        dev.jprune.prune.Criterion[] crits = {dev.jprune.prune.Criterion.MAGNITUDE, dev.jprune.prune.Criterion.GRADIENT,
                dev.jprune.prune.Criterion.TAYLOR, dev.jprune.prune.Criterion.TAYLOR_SQUARED,
                dev.jprune.prune.Criterion.MOVEMENT};
        for (int n : new int[] {1, 7, 129, 4099}) {
            for (dev.jprune.prune.Criterion c : crits) {
                for (dev.jprune.prune.ScoreAccumulator.Mode mode : dev.jprune.prune.ScoreAccumulator.Mode.values()) {
                    for (boolean adam : new boolean[] {false, true}) {
                        String what = (adam ? "adam" : "sgd") + " " + c + " " + mode + " n=" + n;
                        byte[] mask = mask(r, n);
                        float[] w0 = random(r, n, -1, 1);
                        for (int i = 0; i < n; i++) if (mask[i] == 0) w0[i] = 0f;
                        dev.jprune.prune.ScoreAccumulator acc = new dev.jprune.prune.ScoreAccumulator(c, mode, 0.9f,
                                new int[] {n}, null);
                        float[] s0 = random(r, n, 0, 1);
                        System.arraycopy(s0, 0, acc.buffers()[0], 0, n);
                        try (DeviceBuffer wa = ctx.upload(w0); DeviceBuffer wb = ctx.upload(w0);
                             DeviceBuffer m1a = ctx.upload(new float[n]);
                             DeviceBuffer m1b = ctx.upload(new float[n]); DeviceBuffer m2a = ctx.upload(new float[n]);
                             DeviceBuffer m2b = ctx.upload(new float[n]);
                             DeviceBuffer dmask = ctx.upload(mask); DeviceBuffer dg = ctx.allocFloat(n);
                             DeviceBuffer ds = ctx.upload(s0);
                             DeviceBuffer fault = ctx.allocLong(1)) {
                            fault.upload(new long[] {Long.MAX_VALUE});
                            StepScores sc = new StepScores(ds,
                                    dev.jprune.gpu.prune.PruneTable.criterionCode(c),
                                    mode == dev.jprune.prune.ScoreAccumulator.Mode.EMA, 0.9f, fault, 1000);
                            for (int step = 1; step <= 3; step++) {
                                float[] g = random(r, n, -1, 1);
                                dg.upload(g);
                                acc.accumulate(new float[][] {wa.toFloatArray()}, new float[][] {g});
                                if (adam) {
                                    ops.optimizers().adamStep(wa, dg, m1a, m2a, dmask, n, 1e-3f, 0.9f, 0.999f, 1e-8f,
                                            1e-2f, step, 0.5f, 0.3f, sc);
                                    ops.optimizers().adamStep(wb, dg, m1b, m2b, dmask, n, 1e-3f, 0.9f, 0.999f, 1e-8f,
                                            1e-2f, step, 0.5f, 0.3f);
                                } else {
                                    ops.optimizers().sgdStep(wa, dg, m1a, dmask, n, 0.1f, 0.9f, 1e-4f, step == 2, 0.7f,
                                            0.3f, sc);
                                    ops.optimizers().sgdStep(wb, dg, m1b, dmask, n, 0.1f, 0.9f, 1e-4f, step == 2, 0.7f,
                                            0.3f);
                                }
                            }
                            assertArrayEquals(wb.toFloatArray(), wa.toFloatArray(), what + ": w changed by the fusion");
                            assertArrayEquals(m1b.toFloatArray(), m1a.toFloatArray(),
                                    what + ": state changed by the fusion");
                            if (adam) assertArrayEquals(m2b.toFloatArray(), m2a.toFloatArray(),
                                    what + ": v changed by the fusion");
                            float[] got = ds.toFloatArray(), want = acc.buffers()[0];
                            for (int i = 0; i < n; i++) {
                                if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                                    fail(what + ": score " + i + " (mask " + mask[i] + ") gpu=" + got[i]
                                            + " cpu=" + want[i]);
                                }
                            }
                            long[] f = new long[1];
                            fault.download(f);
                            assertEquals(Long.MAX_VALUE, f[0], what + ": no fault");
                            // Non-finite gradients at two places: the lowest global index is recorded.
                            if (n >= 7) {
                                float[] g = random(r, n, -1, 1);
                                g[n - 1] = Float.NaN;
                                g[3] = Float.POSITIVE_INFINITY;
                                dg.upload(g);
                                if (c == dev.jprune.prune.Criterion.MAGNITUDE) {
                                    float[] wn = wa.toFloatArray();
                                    wn[n - 1] = Float.NaN;
                                    wn[3] = Float.NEGATIVE_INFINITY;
                                    wa.upload(wn);
                                }
                                if (adam) ops.optimizers().adamStep(wa, dg, m1a, m2a, null, n, 1e-3f, 0.9f, 0.999f,
                                        1e-8f, 0f, 4, 1f, 0f, sc);
                                else ops.optimizers().sgdStep(wa, dg, m1a, null, n, 0.1f, 0.9f, 0f, false, 1f, 0f, sc);
                                fault.download(f);
                                assertEquals(1003, f[0], what + ": lowest faulty global index");
                            }
                        }
                    }
                }
            }
        }
        try (DeviceBuffer f = ctx.allocFloat(10); DeviceBuffer l = ctx.allocLong(1)) {
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdStep(f, f, f, null, 10, 0.1f, 0.9f, 0f, false, 1f, 0f,
                    new StepScores(f, 5, false, 0f, l, 0)), "BUFFER has no per-batch formula");
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdStep(f, f, f, null, 10, 0.1f, 0.9f, 0f, false, 1f, 0f,
                    new StepScores(f, 2, true, 1f, l, 0)), "EMA momentum 1");
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdStep(f, f, f, null, 10, 0.1f, 0.9f, 0f, false, 1f, 0f,
                    new StepScores(f, 2, false, 0f, f, 0)), "fault state must be LONG");
        }
    }
}
