package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuException;
import dev.jprune.gpu.GpuInternals;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Typed launchers for native/prune.cu and native/sparse.cu, in the style of {@code dev.jprune.gpu.Kernels}: one method
 * per {@code extern "C"} kernel (GpuStaticTest checks the lists match), the CUfunction cached by the context, the
 * kernel name + shapes + grid/block in every error; validate mode synchronises after every launch. Argument
 * validation is the caller's ({@link GpuPruneOps}, {@link GpuSparseLinear}).
 */
final class PruneKernels {
    /** Threads per block; JP_THREADS. */
    static final int THREADS = 256;
    /** Grid-stride kernels need no more blocks than this. */
    static final int MAX_BLOCKS = 8192;

    private final GpuContext ctx;

    PruneKernels(GpuContext ctx) { this.ctx = ctx; }

    /** Kernel arguments: DeviceBuffer (element 0), CUdeviceptr, null (null pointer), Integer, Long, Float. */
    private static Pointer params(Object... args) {
        Pointer[] p = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) p[i] = Pointer.to(new long[] {0L});
            else if (a instanceof DeviceBuffer) p[i] = Pointer.to(GpuInternals.pointer((DeviceBuffer) a, 0));
            else if (a instanceof CUdeviceptr) p[i] = Pointer.to((CUdeviceptr) a);
            else if (a instanceof Integer) p[i] = Pointer.to(new int[] {(Integer) a});
            else if (a instanceof Long) p[i] = Pointer.to(new long[] {(Long) a});
            else if (a instanceof Float) p[i] = Pointer.to(new float[] {(Float) a});
            else throw new IllegalArgumentException("kernel argument " + i + " of unsupported type " + a.getClass());
        }
        return Pointer.to(p);
    }

    private void launch(String name, long grid, String shapes, Object... args) {
        if (grid < 1 || grid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("launch of " + name + " (" + shapes + "): grid " + grid
                    + " outside [1, 2^31-1]");
        }
        GpuInternals.bind(ctx);
        int r = JCudaDriver.cuLaunchKernel(GpuInternals.function(ctx, name), (int) grid, 1, 1, THREADS, 1, 1, 0,
                GpuInternals.stream(ctx), params(args), null);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new GpuException("launch of " + name + " (" + shapes + ") grid (" + grid + ",1,1) block (" + THREADS
                    + ",1,1) failed: " + CUresult.stringFor(r));
        }
        if (ctx.validate()) {
            r = JCudaDriver.cuStreamSynchronize(GpuInternals.stream(ctx));
            if (r != CUresult.CUDA_SUCCESS) {
                throw new GpuException("kernel " + name + " (" + shapes + ") grid (" + grid + ",1,1) block (" + THREADS
                        + ",1,1) failed while running: " + CUresult.stringFor(r));
            }
        }
    }

    static long warpBlocks(long rows) { return Math.max(1, (rows + THREADS / 32 - 1) / (THREADS / 32)); }

    // ---- prune.cu (chunk kernels: grid = chunks of the table, one block per chunk)
    void hist(CUdeviceptr table, int tensors, long chunks, int crit, int level, DeviceBuffer hist, CUdeviceptr state) {
        launch("jp_prune_hist", chunks, "tensors=" + tensors + " chunks=" + chunks + " crit="
                + crit + " level=" + level, table, tensors, crit, level, hist, state);
    }
    /** path: -1 always, 0 only on the three-pass path, 1 only on the compacting path (the device decides). */
    void find(DeviceBuffer hist, int level, int path, CUdeviceptr state) {
        launch("jp_prune_find", 1, "level=" + level + " path=" + path, hist, level, path, state);
    }
    void split(CUdeviceptr table, int tensors, long chunks, int crit, int flags, CUdeviceptr state,
               DeviceBuffer candLow, DeviceBuffer candIdx, CUdeviceptr kept) {
        launch("jp_prune_split", chunks, "tensors=" + tensors + " chunks=" + chunks + " crit="
                + crit + " flags=" + flags, table, tensors, crit, flags, state, candLow, candIdx, kept);
    }
    static long candBlocks(long capacity) {
        return Math.max(1, Math.min(MAX_BLOCKS, (capacity + THREADS - 1) / THREADS));
    }
    void candHist(DeviceBuffer candLow, long capacity, CUdeviceptr state, DeviceBuffer hist) {
        launch("jp_prune_cand_hist", candBlocks(capacity), "capacity=" + capacity, candLow, state, hist);
    }
    void candIndexHist(DeviceBuffer candLow, DeviceBuffer candIdx, long capacity, int level, CUdeviceptr state,
                       DeviceBuffer hist) {
        launch("jp_prune_cand_index_hist", candBlocks(capacity), "capacity=" + capacity + " level=" + level, candLow,
                candIdx, level, state, hist);
    }
    void findIndex(DeviceBuffer hist, int level, CUdeviceptr state) {
        launch("jp_prune_find_index", 1, "level=" + level, hist, level, state);
    }
    void candApply(CUdeviceptr table, int tensors, DeviceBuffer candLow, DeviceBuffer candIdx, long capacity, int flags,
                   CUdeviceptr state, CUdeviceptr kept) {
        launch("jp_prune_cand_apply", candBlocks(capacity), "tensors=" + tensors + " capacity="
                + capacity + " flags=" + flags, table, tensors, candLow, candIdx, flags, state, kept);
    }
    // The shared-histogram path (prune.cu, "v3"): returns at once unless the device took it for this selection.
    void hist11(CUdeviceptr table, int tensors, long chunks, int crit, DeviceBuffer hist, CUdeviceptr state) {
        launch("jp_prune_hist11", chunks, "tensors=" + tensors + " chunks=" + chunks + " crit=" + crit, table,
                tensors, crit, hist, state);
    }
    void find11(DeviceBuffer hist, int level, CUdeviceptr state) {
        launch("jp_prune_find11", 1, "level=" + level, hist, level, state);
    }
    void split11(CUdeviceptr table, int tensors, long chunks, int crit, int flags, CUdeviceptr state,
                 DeviceBuffer candLow, DeviceBuffer candIdx, CUdeviceptr kept) {
        launch("jp_prune_split11", chunks, "tensors=" + tensors + " chunks=" + chunks + " crit="
                + crit + " flags=" + flags, table, tensors, crit, flags, state, candLow, candIdx, kept);
    }
    void candHist11(DeviceBuffer candLow, long capacity, int level, CUdeviceptr state, DeviceBuffer hist) {
        launch("jp_prune_cand_hist11", candBlocks(capacity), "capacity=" + capacity + " level=" + level,
                candLow, level, state, hist);
    }
    // The sample-bracket path (prune.cu): returns at once unless this selection's state has BR set.
    void sampleHist(CUdeviceptr table, int tensors, long chunks, int crit, DeviceBuffer hist, CUdeviceptr state) {
        long per = THREADS / PruneTable.SAMPLE_LEN;
        launch("jp_prune_sample_hist", (chunks + per - 1) / per, "tensors=" + tensors + " chunks="
                + chunks + " crit=" + crit, table, tensors, chunks, crit, hist, state);
    }
    void findBracket(DeviceBuffer hist, long sampled, long total, CUdeviceptr state) {
        launch("jp_prune_find_bracket", 1, "sampled=" + sampled + " total=" + total, hist, sampled, total, state);
    }
    void bracketSplit(CUdeviceptr table, int tensors, long chunks, int crit, CUdeviceptr state, DeviceBuffer candKey,
                      DeviceBuffer candIdx, CUdeviceptr kept) {
        launch("jp_prune_bracket_split", chunks, "tensors=" + tensors + " chunks=" + chunks + " crit=" + crit,
                table, tensors, crit, state, candKey, candIdx, kept);
    }
    void bracketCheck(CUdeviceptr state, CUdeviceptr kept, int tensors) {
        launch("jp_prune_bracket_check", 1, "tensors=" + tensors, state, kept, tensors);
    }
    void candHistBr(DeviceBuffer candKey, long capacity, int level, CUdeviceptr state, DeviceBuffer hist) {
        launch("jp_prune_cand_hist_br", candBlocks(capacity), "capacity=" + capacity + " level=" + level,
                candKey, level, state, hist);
    }
    void findBr(DeviceBuffer hist, int level, CUdeviceptr state) {
        launch("jp_prune_find_br", 1, "level=" + level, hist, level, state);
    }
    void bracketZero(CUdeviceptr table, int tensors, long chunks, int flags, CUdeviceptr state) {
        launch("jp_prune_bracket_zero", chunks, "tensors=" + tensors + " chunks=" + chunks + " flags=" + flags, table,
                tensors, flags, state);
    }
    void ties(CUdeviceptr table, int tensors, long chunks, int crit, CUdeviceptr state, DeviceBuffer chunkTies) {
        launch("jp_prune_ties", chunks, "tensors=" + tensors + " chunks=" + chunks, table, tensors,
                crit, state, chunkTies);
    }
    void scan(DeviceBuffer chunkTies, long chunks, CUdeviceptr state, DeviceBuffer tiesBefore) {
        launch("jp_prune_scan", 1, "chunks=" + chunks, chunkTies, chunks, state, tiesBefore);
    }
    void mask(CUdeviceptr table, int tensors, long chunks, int crit, int mode, int flags, CUdeviceptr state,
              DeviceBuffer tiesBefore, CUdeviceptr kept) {
        launch("jp_prune_mask", chunks, "tensors=" + tensors + " chunks=" + chunks + " crit=" + crit + " mode=" + mode
                + " flags=" + flags, table, tensors, crit, mode, flags, state, tiesBefore, kept);
    }
    /** groups = rows x ceil(rowLength / m). The kernel splits group indices in 32 bits: rowLength, m < 2^31. */
    void nm(CUdeviceptr row, int crit, long rowLength, int n, int m, int phase, int flags, CUdeviceptr state,
            CUdeviceptr kept, long groups) {
        if (rowLength < 1 || rowLength > Integer.MAX_VALUE || m < 1) {
            throw new IllegalArgumentException("jp_prune_nm: row length " + rowLength + " or M " + m
                    + " outside [1, 2^31-1]");
        }
        launch("jp_prune_nm", Math.max(1, Math.min(MAX_BLOCKS, (groups + THREADS - 1) / THREADS)),
                "groups=" + groups + " rowLength=" + rowLength + " N:M=" + n + ":" + m + " phase=" + phase,
                row, crit, rowLength, groups, n, m, phase, flags, state, kept);
    }
    void groupScores(CUdeviceptr table, int tensors, int crit, int norm, long totalGroups, DeviceBuffer out,
                     CUdeviceptr state) {
        launch("jp_prune_group_scores", warpBlocks(totalGroups), "tensors=" + tensors + " groups="
                + totalGroups + " norm=" + norm, table, tensors, crit, norm, totalGroups, out, state);
    }
    /** maxGroupLen: the longest group of the table; the kernel divides by group lengths in 32 bits (< 2^31). */
    void expand(CUdeviceptr table, int tensors, long chunks, long maxGroupLen, DeviceBuffer groupMask, int flags,
                CUdeviceptr kept) {
        if (maxGroupLen > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("jp_prune_expand: a group of " + maxGroupLen + " elements (max 2^31-1)");
        }
        launch("jp_prune_expand", chunks, "tensors=" + tensors + " chunks=" + chunks, table, tensors,
                groupMask, flags, kept);
    }
    void accumulate(CUdeviceptr table, int tensors, long chunks, int crit, boolean ema, float m, float c1m,
                    int phase, CUdeviceptr state) {
        launch("jp_prune_accumulate", chunks, "tensors=" + tensors + " chunks=" + chunks + " ema="
                + ema + " phase=" + phase, table, tensors, crit, ema ? 1 : 0, m, c1m, phase, state);
    }

    // ---- sparse.cu (one warp per row)
    void csrCount(CUdeviceptr w, long rows, long cols, DeviceBuffer rowPtr) {
        launch("jp_csr_count", warpBlocks(rows), "rows=" + rows + " cols=" + cols, w, rows, cols, rowPtr);
    }
    void csrScan(DeviceBuffer rowPtr, long rows, DeviceBuffer nnz) {
        launch("jp_csr_scan", 1, "rows=" + rows, rowPtr, rows, nnz);
    }
    void csrFill(CUdeviceptr w, long rows, long cols, DeviceBuffer rowPtr, DeviceBuffer colIdx, DeviceBuffer values) {
        launch("jp_csr_fill", warpBlocks(rows), "rows=" + rows + " cols=" + cols, w, rows, cols,
                rowPtr, colIdx, values);
    }
    void csrSpmm(DeviceBuffer rowPtr, DeviceBuffer colIdx, DeviceBuffer values, CUdeviceptr x, int n, int in, int out,
                 DeviceBuffer bias, boolean relu, CUdeviceptr y) {
        launch("jp_csr_spmm", warpBlocks(out), "n=" + n + " in=" + in + " out=" + out + " relu=" + relu,
                rowPtr, colIdx, values, x, n, in, out, bias, relu ? 1 : 0, y);
    }
}
