package dev.jprune.cpu;

/**
 * Runs each Vector API kernel class's warm-up once, at the first use of that class and only after the class itself
 * is initialised. The dispatchers (Gemm, SparseKernels, Epilogue, MaxPool2x2, DirectConv) call the matching method
 * here before a kernel; once the holder below is initialised, the call is an empty static method that C2 inlines away.
 * <p>Why not in the kernel classes' own static initialisers (as before): C2 compiles a method whose class is still
 * being initialised with a guard on that state, and the guard deoptimises the method as soon as the initialiser
 * returns. Every tile compiled during the warm-up was thrown away right after it, and the kernels went back to C1 code,
 * which boxes every vector (measured: lenet-5 dense inference 4-10 ms a call instead of 0.15 ms for the first ~50
 * calls; -XX:+LogCompilation showed reason='initialized' traps at bci 0 of each kernel; docs/DECISIONS.md).
 */
final class VectorWarmUp {
    private VectorWarmUp() {}

    /** Before a {@link VectorKernels} call. */
    static void kernels() { Kernels.ready(); }

    /** Before a {@link VectorPanelKernels} call. */
    static void panels() { Panels.ready(); }

    /** Before a {@link VectorMaxPool2x2} call. */
    static void maxPool() { MaxPool.ready(); }

    /** Before a {@link VectorDirectConv} call. */
    static void directConv() { DirectConvs.ready(); }

    // One holder per kernel class: its initialiser is the warm-up, run by the JVM exactly once (other threads wait).
    private static final class Kernels {
        static {
            VectorKernels.warmUp();
        }

        static void ready() {}
    }

    private static final class Panels {
        static {
            VectorPanelKernels.warmUp();
        }

        static void ready() {}
    }

    private static final class MaxPool {
        static {
            VectorMaxPool2x2.warmUp();
        }

        static void ready() {}
    }

    private static final class DirectConvs {
        static {
            VectorDirectConv.warmUp();
        }

        static void ready() {}
    }
}
