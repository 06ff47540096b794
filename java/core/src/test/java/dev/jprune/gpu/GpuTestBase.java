package dev.jprune.gpu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The fixture the GPU ≡ CPU test classes share: one context per test class on device 0 in validate mode (a faulting
 * kernel is reported by its own launch), with {@link GpuOps} over it, opened before the class and closed after it;
 * every test skips with the probe's reason where no GPU (or emulator) is usable. Plus the comparisons they use:
 * |gpu − cpu| ≤ atol + rtol·|cpu| with the worst element printed, and bit equality.
 * Subclasses carry the "gpu" tag annotation themselves, not this class: bench/gpu-check.sh finds the classes to run
 * by that annotation in their source, and this one has no tests.
 */
public abstract class GpuTestBase {
    /** Lengths of the one-dimensional ops: 1, 7, 129, a thousand, and past 2^16. */
    protected static final int[] SIZES = {1, 7, 129, 1000, 65536 + 3};
    protected static GpuContext ctx;
    protected static GpuOps ops;

    @BeforeAll
    static void openGpuContext() {
        if (!GpuProbe.get().available()) return;  // each test then skips with the reason (below)
        ctx = GpuContext.open(0, true);
        ops = new GpuOps(ctx);
    }

    @BeforeEach
    void needGpu() {
        GpuProbe p = GpuProbe.get();
        assumeTrue(p.available(), "no usable GPU: " + p.reason());
    }

    @AfterAll
    static void closeGpuContext() {
        if (ctx != null) ctx.close();
        ctx = null;
        ops = null;
    }

    /** |gpu − cpu| ≤ atol + rtol·|cpu| element by element, NaN only where the CPU has NaN; names the worst element. */
    protected static void assertClose(String what, float[] cpu, float[] gpu, double atol, double rtol) {
        assertEquals(cpu.length, gpu.length, what + ": length");
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < cpu.length; i++) {
            double diff = Math.abs((double) gpu[i] - cpu[i]);
            double excess = diff - (atol + rtol * Math.abs(cpu[i]));
            boolean bad = Double.isNaN(gpu[i]) != Double.isNaN(cpu[i]) || excess > 0;
            if (bad && (worst < 0 || excess > worstExcess || Double.isNaN(excess))) {
                worst = i;
                worstExcess = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
            }
        }
        if (worst >= 0) {
            fail(what + ": worst element " + worst + " gpu=" + gpu[worst] + " cpu=" + cpu[worst] + " |diff|="
                    + Math.abs((double) gpu[worst] - cpu[worst]) + " > " + atol + " + " + rtol + "*|cpu|");
        }
    }

    /** Relative error bound of a sequential double sum of n non-negative terms (n·eps, at least 1e-12). */
    protected static double seqBound(long n) { return Math.max(1e-12, n * 0x1p-52); }

    /** |gpu − cpu| ≤ rtol·|cpu| for one double. */
    protected static void assertClose(String what, double cpu, double gpu, double rtol) {
        assertTrue(Math.abs(gpu - cpu) <= rtol * Math.max(1e-300, Math.abs(cpu)),
                what + ": gpu=" + gpu + " cpu=" + cpu);
    }

    /** The same float bits element by element (−0.0 and NaN payloads included). */
    protected static void assertBitsEqual(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) fail(what + " element " + i
                    + ": got " + got[i] + ", want " + want[i]);
        }
    }
}
