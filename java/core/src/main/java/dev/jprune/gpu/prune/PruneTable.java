package dev.jprune.gpu.prune;

import dev.jprune.prune.Criterion;

/**
 * The host side of the prune table (native/prune.cuh, struct JpPruneRef): the chunk layout of T tensors in global
 * order and the encoding of one row per tensor as {@link #ROW_LONGS} 64-bit words, uploaded to DEVICE memory (the
 * kernels read it there; it is not passed as kernel arguments, so any number of tensors fits). Pure Java: tested
 * without a GPU.
 *
 * <p>Layout: tensor t has {@code ceil(n_t / CHUNK)} chunks (0 for an empty tensor) starting at {@code chunkStart[t]};
 * its global offset is {@code Σ_{u<t} n_u}. Structured runs add {@code groups[t]}, {@code n_t / groups[t]} and the
 * offset of the tensor's first group in the flat group array.
 */
public final class PruneTable {
    /** Words per row; JP_PRUNE_ROW_LONGS. */
    public static final int ROW_LONGS = 16;
    /** Elements per chunk (= per block of the chunk kernels); JP_PRUNE_CHUNK. */
    public static final int CHUNK = 4096;
    // Word indices of a row (JpPruneRef).
    static final int W = 0, G = 1, S = 2, MASK_IN = 3, MASK_OUT = 4, OPT0 = 5, OPT1 = 6, OPT2 = 7,
            N = 8, CHUNK_START = 9, GLOBAL_OFFSET = 10, GROUPS = 11, GROUP_LEN = 12, GROUP_OFFSET = 13, ROW_FLAGS = 14;
    /** Pointer words per row (W .. OPT2). */
    static final int POINTERS = 8;

    // Criterion codes (JP_CRIT_*); USER reads the score buffer (JP_CRIT_BUFFER).
    static final int CRIT_MAGNITUDE = 0, CRIT_GRADIENT = 1, CRIT_TAYLOR = 2, CRIT_TAYLOR_SQUARED = 3,
            CRIT_MOVEMENT = 4, CRIT_BUFFER = 5;
    // Mask-pass modes and flags (JP_MODE_*, JP_FLAG_*), selection state slots (JP_S_*).
    static final int MODE_SELECT = 0, MODE_THRESHOLD = 1, FLAG_ZERO_W = 1, FLAG_ZERO_OPT = 2;
    // Row flags (JP_ROW_*): STICKY = the written mask is the decision AND maskIn.
    static final long ROW_STICKY = 1;
    static final int STATE_LONGS = 24, S_BAD = 0, S_KEEP = 1, S_TKEY = 5, S_COUNT_ABOVE = 6, S_COUNT_EQUAL = 7,
            S_TIE_BUDGET = 8, S_ERROR = 10, S_CAP = 12, S_COMPACT = 13, S_V3 = 17, S_BR = 20;
    /**
     * The bracket path's sample: SAMPLE_LEN elements of every chunk at offset (c % (CHUNK / SAMPLE_LEN)) · SAMPLE_LEN.
     */
    static final int SAMPLE_LEN = 64;
    /** Bins of the shared-histogram path's first digit (JP_BINS11: the top 11 bits of the radix key). */
    static final int BINS11 = 2048;
    static final long BAD_NONE = Long.MAX_VALUE;

    final long[] lengths;      // [T]
    final long[] offsets;      // [T+1] global offsets
    final long[] chunkStart;   // [T+1]
    final long[] groups;       // [T] or null
    final long[] groupOffset;  // [T+1] or null

    private PruneTable(long[] lengths, long[] groups) {
        int nt = lengths.length;
        this.lengths = lengths.clone();
        offsets = new long[nt + 1];
        chunkStart = new long[nt + 1];
        for (int t = 0; t < nt; t++) {
            long n = lengths[t];
            if (n < 0) throw new IllegalArgumentException("prune table: tensor " + t + " has negative length " + n);
            offsets[t + 1] = Math.addExact(offsets[t], n);
            chunkStart[t + 1] = chunkStart[t] + (n + CHUNK - 1) / CHUNK;
        }
        if (groups != null) {
            if (groups.length != nt) throw new IllegalArgumentException("prune table: " + groups.length
                    + " group counts for " + nt + " tensors");
            this.groups = groups.clone();
            groupOffset = new long[nt + 1];
            for (int t = 0; t < nt; t++) {
                long g = groups[t], n = lengths[t];
                if (g < 0 || (g == 0 ? n != 0 : n % g != 0)) {
                    throw new IllegalArgumentException("structured: tensor " + t + " has " + n
                            + " elements, not divisible into " + g + " groups");
                }
                groupOffset[t + 1] = groupOffset[t] + g;
            }
        } else {
            this.groups = null;
            groupOffset = null;
        }
    }

    /** Layout of tensors of these lengths (copied). */
    public static PruneTable layout(long[] lengths) { return new PruneTable(lengths, null); }

    /** Layout with structured groups: tensor t is [groups[t], lengths[t] / groups[t]]. */
    public static PruneTable layout(long[] lengths, long[] groups) { return new PruneTable(lengths, groups); }

    public int tensors() { return lengths.length; }
    public long total() { return offsets[lengths.length]; }
    /** Chunks of all tensors (= blocks of a chunk kernel over the whole table). */
    public long chunks() { return chunkStart[lengths.length]; }
    /** Chunks of tensor t. */
    public long chunks(int t) { return chunkStart[t + 1] - chunkStart[t]; }

    /**
     * Elements the bracket path's sample holds (jp_prune_sample_hist): in chunk c (global enumeration) the SAMPLE_LEN
     * elements from offset (c % (CHUNK / SAMPLE_LEN)) · SAMPLE_LEN, those inside the tensor.
     */
    long sampled() {
        long s = 0;
        int slots = CHUNK / SAMPLE_LEN;
        for (int t = 0; t < lengths.length; t++) {
            for (long c = chunkStart[t]; c < chunkStart[t + 1]; c++) {
                long inChunk = Math.min(CHUNK, lengths[t] - (c - chunkStart[t]) * CHUNK);
                long off = (c % slots) * SAMPLE_LEN;
                s += Math.max(0, Math.min(SAMPLE_LEN, inChunk - off));
            }
        }
        return s;
    }
    public long offset(int t) { return offsets[t]; }
    public long chunkStart(int t) { return chunkStart[t]; }
    public long totalGroups() { return groupOffset == null ? 0 : groupOffset[lengths.length]; }
    public long groupOffset(int t) { return groupOffset[t]; }

    /** The tensor holding global index g (the last tensor whose offset is ≤ g among non-empty ones). */
    public int tensorOf(long g) {
        if (g < 0 || g >= total()) throw new IllegalArgumentException("prune table: global index " + g
                + " not in [0, " + total() + ")");
        int lo = 0, hi = lengths.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (offsets[mid] <= g) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /**
     * The device rows: {@code pointers[t][0..8)} are the device addresses of w, g, s, maskIn, maskOut, opt0..2 of
     * tensor t (0 = null). Returns long[T · ROW_LONGS].
     */
    public long[] encode(long[][] pointers) {
        return encode(pointers, null);
    }

    /** {@link #encode(long[][])} with each row's JP_ROW_* flags ({@code rowFlags} null: none). */
    public long[] encode(long[][] pointers, long[] rowFlags) {
        int nt = lengths.length;
        if (rowFlags != null && rowFlags.length != nt) throw new IllegalArgumentException("prune table: "
                + rowFlags.length + " row flags for " + nt + " tensors");
        if (pointers.length != nt) throw new IllegalArgumentException("prune table: " + pointers.length
                + " pointer rows for " + nt + " tensors");
        long[] rows = new long[nt * ROW_LONGS];
        for (int t = 0; t < nt; t++) {
            if (pointers[t].length != POINTERS) throw new IllegalArgumentException("prune table: row " + t + " has "
                    + pointers[t].length + " pointers, needs " + POINTERS);
            int b = t * ROW_LONGS;
            System.arraycopy(pointers[t], 0, rows, b, POINTERS);
            rows[b + N] = lengths[t];
            rows[b + CHUNK_START] = chunkStart[t];
            rows[b + GLOBAL_OFFSET] = offsets[t];
            if (rowFlags != null) rows[b + ROW_FLAGS] = rowFlags[t];
            if (groups != null) {
                rows[b + GROUPS] = groups[t];
                rows[b + GROUP_LEN] = groups[t] == 0 ? 0 : lengths[t] / groups[t];
                rows[b + GROUP_OFFSET] = groupOffset[t];
            }
        }
        return rows;
    }

    /** The kernel code of a criterion; USER means "read the tensors' score buffers". */
    public static int criterionCode(Criterion c) {
        switch (c) {
            case MAGNITUDE: return CRIT_MAGNITUDE;
            case GRADIENT: return CRIT_GRADIENT;
            case TAYLOR: case SNIP: return CRIT_TAYLOR;
            case TAYLOR_SQUARED: return CRIT_TAYLOR_SQUARED;
            case MOVEMENT: return CRIT_MOVEMENT;
            case USER: return CRIT_BUFFER;
            default: throw new AssertionError(c);
        }
    }
}
