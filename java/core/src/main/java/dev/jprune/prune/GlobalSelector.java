package dev.jprune.prune;

import dev.jprune.util.Parallel;

import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Exact top-k selection over many tensors by radix select on the score keys, in O(histogram) memory: no
 * concatenated copy of the scores is made, and scores may be computed on the fly ({@link CriterionScoreSource}).
 * The result is defined in {@link Selection}; this class documents the passes that compute it.
 *
 * <p><b>Chunks.</b> The global index range [0, total) is cut into {@code tasks} contiguous chunks
 * ({@code chunk c = [q·c + min(c, r), q·(c+1) + min(c+1, r)) with total = q·tasks + r}); chunks run in parallel, each
 * reading its elements in global index order in blocks of {@link #BLOCK} scores. Only integer counts cross chunks,
 * summed in chunk order, so the result does not depend on the number of chunks or threads.
 *
 * <p><b>Passes</b> (u = {@link ScoreKeys#radixKey}, 32 bits, split 16/16):
 * <ol>
 *   <li><b>High histogram.</b> Each chunk counts {@code h1[u >>> 16]} (65536 bins) and rejects NaN scores.
 *       Sum over chunks. Scan bins from 65535 down, skipping empty bins, accumulating {@code above}; stop at the
 *       first non-empty bin {@code b} with {@code above + H1[b] ≥ keep}. The keep-th element lies in bin b.</li>
 *   <li><b>Low histogram on candidates.</b> Each chunk counts {@code h2[u & 0xffff]} over the elements with
 *       {@code u >>> 16 == b} only. Sum; with {@code r = keep − above}, scan down to the first non-empty bin
 *       {@code l} with {@code above2 + H2[l] ≥ r}. Threshold radix key {@code (b << 16) | l}; countAbove =
 *       above + above2; countEqual = H2[l]; tieBudget = keep − countAbove. The per-chunk tie counts
 *       {@code h2_c[l]} are kept and prefix-summed in chunk order ({@code tiesBefore}).</li>
 *   <li><b>Mask pass</b> ({@link Selection#apply}): see {@link Selection}.</li>
 * </ol>
 * Memory: 65536 ints per chunk (≤ 4·threads chunks; 2 MiB with 2 threads), reused by pass 2, + O(tensors);
 * time: three reads of the inputs.
 * A GPU twin may use another split (e.g. 11/11/10 with shared-memory histograms): the Selection is the same.
 *
 * <p>Also here: per-layer selection, global selection with per-tensor density caps, and threshold pruning.
 */
public final class GlobalSelector {
    private GlobalSelector() {}

    /** Scores per block read by one chunk at a time (small, L1-resident). */
    static final int BLOCK = 2048;
    /** Smallest chunk worth a task. */
    static final long MIN_TASK = 1 << 15;
    /** Largest chunk, so that int histogram bins cannot overflow. */
    static final long MAX_TASK = 1L << 30;

    /** Keep count for a pruning fraction, PyTorch semantics: pruned = round-half-even(sparsity · total). */
    public static long keepForSparsity(long total, double sparsity) {
        if (!(sparsity >= 0.0 && sparsity <= 1.0)) {
            throw new IllegalArgumentException("sparsity must be in [0, 1], got " + sparsity);
        }
        if (total < 0) throw new IllegalArgumentException("negative total " + total);
        // Python's round() on a float is round-half-to-even of the exact double product: Math.rint is the same.
        long pruned = (long) Math.rint(sparsity * (double) total);
        return total - pruned;
    }

    /** Exact selection of the {@code keep} largest scores over all tensors of {@code src}. Reads src only. */
    public static Selection select(ScoreSource src, long keep) {
        return select(src, keep, Parallel.threads() * 4, MIN_TASK);
    }

    /**
     * {@link #select} with at most {@code maxTasks} chunks of at least {@code minTask} elements (tests use it to
     * show that the split changes nothing).
     */
    static Selection select(ScoreSource src, long keep, int maxTasks, long minTask) {
        long[] off = offsets(src);
        long total = off[off.length - 1];
        if (keep < 0 || keep > total) {
            throw new IllegalArgumentException("select: keep = " + keep + " not in [0, " + total + "]");
        }
        long[] taskStart = plan(total, maxTasks, minTask);
        int tasks = taskStart.length - 1;
        if (total == 0) return new Selection(0, 0, 0, 0, 0, 0, off, taskStart, new long[tasks]);

        // Pass 1: high 16 bits.
        int[][] h1 = new int[tasks][];
        runTasks(tasks, (c, buf) -> {
            int[] h = new int[1 << 16];
            forBlocks(src, off, taskStart[c], taskStart[c + 1], buf, (t, i0, n) -> {
                for (int j = 0; j < n; j++) {
                    int bits = Float.floatToRawIntBits(buf[j]);
                    if (ScoreKeys.isNaNBits(bits)) throw nanScore(src, t, i0 + j);
                    h[ScoreKeys.radixKey(buf[j]) >>> 16]++;
                }
            });
            h1[c] = h;
        });
        long[] sum1 = sumHist(h1);
        long above = 0;
        int hi = 0xffff;
        for (; hi >= 0; hi--) {
            if (sum1[hi] == 0) continue;
            if (above + sum1[hi] >= keep) break;
            above += sum1[hi];
        }
        final int bucket = hi;

        // Pass 2: low 16 bits of the candidates in the bucket (reusing the chunk's first histogram array).
        int[][] h2 = h1;
        runTasks(tasks, (c, buf) -> {
            int[] h = h2[c];
            java.util.Arrays.fill(h, 0);
            forBlocks(src, off, taskStart[c], taskStart[c + 1], buf, (t, i0, n) -> {
                for (int j = 0; j < n; j++) {
                    int u = ScoreKeys.radixKey(buf[j]);
                    if ((u >>> 16) == bucket) h[u & 0xffff]++;
                }
            });
        });
        long[] sum2 = sumHist(h2);
        long rem = keep - above, above2 = 0;
        int lo = 0xffff;
        for (; lo >= 0; lo--) {
            if (sum2[lo] == 0) continue;
            if (above2 + sum2[lo] >= rem) break;
            above2 += sum2[lo];
        }
        if (lo < 0) throw new IllegalStateException("select: scores changed between passes (source is not pure)");
        int radix = (bucket << 16) | lo;
        long countAbove = above + above2;
        long[] tiesBefore = new long[tasks];
        long run = 0;
        for (int c = 0; c < tasks; c++) { tiesBefore[c] = run; run += h2[c][lo]; }
        return new Selection(total, keep, radix ^ 0x80000000, keep - countAbove, countAbove, sum2[lo], off, taskStart,
                tiesBefore);
    }

    /** Selection of the {@code keep} largest of the fraction {@code 1 − sparsity} (see {@link #keepForSparsity}). */
    public static Selection selectSparsity(ScoreSource src, double sparsity) {
        return select(src, keepForSparsity(src.totalSize(), sparsity));
    }

    /**
     * Per-layer scope: tensor t keeps {@code keepForSparsity(size(t), sparsity[t])} of its own elements (its own
     * selection). Modifies {@code masksOut} (and {@code weights} if non-null: zeroed where pruned). Returns the
     * selection of each tensor (each made on the one-tensor view {@code ScoreSource.subset(src, t)}).
     */
    public static Selection[] perLayer(ScoreSource src, double[] sparsity, byte[][] masksOut, float[][] weights) {
        checkOutputs("perLayer", src, masksOut, weights);
        return perLayer(src, sparsity, sinkOf(masksOut, weights), null);
    }

    /**
     * {@link #perLayer(ScoreSource, double[], byte[][], float[][])} into any {@link MaskSink}: every tensor is selected
     * before any decision goes to the sink (a NaN score in the last tensor leaves the sink untouched). Returns the
     * kept count per tensor.
     */
    public static long[] perLayer(ScoreSource src, double[] sparsity, MaskSink sink) {
        long[] kept = new long[src.tensorCount()];
        perLayer(src, sparsity, sink, kept);
        return kept;
    }

    private static Selection[] perLayer(ScoreSource src, double[] sparsity, MaskSink sink, long[] keptOut) {
        int nt = src.tensorCount();
        if (sparsity.length != nt) throw new IllegalArgumentException("perLayer: " + sparsity.length
                + " sparsities for " + nt + " tensors");
        for (int t = 0; t < nt; t++) {
            if (!(sparsity[t] >= 0.0 && sparsity[t] <= 1.0)) {
                throw new IllegalArgumentException("perLayer: sparsity of " + src.name(t) + " must be in [0, 1], got "
                        + sparsity[t]);
            }
        }
        Selection[] sel = new Selection[nt];
        for (int t = 0; t < nt; t++) sel[t] = select(ScoreSource.subset(src, t),
                keepForSparsity(src.size(t), sparsity[t]));
        for (int t = 0; t < nt; t++) {
            long[] k = sel[t].apply(ScoreSource.subset(src, t), sink == null ? null : MaskSink.subset(sink, t));
            if (keptOut != null) keptOut[t] = k[0];
        }
        return sel;
    }

    /** Result of {@link #selectCapped}. */
    public record CappedResult(long[] keptPerTensor, boolean[] clamped, int rounds) {}

    /**
     * Global selection of {@code keep} elements with per-tensor density bounds: tensor t keeps between
     * {@code rint(minDensity[t]·n_t)} and {@code rint(maxDensity[t]·n_t)} elements (rint = round half to even).
     *
     * <p><b>Result (definition).</b> Let {@code c_t(p)} be the number of elements of tensor t among the first p of the
     * global order (score desc, index asc). The kept count of tensor t is {@code clamp(c_t(p), min_t, max_t)} for a
     * position p where these counts sum to keep (the counts are the same for every such p), and each tensor keeps its
     * own top elements in the same order.
     *
     * <p><b>Algorithm.</b> Active set A = all tensors, budget B = keep. Repeat: select B globally over A; count kept
     * per tensor; excess E = Σ(c_t − max_t)⁺, deficit D = Σ(min_t − c_t)⁺. If E = D = 0 stop. If E ≥ D, fix the
     * tensors above their max at max (the true threshold can only be lower, where they exceed max even more);
     * otherwise fix the tensors below their min at min (the true threshold can only be higher). Remove them from A,
     * subtract their counts from B. At most T+1 rounds, each 3 passes over A. Finally A is selected globally and each
     * fixed tensor keeps its own top count.
     *
     * <p>Modifies {@code masksOut} (and {@code weights} if non-null).
     */
    public static CappedResult selectCapped(ScoreSource src, long keep, double[] minDensity, double[] maxDensity,
                                            byte[][] masksOut, float[][] weights) {
        checkOutputs("selectCapped", src, masksOut, weights);
        return selectCapped(src, keep, minDensity, maxDensity, sinkOf(masksOut, weights));
    }

    /**
     * {@link #selectCapped(ScoreSource, long, double[], double[], byte[][], float[][])} into any {@link MaskSink}
     * (null: count only): the counting rounds write nothing; the free tensors' final selection and each clamped
     * tensor's own selection go to the sink.
     */
    public static CappedResult selectCapped(ScoreSource src, long keep, double[] minDensity, double[] maxDensity,
                                            MaskSink sink) {
        int nt = src.tensorCount();
        long[] sizes = new long[nt];
        for (int t = 0; t < nt; t++) sizes[t] = src.size(t);
        long[][] bounds = cappedBounds("selectCapped", sizes, src::name, minDensity, maxDensity);
        checkCappedKeep("selectCapped", keep, bounds, sizes);
        Selection[] last = new Selection[1];
        CappedPlan plan = cappedRounds("selectCapped", bounds[0], bounds[1], keep, (active, budget) -> {
            ScoreSource sub = ScoreSource.subset(src, active);
            last[0] = select(sub, budget);
            return last[0].keptPerTensor(sub);
        });
        // The last round selected the free tensors with the final budget: apply it; each clamped tensor keeps its top.
        last[0].apply(ScoreSource.subset(src, plan.free()), subsetSink(sink, plan.free()));
        for (int t : plan.clampedTensors()) {
            ScoreSource one = ScoreSource.subset(src, t);
            select(one, plan.kept()[t]).apply(one, subsetSink(sink, t));
        }
        return new CappedResult(plan.kept(), plan.clamped(), plan.rounds());
    }

    /**
     * The kept-count bounds of {@link #selectCapped}: {@code {min, max}} with min_t = rint(minDensity[t]·sizes[t]) and
     * max_t = rint(maxDensity[t]·sizes[t]); throws IllegalArgumentException (prefixed by {@code op}, naming the
     * tensor) for densities outside 0 ≤ min ≤ max ≤ 1. Shared with the GPU twin and the pipeline, so that all of them
     * clamp from the same numbers.
     */
    public static long[][] cappedBounds(String op, long[] sizes, IntFunction<String> names, double[] minDensity,
            double[] maxDensity) {
        int nt = sizes.length;
        if (minDensity == null || maxDensity == null || minDensity.length != nt || maxDensity.length != nt) {
            throw new IllegalArgumentException(op + ": " + (minDensity == null ? "null" : minDensity.length) + " min / "
                    + (maxDensity == null ? "null" : maxDensity.length) + " max densities for " + nt + " tensors");
        }
        long[] min = new long[nt], max = new long[nt];
        for (int t = 0; t < nt; t++) {
            double a = minDensity[t], b = maxDensity[t];
            if (!(a >= 0 && a <= b && b <= 1)) {
                throw new IllegalArgumentException(op + ": " + names.apply(t)
                        + " needs 0 <= minDensity <= maxDensity <= 1, got " + a + ", " + b);
            }
            min[t] = (long) Math.rint(a * sizes[t]);
            max[t] = (long) Math.rint(b * sizes[t]);
        }
        return new long[][] {min, max};
    }

    /** The kept counts {@code {Σ min, Σ max}} that bounds from {@link #cappedBounds} allow. */
    public static long[] cappedKeepRange(long[][] bounds) {
        long lo = 0, hi = 0;
        for (long v : bounds[0]) lo += v;
        for (long v : bounds[1]) hi += v;
        return new long[] {lo, hi};
    }

    /** Throws IllegalArgumentException (prefixed by {@code op}) unless {@code keep} is in {@link #cappedKeepRange}. */
    public static void checkCappedKeep(String op, long keep, long[][] bounds, long[] sizes) {
        long[] range = cappedKeepRange(bounds);
        if (keep < range[0] || keep > range[1]) {
            long total = 0;
            for (long n : sizes) total += n;
            throw new IllegalArgumentException(op + ": keep = " + keep + " of " + total
                    + " is infeasible with the density bounds (they allow [" + range[0] + ", " + range[1] + "])");
        }
    }

    /** A counting selection over a subset: the kept count of each tensor of {@code active} (ascending indices) when
     *  {@code budget} elements are selected globally over those tensors. */
    @FunctionalInterface
    public interface SubsetCounter {
        /** Kept count of each tensor of {@code active} when {@code budget} elements are selected over them. */
        long[] count(int[] active, long budget);
    }

    /**
     * Outcome of {@link #cappedRounds}: the kept count of every tensor, which tensors were clamped at a bound, the
     * number of rounds, and the free tensors with the budget of the last round (its selection is the free tensors'
     * final one).
     */
    public record CappedPlan(long[] kept, boolean[] clamped, int rounds, int[] free, long freeBudget) {
        /** The clamped tensors' indices, ascending. */
        public int[] clampedTensors() {
            return IntStream.range(0, clamped.length).filter(t -> clamped[t]).toArray();
        }
    }

    /**
     * The clamping rounds of {@link #selectCapped} (its Javadoc has the algorithm), with the counting selection
     * supplied: {@code counter} is called once per round, the last call being over {@link CappedPlan#free} with
     * {@link CappedPlan#freeBudget}. The CPU and GPU selections share this loop, so their rounds agree by construction.
     */
    public static CappedPlan cappedRounds(String op, long[] min, long[] max, long keep, SubsetCounter counter) {
        int nt = min.length;
        boolean[] fixed = new boolean[nt];
        long[] kept = new long[nt];
        long budget = keep;
        int rounds = 0;
        while (true) {
            rounds++;
            int[] active = activeTensors(fixed);
            if (active.length == 0 && budget != 0) {
                throw new IllegalStateException(op + ": all tensors clamped with " + budget
                        + " elements left to place");
            }
            long[] c = counter.count(active, budget);
            long excess = 0, deficit = 0;
            for (int j = 0; j < active.length; j++) {
                int t = active[j];
                kept[t] = c[j];
                excess += Math.max(0, c[j] - max[t]);
                deficit += Math.max(0, min[t] - c[j]);
            }
            if (excess == 0 && deficit == 0) return new CappedPlan(kept, fixed, rounds, active, budget);
            for (int t : active) {
                if (excess >= deficit ? kept[t] > max[t] : kept[t] < min[t]) {
                    fixed[t] = true;
                    kept[t] = excess >= deficit ? max[t] : min[t];
                    budget -= kept[t];
                }
            }
        }
    }

    /**
     * Threshold mode: keeps exactly the elements with {@code score >= eps} (float comparison, so −0.0 ≥ 0.0): a
     * read-only pass that rejects NaN scores, then the mask pass. Modifies {@code masksOut} (and {@code weights} if
     * non-null, zeroed where pruned). Returns the kept count per tensor.
     */
    public static long[] threshold(ScoreSource src, float eps, byte[][] masksOut, float[][] weights) {
        checkOutputs("threshold", src, masksOut, weights);
        return threshold(src, eps, sinkOf(masksOut, weights));
    }

    /**
     * {@link #threshold(ScoreSource, float, byte[][], float[][])} into any {@link MaskSink} (null: count only): the
     * read-only check pass runs first, so a NaN score leaves the sink untouched.
     */
    public static long[] threshold(ScoreSource src, float eps, MaskSink sink) {
        if (Float.isNaN(eps)) throw new IllegalArgumentException("threshold: eps is NaN");
        long[] off = offsets(src);
        long[] taskStart = plan(off[off.length - 1], Parallel.threads() * 4, MIN_TASK);
        int tasks = taskStart.length - 1;
        // score >= eps  ⇔  key ≥ key(eps)  ⇔  a Selection with threshold key(eps) and unlimited tie budget.
        Selection sel = new Selection(off[off.length - 1], -1, ScoreKeys.key(eps), Long.MAX_VALUE, -1, -1, off,
                taskStart, new long[tasks]);
        // NaN scores would compare false and silently prune: check lazily in the same pass via a checking view.
        ScoreSource checked = new ScoreSource() {
            @Override public int tensorCount() { return src.tensorCount(); }
            @Override public int size(int t) { return src.size(t); }
            @Override public float score(int t, int i) { return src.score(t, i); }
            @Override public String name(int t) { return src.name(t); }
            @Override public void scores(int t, int from, int to, float[] out) {
                src.scores(t, from, to, out);
                for (int j = 0; j < to - from; j++) if (Float.isNaN(out[j])) throw nanScore(src, t, from + j);
            }
        };
        // Check pass first (read only) so that a NaN leaves the sink untouched.
        sel.apply(checked, (MaskSink) null);
        return sel.apply(src, sink);
    }

    // ---------------------------------------------------------------------------------------------- internals

    static IllegalArgumentException nanScore(ScoreSource src, int t, int i) {
        return new IllegalArgumentException("selection: score of " + src.name(t) + " at index " + i + " is NaN");
    }

    static void checkOutputs(String op, ScoreSource src, byte[][] masks, float[][] weights) {
        int nt = src.tensorCount();
        if (masks != null && masks.length != nt) throw new IllegalArgumentException(op + ": " + masks.length
                + " masks for " + nt + " tensors");
        if (weights != null && weights.length != nt) throw new IllegalArgumentException(op + ": " + weights.length
                + " weight arrays for " + nt + " tensors");
        for (int t = 0; t < nt; t++) {
            if (masks != null && (masks[t] == null || masks[t].length != src.size(t))) {
                throw new IllegalArgumentException(op + ": mask of " + src.name(t) + " has length "
                        + (masks[t] == null ? "null" : masks[t].length) + ", expected " + src.size(t));
            }
            if (weights != null && (weights[t] == null || weights[t].length != src.size(t))) {
                throw new IllegalArgumentException(op + ": weights of " + src.name(t) + " have length "
                        + (weights[t] == null ? "null" : weights[t].length) + ", expected " + src.size(t));
            }
        }
    }

    static long[] offsets(ScoreSource src) {
        int nt = src.tensorCount();
        long[] off = new long[nt + 1];
        for (int t = 0; t < nt; t++) {
            int n = src.size(t);
            if (n < 0) throw new IllegalArgumentException("selection: " + src.name(t) + " has negative size " + n);
            off[t + 1] = off[t] + n;
        }
        return off;
    }

    /**
     * Chunk boundaries over [0, total): at most maxTasks chunks of ≥ minTask elements (unless there is one), each ≤
     * MAX_TASK.
     */
    static long[] plan(long total, int maxTasks, long minTask) {
        long tasks = Math.max(1, Math.min(maxTasks, total / minTask));
        tasks = Math.max(tasks, (total + MAX_TASK - 1) / MAX_TASK);
        long[] s = new long[(int) tasks + 1];
        // chunk c = [q·c + min(c, r), ...) with total = q·tasks + r: exact in long arithmetic
        for (int c = 0; c <= tasks; c++) s[c] = total / tasks * c + Math.min(c, total % tasks);
        return s;
    }

    @FunctionalInterface
    interface Task { void run(int chunk, float[] buf); }

    /** Runs chunks 0..tasks-1 in parallel; rethrows the exception of the lowest failing chunk (deterministic). */
    static void runTasks(int tasks, Task task) {
        RuntimeException[] err = new RuntimeException[tasks];
        Parallel.forRange(tasks, 1, (a, b) -> {
            float[] buf = new float[BLOCK];
            for (int c = a; c < b; c++) {
                try {
                    task.run(c, buf);
                } catch (RuntimeException e) {
                    err[c] = e;
                }
            }
        });
        for (RuntimeException e : err) if (e != null) throw e;
    }

    @FunctionalInterface
    interface Block { void run(int t, int i0, int n); }

    /** Scores global range [from, to) block by block in index order into {@code buf}; calls body per block. */
    static void forBlocks(ScoreSource src, long[] off, long from, long to, float[] buf, Block body) {
        if (from >= to) return;
        int t = upperBound(off, from) - 1;
        long g = from;
        while (g < to) {
            while (off[t + 1] <= g) t++; // skip exhausted and empty tensors
            int i0 = (int) (g - off[t]);
            int end = (int) (Math.min(to, off[t + 1]) - off[t]);
            for (int i = i0; i < end; i += BLOCK) {
                int n = Math.min(BLOCK, end - i);
                src.scores(t, i, i + n, buf);
                body.run(t, i, n);
            }
            g = off[t] + end;
        }
    }

    static int upperBound(long[] a, long x) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= x) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static long[] sumHist(int[][] h) {
        long[] s = new long[h[0].length];
        for (int[] hc : h) for (int i = 0; i < s.length; i++) s[i] += hc[i];
        return s;
    }

    private static int[] activeTensors(boolean[] fixed) {
        return IntStream.range(0, fixed.length).filter(t -> !fixed[t]).toArray();
    }

    /** The array sink of the classic signatures, or null (count only) when both are null. */
    private static MaskSink sinkOf(byte[][] masks, float[][] weights) {
        return masks == null && weights == null ? null : MaskSink.arrays(masks, weights);
    }

    private static MaskSink subsetSink(MaskSink sink, int... tensors) {
        return sink == null ? null : MaskSink.subset(sink, tensors);
    }

}
