package dev.jprune.gpu.prune;

import dev.jprune.cpu.CpuKernels;
import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.GlobalSelector;
import dev.jprune.prune.ScoreSource;
import dev.jprune.prune.Selection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The sizes the pruning issue names, on the GPU: 10 000 tensors holding 1e9 elements (global top-k and the
 * multi-tensor norm against the CPU), and one tensor of 2^31 + 5 elements (64-bit indices end to end: selection, ties
 * at indices past 2^31 on the compacting path, mask, zeroed weights, norm).
 *
 * <p>Two scales. By default (every GPU and emulated run) the same code at a medium scale: 1000 tensors of 0 to 300
 * elements, one tensor of 2^21 + 5. With {@code JPRUNE_LARGE=1} in the environment (or -Djprune.test.large=true;
 * bench/gpu-check.sh sets it for its last step) the full scale: 10 000 × 100 000 elements and 2^31 + 5, about 11 GB of
 * device memory at a time and a minute of host work. Inputs are a hash of the global index (no zeros by accident:
 * 30% of the gradients are exact zeros on purpose, which makes ties), so the host regenerates any element instead of
 * keeping 8 GB of copies.
 */
@Tag("gpu")
class GpuLargeScaleTest extends GpuPruneTestBase {
    private static final boolean LARGE = "1".equals(System.getenv("JPRUNE_LARGE"))
            || Boolean.getBoolean("jprune.test.large");
    /** Tensors of the many-tensor case: 10 000 at full scale; 1000 at medium scale (the emulator runs every block of
     *  every pass, and 10 000 one-chunk tensors cost it 40 s; GpuReductionsTest covers 10 000 and 70 000 tensors for
     *  norms). */
    private static final int MANY = LARGE ? 10_000 : 1_000;
    private static final long HUGE = LARGE ? (1L << 31) + 5 : (1L << 21) + 5;
    /** Quantisation of the huge tensor's magnitudes: 4096 levels, so every level is a block of ties. */
    private static final int LEVELS = 4096;
    @BeforeAll
    static void bracketFirst() {
        // As GpuBackend runs it (fresh output masks): the bracket path first, then the shared-histogram path, then
        // the 16-bit ones; the 80% Taylor case (its boundary among ~1e8 exact zeros at full scale) misses the bracket.
        if (pruneOps != null) pruneOps.setBracketing(true);
    }

    @BeforeEach
    void needMemoryAtFullScale() {
        if (LARGE) {
            assumeTrue(ctx.totalMemory() >= 16L << 30, "JPRUNE_LARGE needs 16 GiB of device memory, "
                    + ctx.deviceName() + " has " + (ctx.totalMemory() >> 20) + " MiB");
        }
    }

    // ----------------------------------------------------------------------------------- inputs from a hash
    static long mix(long z) {  // splitmix64's finaliser
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Weight of global index i: uniform in [−1, 1), 24 bits. */
    static float wAt(long i) { return ((mix(2 * i) >>> 40) - (1 << 23)) * 0x1p-23f; }

    /** Gradient of global index i: 30% exact zeros (ties), else uniform in [−0.5, 0.5). */
    static float gAt(long i) {
        long h = mix(2 * i + 1);
        return (h & 0xff) < 77 ? 0f : ((h >>> 40) - (1 << 23)) * 0x1p-24f;
    }

    /** Magnitude level (0 .. LEVELS−1) of element i of the huge tensor; its weight is ±magnitude(level). */
    static int levelAt(long i) { return (int) ((mix(i ^ 0x5DEECE66DL) >>> 40) & (LEVELS - 1)); }

    /** Level l as a float whose high 16 bits are 0x3C00 + l (2^-7 ≤ m < 2^25, low 16 bits zero): every level is its
     *  own radix bucket, so the boundary bucket is one level (~2^31 / 4096 = 524 288 elements at full scale). */
    static float magnitude(int level) { return Float.intBitsToFloat((0x3C00 + level) << 16); }

    static float hugeAt(long i) {
        float m = magnitude(levelAt(i));
        return (mix(i + 77) & 1) == 0 ? m : -m;
    }

    private static int[] manySizes() {
        int[] n = new int[MANY];
        for (int t = 0; t < MANY; t++) n[t] = LARGE ? 100_000 : (int) Long.remainderUnsigned(mix(t + 12345), 301);
        return n;
    }

    /** CriterionScoreSource's scores for the hashed (w, g) of the many-tensor case, without storing them. */
    private static ScoreSource hashed(Criterion c, int[] sizes, long[] offset) {
        return new ScoreSource() {
            @Override public int tensorCount() { return sizes.length; }
            @Override public int size(int t) { return sizes[t]; }
            @Override public float score(int t, int i) { long k = offset[t] + i; return c.score(wAt(k), gAt(k)); }
            @Override public void scores(int t, int from, int to, float[] out) {
                long k = offset[t];
                for (int i = from; i < to; i++) out[i - from] = c.score(wAt(k + i), gAt(k + i));
            }
        };
    }

    // ----------------------------------------------------------------------------------- 10 000 tensors

    /**
     * 10 000 tensors of 100 000 elements at full scale (1e9 elements; 1000 small ones at medium scale): the
     * multi-tensor sum of squares of w and of g, per tensor and in total, within 1e-9 relative of the CPU's sequential
     * double sums (the requirement is 1e-6); then TAYLOR |w·g| global selections at keep 10% (a continuous threshold)
     * and 80% (the threshold falls into the 30% exact zeros: a tie budget over a hundred million ties at full scale)
     * equal GlobalSelector's bit for bit: threshold, tie budget, counts, kept per tensor, every mask byte, and the
     * zeroed weights.
     */
    @Test
    void manyTensorsNormAndGlobalTopKEqualTheCpu() {
        int[] sizes = manySizes();
        long[] offset = new long[MANY + 1];
        for (int t = 0; t < MANY; t++) offset[t + 1] = offset[t] + sizes[t];
        long total = offset[MANY];
        List<DeviceBuffer> w = new ArrayList<>(MANY), g = new ArrayList<>(MANY), m = new ArrayList<>(MANY);
        double[] wSum = new double[MANY], gSum = new double[MANY];
        try {
            // Generate in parallel a batch at a time, upload in order; the host keeps no copy.
            for (int b0 = 0; b0 < MANY; b0 += 500) {
                int b1 = Math.min(MANY, b0 + 500), from = b0;
                float[][] wb = new float[b1 - b0][], gb = new float[b1 - b0][];
                IntStream.range(b0, b1).parallel().forEach(t -> {
                    float[] a = new float[sizes[t]], c = new float[sizes[t]];
                    for (int i = 0; i < a.length; i++) { a[i] = wAt(offset[t] + i); c[i] = gAt(offset[t] + i); }
                    wSum[t] = CpuKernels.sumSquares(a, 0, a.length);
                    gSum[t] = CpuKernels.sumSquares(c, 0, c.length);
                    wb[t - from] = a;
                    gb[t - from] = c;
                });
                for (int t = b0; t < b1; t++) {
                    w.add(ctx.upload(wb[t - b0]));
                    g.add(ctx.upload(gb[t - b0]));
                    m.add(ctx.allocBytes(sizes[t]));
                }
            }
            checkNorm("w", w, wSum);
            checkNorm("g", g, gSum);

            List<PruneTensor> ts = new ArrayList<>(MANY);
            for (int t = 0; t < MANY; t++) ts.add(PruneTensor.of("t" + t, w.get(t), g.get(t))
                    .withMasks(null, m.get(t)));
            ScoreSource src = hashed(Criterion.TAYLOR, sizes, offset);
            for (double fraction : new double[] {0.1, 0.8}) {
                long keep = (long) (fraction * total) + 3;
                boolean zero = fraction == 0.8;  // the last selection zeroes w: checked against the hash after it
                String what = MANY + " tensors, " + total + " elements, TAYLOR keep " + keep;
                Selection want = GlobalSelector.select(src, keep);
                GpuSelection got = pruneOps.select(ts, Criterion.TAYLOR, keep, zero, false);
                assertEquals(want.thresholdBits, got.thresholdBits(), what + ": threshold bits");
                assertEquals(want.tieBudget, got.tieBudget(), what + ": tie budget");
                assertEquals(want.countAbove, got.countAbove(), what + ": count above");
                assertEquals(want.countEqual, got.countEqual(), what + ": count equal");
                byte[][] masks = new byte[MANY][];
                for (int t = 0; t < MANY; t++) masks[t] = new byte[sizes[t]];
                long[] kept = want.writeMasks(src, masks);
                assertArrayEquals(kept, got.keptPerTensor(), what + ": kept per tensor");
                AtomicReference<String> bad = new AtomicReference<>();
                for (int b0 = 0; b0 < MANY && bad.get() == null; b0 += 500) {
                    int b1 = Math.min(MANY, b0 + 500), from = b0;
                    byte[][] dm = new byte[b1 - b0][];
                    float[][] dw = new float[b1 - b0][];
                    for (int t = b0; t < b1; t++) {
                        dm[t - b0] = new byte[sizes[t]];
                        if (sizes[t] > 0) m.get(t).download(dm[t - b0]);
                        if (zero) { dw[t - b0] = new float[sizes[t]]; if (sizes[t] > 0) w.get(t).download(dw[t - b0]); }
                    }
                    IntStream.range(b0, b1).parallel().forEach(t -> {
                        byte[] cpu = masks[t], gpu = dm[t - from];
                        for (int i = 0; i < cpu.length; i++) {
                            if (cpu[i] != gpu[i]) {
                                bad.compareAndSet(null, "tensor " + t + " element " + i + ": mask gpu=" + gpu[i]
                                        + " cpu=" + cpu[i]);
                                return;
                            }
                            if (zero) {
                                float expect = cpu[i] == 0 ? 0f : wAt(offset[t] + i), have = dw[t - from][i];
                                if (Float.floatToRawIntBits(expect) != Float.floatToRawIntBits(have)) {
                                    bad.compareAndSet(null, "tensor " + t + " element " + i + ": weight gpu=" + have
                                            + " expected " + expect);
                                    return;
                                }
                            }
                        }
                    });
                }
                assertNull(bad.get(), what);
            }
        } finally {
            for (DeviceBuffer b : w) b.close();
            for (DeviceBuffer b : g) b.close();
            for (DeviceBuffer b : m) b.close();
        }
    }

    private static void checkNorm(String what, List<DeviceBuffer> bufs, double[] cpuPer) {
        double[] per = new double[bufs.size()];
        double got = pruneOps.sumSquares(bufs, per), want = 0;
        for (int t = 0; t < per.length; t++) {
            want += cpuPer[t];
            assertTrue(Math.abs(per[t] - cpuPer[t]) <= 1e-9 * Math.abs(cpuPer[t]), what + " sum of squares, tensor "
                    + t + ": gpu=" + per[t] + " cpu=" + cpuPer[t]);
        }
        assertTrue(Math.abs(got - want) <= 1e-9 * want, what + " sum of squares over " + per.length
                + " tensors: gpu=" + got + " cpu=" + want);
    }

    // ----------------------------------------------------------------------------------- one tensor > 2^31

    /**
     * One tensor of 2^31 + 5 elements (2^21 + 5 at medium scale) whose magnitudes take 4096 levels, each its own radix
     * bucket: every level is a block of ties. The reference is a count per level (independent of GlobalSelector): the
     * threshold level, the count above it, the tie budget; the mask must keep every element above the level and the
     * first tieBudget of the level by index, and zero the rest of w. The boundary level fits the candidate buffer, so
     * the compacting path runs and its radix select over tie indices resolves index digits above bit 16 (up to bit 31
     * at full scale). The norm of the tensor (one tensor, 1024 blocks) against Σ count·m² over the levels.
     */
    @Test
    void oneTensorPast2Pow31IsSelectedMaskedAndNormedWith64BitIndices() {
        final int piece = 1 << 24;  // host pieces of 16M elements
        long pieces = (HUGE + piece - 1) / piece;
        long[] count = new long[LEVELS];
        try (DeviceBuffer w = ctx.allocFloat(HUGE); DeviceBuffer mask = ctx.allocBytes(HUGE)) {
            // Upload, and count the levels per piece (parallel), in order.
            long[][] pieceCount = new long[(int) pieces][];
            for (long p0 = 0; p0 < pieces; p0 += 8) {
                long p1 = Math.min(pieces, p0 + 8);
                float[][] host = new float[(int) (p1 - p0)][];
                long base = p0;
                IntStream.range((int) p0, (int) p1).parallel().forEach(p -> {
                    long start = (long) p * piece;
                    int n = (int) Math.min(piece, HUGE - start);
                    float[] a = new float[n];
                    long[] c = new long[LEVELS];
                    for (int i = 0; i < n; i++) { a[i] = hugeAt(start + i); c[levelAt(start + i)]++; }
                    host[(int) (p - base)] = a;
                    pieceCount[p] = c;
                });
                for (long p = p0; p < p1; p++) w.upload(host[(int) (p - p0)], 0, p * piece,
                        host[(int) (p - p0)].length);
            }
            for (long[] c : pieceCount) for (int l = 0; l < LEVELS; l++) count[l] += c[l];

            // Norm: Σ count·m² over the levels (each m² exact in double; 4096 terms, so ~1e-13 relative).
            double exact = 0;
            for (int l = 0; l < LEVELS; l++) { double v = magnitude(l); exact += count[l] * (v * v); }
            double got = pruneOps.sumSquares(List.of(w), null);
            assertTrue(Math.abs(got - exact) <= 1e-9 * exact, "sum of squares of " + HUGE + " elements: gpu=" + got
                    + " reference=" + exact);

            long keep = (long) (0.3 * HUGE) + 12345;
            int level = LEVELS - 1;
            long above = 0;
            while (above + count[level] < keep) above += count[level--];
            final int tLevel = level;
            final long budget = keep - above;
            long compactedBefore = pruneOps.compactedSelections();
            GpuSelection sel = pruneOps.select(List.of(PruneTensor.of("huge", w, null).withMasks(null, mask)),
                    Criterion.MAGNITUDE, keep, true, false);
            String what = HUGE + " elements, MAGNITUDE keep " + keep + " (level " + tLevel + ", " + budget + " of "
                    + count[tLevel] + " ties)";
            assertEquals(Float.floatToRawIntBits(magnitude(tLevel)), sel.thresholdBits(), what + ": threshold bits");
            assertEquals(above, sel.countAbove(), what + ": count above");
            assertEquals(count[tLevel], sel.countEqual(), what + ": count equal");
            assertEquals(budget, sel.tieBudget(), what + ": tie budget");
            assertArrayEquals(new long[] {keep}, sel.keptPerTensor(), what + ": kept");
            assertEquals(compactedBefore + 1, pruneOps.compactedSelections(),
                    what + ": the boundary level fits the candidates: compacting path");

            // Ties before each piece (parallel count), then every mask byte and weight, piece by piece.
            long[] tiesBefore = new long[(int) pieces + 1];
            long[] tiesIn = new long[(int) pieces];
            IntStream.range(0, (int) pieces).parallel().forEach(p -> {
                long start = (long) p * piece, c = 0;
                int n = (int) Math.min(piece, HUGE - start);
                for (int i = 0; i < n; i++) if (levelAt(start + i) == tLevel) c++;
                tiesIn[p] = c;
            });
            for (int p = 0; p < pieces; p++) tiesBefore[p + 1] = tiesBefore[p] + tiesIn[p];
            AtomicReference<String> bad = new AtomicReference<>();
            for (long p0 = 0; p0 < pieces && bad.get() == null; p0 += 8) {
                long p1 = Math.min(pieces, p0 + 8);
                byte[][] dm = new byte[(int) (p1 - p0)][];
                float[][] dw = new float[(int) (p1 - p0)][];
                for (long p = p0; p < p1; p++) {
                    int n = (int) Math.min(piece, HUGE - p * piece);
                    dm[(int) (p - p0)] = new byte[n];
                    dw[(int) (p - p0)] = new float[n];
                    mask.download(dm[(int) (p - p0)], 0, p * piece, n);
                    w.download(dw[(int) (p - p0)], 0, p * piece, n);
                }
                long base = p0;
                IntStream.range((int) p0, (int) p1).parallel().forEach(p -> {
                    long start = (long) p * piece, ties = tiesBefore[p];
                    byte[] gm = dm[(int) (p - base)];
                    float[] gw = dw[(int) (p - base)];
                    for (int i = 0; i < gm.length; i++) {
                        int l = levelAt(start + i);
                        boolean keepIt = l > tLevel || (l == tLevel && ties++ < budget);
                        float expect = keepIt ? hugeAt(start + i) : 0f;
                        if (gm[i] != (keepIt ? 1 : 0)
                                || Float.floatToRawIntBits(gw[i]) != Float.floatToRawIntBits(expect)) {
                            bad.compareAndSet(null, "element " + (start + i) + " (level " + l + "): mask gpu=" + gm[i]
                                    + " expected " + (keepIt ? 1 : 0)
                                    + ", weight gpu=" + gw[i] + " expected " + expect);
                            return;
                        }
                    }
                });
            }
            assertNull(bad.get(), what);
        }
    }
}
