package dev.jprune.sparse;

import dev.jprune.cpu.Simd;

/**
 * Dense or sparse, per layer and batch size, decided when a {@link SparseModel} is built from a cost model: the
 * sparse kernels cost about {@code nnz · n · s(n)} and the dense GEMM about {@code out · in · n · d(n)}, so sparse
 * wins while the density stays under {@code d(n)/s(n)}. The break-even densities below are measured
 * (bench/results/*-cpu-speed.md, {@code CpuInferBench kernels}); the result of a layer is the same either way.
 */
final class KernelChoice {
    private KernelChoice() {}

    /** How a model is built: the cost model's choice, or one kind forced for every layer (benchmarks, tests). */
    enum Mode { AUTO, SPARSE, DENSE }

    /** Batch sizes with a measured break-even density, ascending. */
    static final int[] BATCHES = {1, 2, 8, 32, 64, 256};
    /**
     * Break-even densities at those batches (Linear 784 -> 300 and 800 -> 500, 2 threads, {@code CpuInferBench
     * kernels}, rounded down so that a layer near break-even runs dense): the Vector API kernels, and the scalar ones.
     * Batches 8 and 32 of the scalar kernels: the lane-block kernel (D61) breaks even at 0.2-0.3 (100 x 10 to
     * 300 x 100, one thread; bench/results/2026-12-07-onnx-vs-ort.md).
     */
    static final double[] BREAK_EVEN_VECTOR = {0.12, 0.10, 0.12, 0.20, 0.30, 0.25};
    static final double[] BREAK_EVEN_SCALAR = {0.10, 0.10, 0.20, 0.25, 0.20, 0.15};

    /**
     * The smallest batch size from which the layer runs dense (1: always dense; {@link Integer#MAX_VALUE}: never).
     * A layer without 16-bit column indices (more than 65536 inputs) runs dense from batch 2 unless forced sparse.
     */
    static int denseFromBatch(Mode mode, double density, boolean narrowIndices) {
        if (mode == Mode.DENSE) return 1;
        if (mode == Mode.SPARSE) return Integer.MAX_VALUE;
        double[] be = Simd.vectorApi() ? BREAK_EVEN_VECTOR : BREAK_EVEN_SCALAR;
        for (int i = 0; i < BATCHES.length; i++) {
            if (density > be[i] || (!narrowIndices && BATCHES[i] > 1)) return BATCHES[i];
        }
        return Integer.MAX_VALUE;
    }

    /** Weights of a Linear small enough for {@link #smallRunsLanes}, and the density up to which it applies. */
    static final int SMALL_WEIGHTS = 4096;
    static final double SMALL_DENSITY = 0.7;

    /**
     * Whether a small Linear runs the sparse lane kernel at batches {@link LinearStage#GATHER_BELOW} to
     * {@link dev.jprune.cpu.SparseKernels#LANES_MAX} whatever {@link #denseFromBatch} says: its dense GEMM's fixed
     * cost per call (packing, the change out of lane blocks, the epilogue) outweighs its few multiply-adds. Measured
     * in LeNet-300-100 at batch 8, its 100 -> 10 layer at 46% density (the 99% model): 5.8-6.1 -> 4.7 µs scalar,
     * 3.3 -> 2.7-2.9 µs Vector API; at 68% (the 90% model) no change. Batch 2 on the per-sample kernel was slower
     * (3.6 -> 4.1 µs), so batches under GATHER_BELOW keep the table's choice.
     */
    static boolean smallRunsLanes(Mode mode, long weights, double density, boolean narrowIndices) {
        return mode == Mode.AUTO && narrowIndices && weights <= SMALL_WEIGHTS && density <= SMALL_DENSITY;
    }

    /**
     * For a convolution, whose GEMM has many columns (batch x output positions) even for one image: dense or sparse
     * for every batch size, by the break-even of large batches.
     */
    static boolean convRunsDense(Mode mode, double density, boolean narrowIndices) {
        if (mode != Mode.AUTO) return mode == Mode.DENSE;
        double[] be = Simd.vectorApi() ? BREAK_EVEN_VECTOR : BREAK_EVEN_SCALAR;
        return !narrowIndices || density > be[be.length - 1];
    }

    static String describe(int denseFrom) {
        if (denseFrom == 1) return "dense kernel";
        if (denseFrom == Integer.MAX_VALUE) return "sparse kernel";
        return "sparse kernel below batch " + denseFrom + ", dense from it";
    }
}
