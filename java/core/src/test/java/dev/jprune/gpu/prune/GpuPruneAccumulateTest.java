package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.GlobalSelector;
import dev.jprune.prune.ScoreAccumulator;
import dev.jprune.prune.ScoreSource;
import dev.jprune.prune.Selection;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Score accumulation on the device ({@link GpuPruneOps#accumulation}) and user scores ≡ ScoreAccumulator and the
 * CPU's selection on them, bit for bit, in every accumulation mode. Skips without a GPU.
 */
@Tag("gpu")
class GpuPruneAccumulateTest extends GpuPruneTestBase {
    @Test
    void userScoresAndAccumulatorMatchCpu() {
        Rng r = new Rng(3);
        int[] sizes = {129, 0, 4097, 7};
        for (ScoreAccumulator.Mode mode : ScoreAccumulator.Mode.values()) {
            ScoreAccumulator acc = new ScoreAccumulator(Criterion.MOVEMENT, mode, 0.9f, sizes, null);
            List<DeviceBuffer> bufs = new ArrayList<>();
            try {
                List<PruneTensor> ts = new ArrayList<>();
                float[][] w = tensors(r, sizes, Kind.RANDOM);
                DeviceBuffer[] s = new DeviceBuffer[sizes.length], wd = new DeviceBuffer[sizes.length],
                        gd = new DeviceBuffer[sizes.length];
                for (int t = 0; t < sizes.length; t++) {
                    s[t] = ctx.allocFloat(sizes[t]); bufs.add(s[t]);
                    wd[t] = ctx.allocFloat(sizes[t]); bufs.add(wd[t]);
                    gd[t] = ctx.allocFloat(sizes[t]); bufs.add(gd[t]);
                    if (sizes[t] > 0) { s[t].upload(new float[sizes[t]]); wd[t].upload(w[t]); }
                    ts.add(PruneTensor.of("t" + t, wd[t], gd[t]).withScores(s[t]));
                }
                for (int batch = 0; batch < 3; batch++) {
                    float[][] g = tensors(r, sizes, batch == 1 ? Kind.DUP3 : Kind.RANDOM);
                    for (int t = 0; t < sizes.length; t++) if (sizes[t] > 0) gd[t].upload(g[t]);
                    acc.accumulate(w, g);
                    pruneOps.accumulate(ts, Criterion.MOVEMENT, mode, 0.9f);
                }
                for (int t = 0; t < sizes.length; t++) {
                    float[] got = new float[sizes[t]];
                    if (got.length > 0) s[t].download(got);
                    assertBitsEqual(acc.buffers()[t], got, "accumulate " + mode + " t" + t);
                }
                ScoreSource src = acc.source();
                long keep = src.totalSize() / 2;
                Selection sel = GlobalSelector.select(src, keep);
                GpuSelection gs = pruneOps.select(ts, Criterion.USER, keep, false, false);
                assertEquals(sel.thresholdBits, gs.thresholdBits());
                assertEquals(sel.tieBudget, gs.tieBudget());
                // bad input: a NaN gradient leaves the buffers unchanged and names the tensor and index
                float[] before = new float[sizes[2]];
                s[2].download(before);
                float[] gBad = new float[sizes[2]];
                gBad[1234] = Float.NaN;
                gd[2].upload(gBad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> pruneOps.accumulate(ts, Criterion.MOVEMENT, mode, 0.9f));
                assertTrue(e.getMessage().contains("t2") && e.getMessage().contains("1234"), e.getMessage());
                float[] after = new float[sizes[2]];
                s[2].download(after);
                assertBitsEqual(before, after, "unchanged after fault");

                // Many batches on one table (training steps): no host sync per batch; a fault stops the sums at that
                // batch, later good batches change nothing, and check() names the element.
                try (GpuPruneOps.Accumulation a = pruneOps.accumulation(ts, Criterion.MOVEMENT, mode, 0.9f)) {
                    float[][] g = tensors(r, sizes, Kind.RANDOM);
                    for (int t = 0; t < sizes.length; t++) if (sizes[t] > 0) gd[t].upload(g[t]);
                    acc.accumulate(w, g);
                    a.step();
                    a.check();
                    for (int t = 0; t < sizes.length; t++) {
                        float[] got = new float[sizes[t]];
                        if (got.length > 0) s[t].download(got);
                        assertBitsEqual(acc.buffers()[t], got, "accumulation step " + mode + " t" + t);
                    }
                    gd[2].upload(gBad);
                    a.step();
                    gd[2].upload(g[2]);
                    a.step();
                    IllegalArgumentException late = assertThrows(IllegalArgumentException.class, a::check);
                    assertTrue(late.getMessage().contains("t2") && late.getMessage().contains("1234"),
                            late.getMessage());
                    for (int t = 0; t < sizes.length; t++) {
                        float[] got = new float[sizes[t]];
                        if (got.length > 0) s[t].download(got);
                        assertBitsEqual(acc.buffers()[t], got, "sums stop at the faulty batch, t" + t);
                    }
                }
            } finally {
                for (DeviceBuffer b : bufs) b.close();
            }
        }
    }
}
