package dev.jprune.gpu;

import dev.jprune.cpu.CpuKernels;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.jprune.testutil.TestArrays.nan;
import static dev.jprune.testutil.TestArrays.random;
import static org.junit.jupiter.api.Assertions.*;

/**
 * GPU ≡ CPU for {@link GpuElementwise}: bias add (+ ReLU), ReLU forward and backward, scale, clamp and fill match
 * their CpuKernels twins bit for bit at 1, 7, 129 rows and columns and the {@link #SIZES} lengths, outputs poisoned
 * with NaN first (an element a kernel fails to write stays NaN and fails the comparison). Skips without a GPU.
 */
@Tag("gpu")
class GpuElementwiseTest extends GpuTestBase {
    @Test
    void elementwise() {
        Rng r = new Rng(1);
        for (int rows : new int[] {1, 7, 129}) {
            for (int cols : new int[] {1, 7, 129, 784}) {
                int n = rows * cols;
                float[] y = random(r, n, -1, 1), bias = random(r, cols, -1, 1);
                try (DeviceBuffer dy = ctx.upload(y); DeviceBuffer db = ctx.upload(bias)) {
                    ops.elementwise().biasAdd(dy, db, rows, cols);
                    float[] cpu = y.clone();
                    CpuKernels.biasAdd(cpu, bias, rows, cols);
                    assertClose("biasAdd " + rows + "x" + cols, cpu, dy.toFloatArray(), 0, 0);

                    dy.upload(y);
                    ops.elementwise().biasRelu(dy, db, rows, cols);
                    CpuKernels.reluForward(cpu, cpu, n);
                    assertClose("biasRelu " + rows + "x" + cols, cpu, dy.toFloatArray(), 0, 0);
                }
            }
        }
        for (int n : SIZES) {
            float[] x = random(r, n, -1, 1), d = random(r, n, -2, 2);
            try (DeviceBuffer dx = ctx.upload(x); DeviceBuffer dd = ctx.upload(d);
                 DeviceBuffer out = ctx.upload(nan(n))) {
                float[] cpu = nan(n);
                CpuKernels.reluForward(x, cpu, n);
                ops.elementwise().reluForward(dx, out, n);
                assertClose("reluForward n=" + n, cpu, out.toFloatArray(), 0, 0);

                out.upload(nan(n));
                cpu = nan(n);
                CpuKernels.reluBackward(x, d, cpu, n);
                ops.elementwise().reluBackward(dx, dd, out, n);
                assertClose("reluBackward n=" + n, cpu, out.toFloatArray(), 0, 0);

                cpu = d.clone();
                CpuKernels.scaleInPlace(cpu, n, 0.37f);
                ops.elementwise().scaleInPlace(dd, n, 0.37f);
                assertClose("scaleInPlace n=" + n, cpu, dd.toFloatArray(), 0, 0);

                CpuKernels.clampInPlace(cpu, n, 0.25f);
                ops.elementwise().clampInPlace(dd, n, 0.25f);
                assertClose("clampInPlace n=" + n, cpu, dd.toFloatArray(), 0, 0);

                Arrays.fill(cpu, 3.5f);
                ops.elementwise().fill(dd, n, 3.5f);
                assertClose("fill n=" + n, cpu, dd.toFloatArray(), 0, 0);
            }
        }
    }
}
