package dev.jprune.gpu;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The entry point {@link GpuOps} across its families: bad arguments are refused on the host before any launch, with
 * a message naming the family and op the caller called ("GpuOptimizers.sgdStep: ..."), and the context's pool hands
 * same-size buffers back. The families' GPU ≡ CPU tests are GpuElementwiseTest, GpuGemmTest, GpuLossesTest,
 * GpuOptimizersTest, GpuReductionsTest and GpuConvOpsTest. Skips without a GPU.
 */
@Tag("gpu")
class GpuOpsTest extends GpuTestBase {
    @Test
    void badArgumentsAreRejectedBeforeLaunch() {
        try (DeviceBuffer f = ctx.allocFloat(10); DeviceBuffer i = ctx.allocInt(10)) {
            assertThrows(IllegalArgumentException.class, () -> ops.elementwise().reluForward(f, f, 11));
            assertThrows(IllegalArgumentException.class, () -> ops.elementwise().reluForward(i, f, 5));
            assertThrows(IllegalArgumentException.class,
                    () -> ops.gemm().gemm(false, false, 3, 3, 3, 1f, f, 0, 3, f, 0, 3, 0f, f, 0, 2));
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdStep(f, f, null, null, 10, 0.1f, 0.9f, 0f, false, 1f, 0f));
        }
    }

    /**
     * An argument error names what the caller called, family object and op ("GpuGemm.gemm: ..."), in every family of
     * GpuOps and in GpuDataOps, not "GpuOps".
     */
    @Test
    void argumentErrorsNameTheFamilyAndTheOp() {
        try (DeviceBuffer f = ctx.allocFloat(10); DeviceBuffer i = ctx.allocInt(10)) {
            assertNamed("GpuElementwise.reluForward", () -> ops.elementwise().reluForward(f, f, 11));
            assertNamed("GpuGemm.gemm",
                    () -> ops.gemm().gemm(false, false, 3, 3, 3, 1f, f, 0, 3, f, 0, 3, 0f, f, 0, 2));
            assertNamed("GpuGemm.gemmBiasRelu", () -> ops.gemm().gemmBiasRelu(false, true, 2, 2, 2, f, 0, 2, f, 0, 2, f,
                    0, 2, i, true, false));
            assertNamed("GpuLosses.mse", () -> ops.losses().mse(f, f, 11, f));
            assertNamed("GpuOptimizers.sgdStep",
                    () -> ops.optimizers().sgdStep(f, f, null, null, 10, 0.1f, 0.9f, 0f, false, 1f, 0f));
            assertNamed("GpuReductions.sumSquares", () -> ops.reductions().sumSquares(f, 5, 6));
            assertNamed("GpuConvolution.conv2dForward",
                    () -> ops.convolution().conv2dForward(f, 1, 1, 3, 3, f, 0, 1, null, 1, 0, f));
            assertNamed("GpuConvolution.conv2dBackward",
                    () -> ops.convolution().conv2dBackward(f, 1, 1, 3, 3, i, 1, 1, 1, 0, f, null, f, null));
            assertNamed("GpuPooling.maxPoolForward", () -> ops.pooling().maxPoolForward(f, 1, 1, 3, 3, 2, 1, f, f));
            assertNamed("GpuDropout.dropoutForward", () -> ops.dropout().dropoutForward(f, 10, 1f, 0, 0, f, i));
            assertNamed("GpuDataOps.gatherInts", () -> new GpuDataOps(ctx).gatherInts(i, i, 0, f, 5));
        }
    }

    private static void assertNamed(String op, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, op);
        assertTrue(e.getMessage().startsWith(op + ": "), op + ": " + e.getMessage());
    }

    @Test
    void poolReusesAllocations() {
        try (DeviceBuffer a = ctx.allocFloat(1000)) { a.upload(new float[1000]); }
        long before = ctx.allocations();
        for (int i = 0; i < 10; i++) {
            try (DeviceBuffer a = ctx.allocFloat(1000)) { a.upload(new float[1000]); }
        }
        assertEquals(before, ctx.allocations(), "same-size buffers come from the pool");
    }
}
