package dev.jprune.gpu;

import jcuda.Pointer;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CUDA emulator (native/emu/) checks itself: the gpu-emulated test run is only worth something if the emulator
 * is really the device under test and if its checks fire. Each broken kernel of native/emu/selftest.cu must be
 * reported with the error a GPU (or compute-sanitizer) would give, and a healthy context must come back after it.
 * Runs only in the gpu-emulated surefire execution; elsewhere it skips with the reason.
 */
@Tag("gpu")
class EmulatorSelfTest {
    @BeforeEach
    void onlyOnTheEmulator() {
        assumeTrue(Boolean.getBoolean("jprune.gpu.emulated"), "runs only in the gpu-emulated test execution");
        String lib = System.getProperty("jprune.gpu.emulator.lib", "");
        assumeTrue(Files.isRegularFile(Path.of(lib)), "the emulator was not built (no g++?): " + lib + " is missing");
    }

    @Test
    void theDeviceUnderTestIsTheEmulator() {
        GpuProbe p = GpuProbe.get();
        // The library is there, so a skip here would silently test nothing: fail instead.
        assertTrue(p.available(), "the emulator is built but the GPU backend is unavailable: " + p.reason());
        try (GpuContext ctx = GpuContext.open(0, true)) {
            assertTrue(ctx.deviceName().contains("emulator"), ctx.deviceName());
            assertEquals(9, ctx.computeCapabilityMajor());
        }
    }

    /** Launches a self-test kernel with (buffer, ints...) arguments and returns the next synchronising call's result. */
    private static int launch(GpuContext ctx, String kernel, int grid, int block, DeviceBuffer buf, int... ints) {
        Pointer[] args = new Pointer[1 + ints.length];
        args[0] = Pointer.to(buf.ptr());
        for (int i = 0; i < ints.length; i++) args[1 + i] = Pointer.to(new int[] {ints[i]});
        int r = JCudaDriver.cuLaunchKernel(GpuInternals.function(ctx, kernel), grid, 1, 1, block, 1, 1, 0, ctx.stream(),
                Pointer.to(args), null);
        assertEquals(CUresult.CUDA_SUCCESS, r, "launch of " + kernel + ": " + Cu.name(r));
        return JCudaDriver.cuStreamSynchronize(ctx.stream());
    }

    @Test
    void outOfBoundsWriteIsAnIllegalAddress() {
        try (GpuContext ctx = GpuContext.open(0, false)) {
            DeviceBuffer y = ctx.allocFloat(64);  // 256 bytes: the allocation ends at a guard page
            assertEquals(CUresult.CUDA_SUCCESS, launch(ctx, "jp_emu_selftest_oob", 1, 256, y, 64), "in bounds");
            assertEquals(CUresult.CUDA_ERROR_ILLEGAL_ADDRESS, launch(ctx, "jp_emu_selftest_oob", 4, 256, y, 64 + 1024));
            // Sticky, as on a GPU: the context is unusable until released.
            GpuException e = assertThrows(GpuException.class, ctx::synchronize);
            assertTrue(e.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS"), e.getMessage());
        }
        try (GpuContext ctx = GpuContext.open(0, true)) {  // a fresh primary context works again
            DeviceBuffer y = ctx.allocFloat(64);
            assertEquals(CUresult.CUDA_SUCCESS, launch(ctx, "jp_emu_selftest_oob", 1, 256, y, 64));
            float[] h = y.toFloatArray();
            for (float v : h) assertEquals(1f, v);
        }
    }

    @Test
    void missingBarrierIsExposedByTheInterleaving() {
        try (GpuContext ctx = GpuContext.open(0, false)) {
            int blocks = 16;
            DeviceBuffer out = ctx.allocInt(blocks);
            assertEquals(CUresult.CUDA_SUCCESS, launch(ctx, "jp_emu_selftest_race", blocks, Kernels.THREADS, out));
            int[] sums = new int[blocks];
            out.download(sums);
            int wrong = 0;
            for (int s : sums) if (s != Kernels.THREADS) wrong++;
            // Thread 0 sums before the others wrote unless it happens to run last (1 in 256 per block).
            assertTrue(wrong >= blocks / 2, "only " + wrong + " of " + blocks + " racy block sums were wrong");
        }
    }

    @Test
    void exitedLaneInAShuffleMaskIsAnError() {
        try (GpuContext ctx = GpuContext.open(0, false)) {
            DeviceBuffer out = ctx.allocInt(64);
            assertEquals(CUresult.CUDA_ERROR_LAUNCH_FAILED, launch(ctx, "jp_emu_selftest_exited_lane", 1, 64, out));
        }
    }

    @Test
    void divergentBarrierDeadlockIsAnError() {
        try (GpuContext ctx = GpuContext.open(0, false)) {
            DeviceBuffer out = ctx.allocInt(64);
            assertEquals(CUresult.CUDA_ERROR_LAUNCH_FAILED, launch(ctx, "jp_emu_selftest_deadlock", 1, 64, out));
        }
    }

    @Test
    void newDeviceMemoryIsPoisoned() {
        try (GpuContext ctx = GpuContext.open(0, true)) {
            float[] h = ctx.allocFloat(7).toFloatArray();
            for (float v : h) assertEquals(0xffffffff, Float.floatToRawIntBits(v), "fresh device memory must read as NaN");
        }
    }

    @Test
    void outOfMemoryIsAClearError() {
        try (GpuContext ctx = GpuContext.open(0, true)) {
            long total = ctx.totalMemory();
            GpuOutOfMemoryException e = assertThrows(GpuOutOfMemoryException.class, () -> ctx.allocFloat(total / 4 + 1));
            assertTrue(e.getMessage().contains("out of memory"), e.getMessage());
            assertEquals(4 * (total / 4 + 1), e.requestedBytes());
            try (DeviceBuffer ok = ctx.allocFloat(1000)) {  // and the context still works
                ok.upload(new float[1000]);
            }
        }
    }

    @Test
    void launchConfigurationIsChecked() {
        try (GpuContext ctx = GpuContext.open(0, true)) {
            DeviceBuffer y = ctx.allocFloat(64);
            int r = JCudaDriver.cuLaunchKernel(GpuInternals.function(ctx, "jp_emu_selftest_oob"), 1, 1, 1, 2048, 1, 1, 0,
                    ctx.stream(), Pointer.to(Pointer.to(y.ptr()), Pointer.to(new int[] {64})), null);
            assertEquals(CUresult.CUDA_ERROR_INVALID_VALUE, r, "a 2048-thread block must be refused");
            GpuException e = assertThrows(GpuException.class, () -> GpuInternals.function(ctx, "jp_no_such_kernel"));
            assertTrue(e.getMessage().contains("CUDA_ERROR_NOT_FOUND"), e.getMessage());
        }
    }
}
