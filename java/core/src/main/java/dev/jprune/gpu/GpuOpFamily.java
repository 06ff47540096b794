package dev.jprune.gpu;

/**
 * Base of the GPU op families that {@link GpuOps} groups (and of {@link GpuDataOps}): the context, the CPU twins'
 * class names for {@link CpuTwin}, and the host-side argument checks that run before any launch. A bad shape, type or
 * length is an IllegalArgumentException that names what the caller called, family and op ("GpuOptimizers.sgdStep:
 * ..."), and the fault; nothing is launched.
 */
abstract class GpuOpFamily {
    static final String CPU = "dev.jprune.cpu.CpuKernels#";
    static final String CONV = "dev.jprune.cpu.CpuConvKernels#";
    static final String NAIVE_CONV = "dev.jprune.cpu.NaiveConv2d#";

    final GpuContext ctx;

    private final String family = getClass().getSimpleName();

    GpuOpFamily(GpuContext ctx) { this.ctx = ctx; }

    /** "GpuGemm.gemm": this family's name and {@code op}, the prefix of every argument error. */
    final String where(String op) { return family + "." + op; }

    void need(String op, String what, DeviceBuffer b, DeviceBuffer.Type t, long n) {
        if (b == null) throw new IllegalArgumentException(where(op) + ": " + what + " is null");
        if (b.isClosed()) throw new IllegalArgumentException(where(op) + ": " + what + " is closed");
        if (b.context() != ctx) throw new IllegalArgumentException(where(op) + ": " + what
                + " belongs to another GpuContext");
        if (b.type() != t) throw new IllegalArgumentException(where(op) + ": " + what + " holds "
                + b.type() + ", needs " + t);
        if (b.length() < n) {
            throw new IllegalArgumentException(where(op) + ": " + what + " has " + b.length()
                    + " elements, needs " + n);
        }
    }

    void nonNegative(String op, String what, long v) {
        if (v < 0) throw new IllegalArgumentException(where(op) + ": " + what + " = " + v + " is negative");
    }

    long product(String op, int rows, int cols) {
        nonNegative(op, "rows", rows);
        nonNegative(op, "cols", cols);
        long n = (long) rows * cols;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException(where(op) + ": rows*cols = "
                + n + " exceeds 2^31-1");
        return n;
    }

    void needSlot(String op, String what, DeviceBuffer b, DeviceBuffer.Type t, int slot) {
        nonNegative(op, "slot", slot);
        need(op, what, b, t, (long) slot + 1);
    }

    int checkedInt(String op, String what, long v) {
        if (v > Integer.MAX_VALUE) throw new IllegalArgumentException(where(op) + ": " + what + " = "
                + v + " exceeds 2^31-1");
        return (int) v;
    }

    void needTable(String op, GpuReductions.NormTable clip) {
        if (clip == null || clip.ctx != ctx) {
            throw new IllegalArgumentException(where(op) + ": the norm table is null or of another GpuContext");
        }
    }
}
