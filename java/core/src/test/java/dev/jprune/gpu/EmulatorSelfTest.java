package dev.jprune.gpu;

import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CUDA emulator (native/emu/) checks itself: the gpu-emulated test run is only worth something if the emulator
 * is really the device under test and if its checks fire. Each broken kernel of native/emu/selftest.cu must be
 * reported with the error a GPU (or compute-sanitizer) would give, and a healthy context must come back after it; the
 * host-side checks (contexts per thread, deferred asynchronous copies, counted waits, the reported driver version, the
 * reset of a faulted context) each have a test that makes them fire.
 * Runs only in the gpu-emulated surefire execution; elsewhere it skips with the reason.
 */
@Tag("gpu")
class EmulatorSelfTest {
    @BeforeEach
    void onlyOnTheEmulator() { assumeEmulator(); }

    /** Skips unless this JVM is the gpu-emulated test execution and the emulator library was built. */
    static void assumeEmulator() {
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

    /**
     * Launches a self-test kernel with (buffer, ints...) arguments and returns the next synchronising call's result.
     */
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
            assertEquals(CUresult.CUDA_SUCCESS, launch(ctx, "jp_emu_selftest_race", blocks, KernelLauncher.THREADS,
                    out));
            int[] sums = new int[blocks];
            out.download(sums);
            int wrong = 0;
            for (int s : sums) if (s != KernelLauncher.THREADS) wrong++;
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
            for (float v : h) assertEquals(0xffffffff, Float.floatToRawIntBits(v),
                    "fresh device memory must read as NaN");
        }
    }

    @Test
    void outOfMemoryIsAClearError() {
        try (GpuContext ctx = GpuContext.open(0, true)) {
            long total = ctx.totalMemory();
            GpuOutOfMemoryException e = assertThrows(GpuOutOfMemoryException.class,
                    () -> ctx.allocFloat(total / 4 + 1));
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
            int r = JCudaDriver.cuLaunchKernel(GpuInternals.function(ctx, "jp_emu_selftest_oob"),
                    1, 1, 1, 2048, 1, 1, 0,
                    ctx.stream(), Pointer.to(Pointer.to(y.ptr()), Pointer.to(new int[] {64})), null);
            assertEquals(CUresult.CUDA_ERROR_INVALID_VALUE, r, "a 2048-thread block must be refused");
            GpuException e = assertThrows(GpuException.class, () -> GpuInternals.function(ctx, "jp_no_such_kernel"));
            assertTrue(e.getMessage().contains("CUDA_ERROR_NOT_FOUND"), e.getMessage());
        }
    }

    /** The training backend opens its context through GpuContext.open(), so -Djprune.gpu.validate (set for this run)
     *  reaches it: a fault in a pipeline run is reported by the kernel that caused it. */
    @Test
    void theTrainingBackendHonoursValidateMode() {
        assumeTrue(Boolean.getBoolean("jprune.gpu.validate"), "jprune.gpu.validate is not set for this run");
        dev.jprune.models.ModelSpec m = dev.jprune.models.Models.build("mlp-128", 1);
        try (dev.jprune.gpu.train.GpuBackend b = new dev.jprune.gpu.train.GpuBackend(m,
                dev.jprune.train.TrainConfig.defaults(dev.jprune.models.ModelSpec.OptimizerKind.SGD, 0.1f, 1, 32, 1))) {
            assertTrue(b.describe().endsWith("(validate mode)"), b.describe());
        }
    }

    /** Host-blocking calls so far, as the emulator counts them (an emulator-only device attribute). */
    static int syncCount() {
        int[] v = new int[1];
        CUdevice d = new CUdevice();
        assertEquals(CUresult.CUDA_SUCCESS, JCudaDriver.cuDeviceGet(d, 0));
        assertEquals(CUresult.CUDA_SUCCESS, JCudaDriver.cuDeviceGetAttribute(v, 0x4a500001, d));
        return v[0];
    }

    @Test
    void waitsAreCounted() {
        try (GpuContext ctx = GpuContext.open(0, false)) {
            int before = syncCount();
            ctx.synchronize();
            assertEquals(before + 1, syncCount(), "cuStreamSynchronize is one wait");
            DeviceBuffer b = ctx.upload(new float[] {1f, 2f});  // page-locked staging, asynchronous: no wait
            assertEquals(before + 1, syncCount(), "an upload does not wait");
            assertArrayEquals(new float[] {1f, 2f}, b.toFloatArray());
            assertEquals(before + 2, syncCount(), "a download waits once");
        }
    }

    /**
     * Asynchronous copies run in stream order, not at the call: an upload's page-locked source read at the call would
     * hide a staging buffer reused too early, and a download read before its wait would hide a missing wait.
     */
    @Test
    void asynchronousCopiesRunLaterInStreamOrder() {
        try (GpuContext ctx = GpuContext.open(0, false)) {
            DeviceBuffer d = ctx.allocFloat(1);
            GpuInternals.bind(ctx);
            Pointer host = new Pointer();
            assertEquals(CUresult.CUDA_SUCCESS, JCudaDriver.cuMemAllocHost(host, 4));
            try {
                java.nio.FloatBuffer f = host.getByteBuffer(0, 4).order(java.nio.ByteOrder.nativeOrder())
                        .asFloatBuffer();
                f.put(0, 1f);
                assertEquals(CUresult.CUDA_SUCCESS, JCudaDriver.cuMemcpyHtoDAsync(d.ptr(), host, 4, ctx.stream()));
                f.put(0, 2f);  // before the copy ran: the device gets 2, as it may on a GPU
                ctx.synchronize();
                f.put(0, 0f);
                assertEquals(CUresult.CUDA_SUCCESS, JCudaDriver.cuMemcpyDtoHAsync(host, d.ptr(), 4, ctx.stream()));
                assertEquals(0f, f.get(0), "a download has not run before its wait");
                ctx.synchronize();
                assertEquals(2f, f.get(0), "the upload read its source when it ran");
            } finally {
                JCudaDriver.cuMemFreeHost(host);
            }
        }
    }

    /**
     * cuCtxSetCurrent is per thread: a driver call from a thread that has not made the context current is
     * CUDA_ERROR_INVALID_CONTEXT (so an entry point that forgets to bind fails here), while the library's entry
     * points bind first and work from any thread.
     */
    @Test
    void aCallFromAThreadWithoutTheContextIsCaught() throws Exception {
        try (GpuContext ctx = GpuContext.open(0, true)) {
            ctx.startMarks();
            ctx.allocFloat(3).upload(new float[] {1f, 2f, 3f});
            AtomicReference<Object> raw = new AtomicReference<>(), api = new AtomicReference<>();
            Thread t = new Thread(() -> {
                jcuda.driver.CUdeviceptr p = new jcuda.driver.CUdeviceptr();
                raw.set(JCudaDriver.cuMemAlloc(p, 64));
                try {
                    List<GpuContext.Phase> phases = ctx.stopMarks();  // binds first
                    float[] x = ctx.upload(new float[] {4f, 5f}).toFloatArray();
                    api.set(phases.size() + ":" + x[0] + "," + x[1]);
                } catch (RuntimeException e) {
                    api.set(e);
                }
            });
            t.start();
            t.join();
            assertEquals(CUresult.CUDA_ERROR_INVALID_CONTEXT, raw.get(), "a raw driver call without a current context");
            assertEquals("0:4.0,5.0", api.get(), "entry points bind their context on any thread");
        }
    }

    /**
     * A faulted primary context is destroyed at close even while another holder keeps a reference (the CUDA runtime
     * that cuSPARSE starts): the next context works. Releasing our reference alone would leave the fault sticky.
     */
    @Test
    void aFaultedContextIsResetAtCloseWhileTheRuntimeHoldsIt() {
        CUdevice dev = new CUdevice();
        assertEquals(CUresult.CUDA_SUCCESS, JCudaDriver.cuDeviceGet(dev, 0));
        CUcontext runtimeRef = new CUcontext();
        assertEquals(CUresult.CUDA_SUCCESS, JCudaDriver.cuDevicePrimaryCtxRetain(runtimeRef, dev));
        try {
            GpuContext faulty = GpuContext.open(0, false);
            DeviceBuffer y = faulty.allocFloat(64);
            int r = launch(faulty, "jp_emu_selftest_oob", 4, 256, y, 64 + 1024);
            assertEquals(CUresult.CUDA_ERROR_ILLEGAL_ADDRESS, r);
            faulty.close();
            assertTrue(faulty.faulted(), "close saw the fault");
            try (GpuContext ctx = GpuContext.open(0, true)) {
                DeviceBuffer z = ctx.allocFloat(64);
                assertEquals(CUresult.CUDA_SUCCESS, launch(ctx, "jp_emu_selftest_oob", 1, 256, z, 64));
                for (float v : z.toFloatArray()) assertEquals(1f, v);
            }
        } finally {
            JCudaDriver.cuDevicePrimaryCtxRelease(dev);
        }
    }

    /**
     * A driver older than the CUDA that built the kernels is refused by the probe with both versions in the reason, so
     * the GPU tests skip and --device auto falls back (a fresh JVM: the probe is cached per process).
     */
    @Test
    void aDriverOlderThanTheKernelsIsRefused() throws Exception {
        GpuProbe here = GpuProbe.get();
        assumeTrue(here.kernelsCudaVersion() > 10000, "no recorded kernel CUDA version");
        int older = (here.kernelsCudaVersion() / 1000 - 1) * 1000 + 80;  // 13.0 -> 12.8, a CUDA 12 driver
        String out = probeIn(String.valueOf(older));
        String want = "driver " + GpuProbe.versionString(older) + " is older than the kernels' CUDA "
                + GpuProbe.versionString(here.kernelsCudaVersion());
        assertTrue(out.startsWith("unavailable: ") && out.contains(want), out);
        String same = probeIn(GpuProbe.versionString(here.kernelsCudaVersion()));
        assertTrue(same.startsWith("available: "), "the same version is enough: " + same);
    }

    /** Runs ProbeMain in a child JVM whose emulator reports {@code driver}; returns its one line. */
    private static String probeIn(String driver) throws IOException, InterruptedException {
        Path tmp = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "probe");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", cp, ProbeMain.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("JPRUNE_CUDA_EMU_DRIVER_VERSION", driver);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);
        return out.lines().reduce((a, b) -> b).orElse("");
    }

    /** Prints the probe's verdict in one line (the child JVM of {@link #aDriverOlderThanTheKernelsIsRefused}). */
    static final class ProbeMain {
        public static void main(String[] args) {
            GpuProbe p = GpuProbe.get();
            System.out.println((p.available() ? "available: " : "unavailable: ") + p.reason());
        }
    }
}
