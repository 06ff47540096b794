package dev.jprune.gpu;

/**
 * Base of the GPU op families that {@link GpuOps} groups: the context, the CPU twins' class names for
 * {@link CpuTwin}, and the host-side argument checks that run before any launch (a bad shape, type or length is an
 * IllegalArgumentException naming the op and the fault, and nothing is launched).
 */
abstract class GpuOpFamily {
    static final String CPU = "dev.jprune.cpu.CpuKernels#";
    static final String CONV = "dev.jprune.cpu.CpuConvKernels#";
    static final String NAIVE_CONV = "dev.jprune.cpu.NaiveConv2d#";

    final GpuContext ctx;

    GpuOpFamily(GpuContext ctx) { this.ctx = ctx; }

    void need(String op, String what, DeviceBuffer b, DeviceBuffer.Type t, long n) {
        if (b == null) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " is null");
        if (b.isClosed()) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " is closed");
        if (b.context() != ctx) throw new IllegalArgumentException("GpuOps." + op + ": " + what
                + " belongs to another GpuContext");
        if (b.type() != t) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " holds "
                + b.type() + ", needs " + t);
        if (b.length() < n) {
            throw new IllegalArgumentException("GpuOps." + op + ": " + what + " has " + b.length()
                    + " elements, needs " + n);
        }
    }

    static void nonNegative(String op, String what, long v) {
        if (v < 0) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " = " + v + " is negative");
    }

    static long product(String op, int rows, int cols) {
        nonNegative(op, "rows", rows);
        nonNegative(op, "cols", cols);
        long n = (long) rows * cols;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("GpuOps." + op + ": rows*cols = "
                + n + " exceeds 2^31-1");
        return n;
    }

    void needSlot(String op, String what, DeviceBuffer b, DeviceBuffer.Type t, int slot) {
        nonNegative(op, "slot", slot);
        need(op, what, b, t, (long) slot + 1);
    }

    static int checkedInt(String op, String what, long v) {
        if (v > Integer.MAX_VALUE) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " = "
                + v + " exceeds 2^31-1");
        return (int) v;
    }

    void needTable(String op, GpuReductions.NormTable clip) {
        if (clip == null || clip.ctx != ctx) {
            throw new IllegalArgumentException("GpuOps." + op + ": the norm table is null or of another GpuContext");
        }
    }
}
