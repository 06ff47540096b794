package dev.jprune.gpu;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.nio.charset.StandardCharsets;

/**
 * One device, its primary context, one stream, the jprune kernels loaded from the jar's fatbin, and a buffer pool.
 * Everything CUDA that the GPU backend holds lives in an instance of this class (no static CUDA state), and
 * {@link #close()} releases all of it. Every kernel and copy goes to the one stream, in order.
 * <p>The stream is a blocking one (CU_STREAM_DEFAULT), so any synchronous copy on the legacy default stream is ordered
 * with the kernels on it too; {@link DeviceBuffer}'s own copies are asynchronous on this stream through page-locked
 * staging ({@link HostStaging}), and only downloads wait.
 * <p>Validate mode ({@code -Djprune.gpu.validate=true} or {@link #open(int, boolean)}) synchronises after every
 * launch, so an asynchronous kernel fault is reported by the launch that caused it, with its name and shapes.
 * <p>Driver calls are checked by their return codes; JCuda's global {@code setExceptionsEnabled} is left alone, so
 * the context changes no process-wide state. Not thread-safe: use one context per thread, or synchronise.
 */
public final class GpuContext implements AutoCloseable {
    private final int ordinal;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final CUmodule module = new CUmodule();
    private final boolean validate;
    private final String name;
    private final int ccMajor, ccMinor, multiprocessors;
    private final long totalMemory;
    private final BufferPool pool;
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final HostStaging staging = new HostStaging(this);
    private boolean closed;
    private boolean faulted;

    private GpuContext(int ordinal, boolean validate) {
        GpuProbe probe = GpuProbe.get();
        if (!probe.available()) throw new GpuException("GPU backend unavailable: " + probe.reason());
        if (ordinal < 0 || ordinal >= probe.deviceCount()) {
            throw new IllegalArgumentException("GpuContext: device " + ordinal + " does not exist ("
                    + probe.deviceCount() + " devices)");
        }
        this.ordinal = ordinal;
        this.validate = validate;
        Cu.check(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        byte[] nm = new byte[256];
        Cu.check(JCudaDriver.cuDeviceGetName(nm, nm.length, device), "cuDeviceGetName");
        int len = 0;
        while (len < nm.length && nm[len] != 0) len++;
        this.name = new String(nm, 0, len, StandardCharsets.US_ASCII);
        this.ccMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        this.ccMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        this.multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        long[] mem = new long[1];
        Cu.check(JCudaDriver.cuDeviceTotalMem(mem, device), "cuDeviceTotalMem");
        this.totalMemory = mem[0];

        Cu.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        boolean ok = false;
        try {
            bind();
            Cu.check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_DEFAULT), "cuStreamCreate");
            byte[] fatbin;
            try {
                fatbin = GpuProbe.readFatbin();
            } catch (IOException e) {
                throw new GpuException("GpuContext: cannot read the kernels: " + e.getMessage(), e);
            }
            int r = JCudaDriver.cuModuleLoadData(module, fatbin);
            Cu.check(r, "cuModuleLoadData(" + GpuProbe.FATBIN_RESOURCE + ", " + fatbin.length + " bytes, targets "
                    + safeTargets(fatbin) + ") on " + name + " (sm_" + ccMajor + ccMinor + ", driver "
                    + GpuProbe.versionString(probe.driverVersion()) + ")");
            this.pool = new BufferPool(this);
            ok = true;
        } finally {
            if (!ok) {
                JCudaDriver.cuDevicePrimaryCtxRelease(device);
            }
        }
    }

    private static String safeTargets(byte[] fatbin) {
        try { return FatbinInfo.targets(fatbin).toString(); } catch (RuntimeException e) { return "?"; }
    }

    /** Opens device 0; validate mode from the system property {@code jprune.gpu.validate}. */
    public static GpuContext open() { return open(0, Boolean.getBoolean("jprune.gpu.validate")); }

    /** Opens device {@code ordinal}. Throws {@link GpuException} with the probe's reason when no GPU is usable. */
    public static GpuContext open(int ordinal, boolean validate) { return new GpuContext(ordinal, validate); }

    private int attribute(int attr) {
        int[] v = new int[1];
        Cu.check(JCudaDriver.cuDeviceGetAttribute(v, attr, device), "cuDeviceGetAttribute(" + attr + ")");
        return v[0];
    }

    /** Makes this context current on the calling thread (cheap; every operation calls it). */
    void bind() {
        if (closed) throw new IllegalStateException("GpuContext used after close");
        Cu.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    CUstream stream() { return stream; }
    CUmodule module() { return module; }

    /** The kernel {@code name} of this context's module, looked up once and cached (the launchers' handles). */
    CUfunction function(String name) {
        CUfunction f = functions.get(name);
        if (f == null) {
            f = new CUfunction();
            Cu.check(JCudaDriver.cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + name + ")");
            functions.put(name, f);
        }
        return f;
    }
    BufferPool pool() { return pool; }
    HostStaging staging() { return staging; }
    boolean isClosed() { return closed; }

    public boolean validate() { return validate; }
    public int ordinal() { return ordinal; }
    public String deviceName() { return name; }
    public int computeCapabilityMajor() { return ccMajor; }
    public int computeCapabilityMinor() { return ccMinor; }
    public int multiprocessors() { return multiprocessors; }

    /**
     * Which FP32 GEMM kernel {@link GpuGemm#gemm} uses: chosen per call (AUTO), 128x128 tiles, or 32x32 tiles +
     * split-K.
     */
    public enum GemmKernel { AUTO, LARGE, SMALL }

    private GemmKernel gemmKernel = GemmKernel.AUTO;
    private int gemmSplits;

    /**
     * Forces the FP32 GEMM kernel of this context (tests and benchmarks compare them): LARGE = 128x128 tiles; SMALL =
     * 32x32 tiles with {@code splits} K-splits (0: the automatic count); AUTO (the default) takes the small tiles
     * when the large ones would leave SMs without a block.
     */
    public void setGemmKernel(GemmKernel kernel, int splits) {
        if (kernel == null) throw new IllegalArgumentException("setGemmKernel: null kernel");
        if (splits < 0 || splits > 65535) throw new IllegalArgumentException("setGemmKernel: splits = " + splits
                + " not in [0, 65535]");
        this.gemmKernel = kernel;
        this.gemmSplits = splits;
    }

    public GemmKernel gemmKernel() { return gemmKernel; }
    public int gemmSplits() { return gemmSplits; }
    public long totalMemory() { return totalMemory; }
    /** Bytes held by live buffers of this context's pool. */
    public long bytesInUse() { return pool.bytesInUse(); }
    /** Bytes the pool keeps for reuse. */
    public long bytesCached() { return pool.bytesCached(); }
    /** cuMemAlloc calls so far (after warm-up this stops growing when shapes repeat). */
    public long allocations() { return pool.allocations(); }

    /** Free and total device memory in bytes, as the driver reports them now. */
    public long[] memoryInfo() {
        bind();
        long[] f = new long[1], t = new long[1];
        Cu.check(JCudaDriver.cuMemGetInfo(f, t), "cuMemGetInfo");
        return new long[] {f[0], t[0]};
    }

    public DeviceBuffer allocFloat(long n) { bind(); return new DeviceBuffer(this, DeviceBuffer.Type.FLOAT, n); }
    public DeviceBuffer allocInt(long n) { bind(); return new DeviceBuffer(this, DeviceBuffer.Type.INT, n); }
    public DeviceBuffer allocBytes(long n) { bind(); return new DeviceBuffer(this, DeviceBuffer.Type.BYTE, n); }
    public DeviceBuffer allocDouble(long n) { bind(); return new DeviceBuffer(this, DeviceBuffer.Type.DOUBLE, n); }
    public DeviceBuffer allocLong(long n) { bind(); return new DeviceBuffer(this, DeviceBuffer.Type.LONG, n); }

    /** A new FLOAT buffer holding a copy of {@code a}. */
    public DeviceBuffer upload(float[] a) { return allocFloat(a.length).upload(a); }
    public DeviceBuffer upload(int[] a) { return allocInt(a.length).upload(a); }
    public DeviceBuffer upload(byte[] a) { return allocBytes(a.length).upload(a); }
    public DeviceBuffer upload(long[] a) { return allocLong(a.length).upload(a); }

    /**
     * Copies several device buffers to host arrays with ONE wait for the stream (e.g. an epoch's per-step losses,
     * correct counts and bad-label rows). Modifies the transfers' host arrays.
     */
    public void download(DeviceBuffer.Transfer... transfers) {
        bind();
        HostStaging.Download[] d = new HostStaging.Download[transfers.length];
        for (int i = 0; i < d.length; i++) {
            if (transfers[i].source.context() != this) {
                throw new IllegalArgumentException("GpuContext.download: a buffer of another context");
            }
            d[i] = transfers[i].download;
        }
        staging.download(d);
    }

    /** Waits for all work queued on this context's stream. */
    public void synchronize() {
        bind();
        Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /** Frees the pool's cached allocations (live buffers stay). */
    public void trimPool() { bind(); pool.trim(); }

    /**
     * Device time of {@code work} in milliseconds, measured with CUDA events recorded on the stream around it
     * (the host-side cost of queuing is not included unless the queue drains).
     */
    public float timeMillis(Runnable work) {
        bind();
        CUevent a = new CUevent(), b = new CUevent();
        Cu.check(JCudaDriver.cuEventCreate(a, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        try {
            Cu.check(JCudaDriver.cuEventCreate(b, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
            try {
                Cu.check(JCudaDriver.cuEventRecord(a, stream), "cuEventRecord");
                work.run();
                Cu.check(JCudaDriver.cuEventRecord(b, stream), "cuEventRecord");
                Cu.check(JCudaDriver.cuEventSynchronize(b), "cuEventSynchronize");
                float[] ms = new float[1];
                Cu.check(JCudaDriver.cuEventElapsedTime(ms, a, b), "cuEventElapsedTime");
                return ms[0];
            } finally {
                JCudaDriver.cuEventDestroy(b);
            }
        } finally {
            JCudaDriver.cuEventDestroy(a);
        }
    }

    // Phase marks for benchmarks (null unless recording): one event per mark on the stream.
    private List<CUevent> markEvents;
    private List<String> markNames;

    /** One phase of a {@link #stopMarks} profile: the name of the mark that ends it and the device time since the
     *  previous mark. */
    public record Phase(String name, float millis) {}

    /**
     * Starts recording phase marks: ops that mark their phases (the pruning selection: tables uploaded, selecting
     * passes, writing passes, results downloaded) record a CUDA event on the stream at each, so a benchmark can tell
     * kernel time from the step's host round trips. Off by default (a mark is then one null check). Restarting
     * discards marks not yet collected.
     */
    public void startMarks() {
        stopMarks();
        markEvents = new ArrayList<>();
        markNames = new ArrayList<>();
        mark("start");
    }

    /** Stops recording and returns the phases in order (synchronises); empty when not recording. */
    public List<Phase> stopMarks() {
        if (markEvents == null) return List.of();
        bind();
        List<CUevent> ev = markEvents;
        List<String> names = markNames;
        markEvents = null;
        markNames = null;
        List<Phase> out = new ArrayList<>();
        try {
            if (!ev.isEmpty()) Cu.check(JCudaDriver.cuEventSynchronize(ev.get(ev.size() - 1)), "cuEventSynchronize");
            float[] ms = new float[1];
            for (int i = 1; i < ev.size(); i++) {
                Cu.check(JCudaDriver.cuEventElapsedTime(ms, ev.get(i - 1), ev.get(i)), "cuEventElapsedTime");
                out.add(new Phase(names.get(i), ms[0]));
            }
        } finally {
            for (CUevent e : ev) JCudaDriver.cuEventDestroy(e);
        }
        return out;
    }

    /** Records a phase mark when {@link #startMarks} is active. */
    void mark(String name) {
        if (markEvents == null) return;
        bind();
        CUevent e = new CUevent();
        Cu.check(JCudaDriver.cuEventCreate(e, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        markEvents.add(e);
        markNames.add(name);
        Cu.check(JCudaDriver.cuEventRecord(e, stream), "cuEventRecord");
    }

    /**
     * Synchronises, frees all device memory of this context (live buffers too), unloads the kernels and releases
     * the primary context. Idempotent. Errors at close are not thrown: the first one is the one that matters.
     * <p>After a fault (a kernel error is sticky: every later call of the context returns it) the primary context is
     * also RESET: releasing our reference alone does not destroy it while another holder keeps one — the CUDA runtime
     * that cuSPARSE started does — and the next {@link #open} would get the same dead context. The reset destroys it
     * for every holder, so one faulting test cannot fail every test after it in the same JVM.
     */
    @Override
    public void close() {
        if (closed) return;
        try {
            JCudaDriver.cuCtxSetCurrent(context);
            int r = JCudaDriver.cuStreamSynchronize(stream);
            if (r != jcuda.driver.CUresult.CUDA_SUCCESS) faulted = true;
            staging.close();
            pool.freeAll();
            JCudaDriver.cuModuleUnload(module);
            JCudaDriver.cuStreamDestroy(stream);
        } finally {
            closed = true;
            if (faulted) JCudaDriver.cuDevicePrimaryCtxReset(device);
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }
    }

    /** True once {@link #close} found the context faulted (and reset it). */
    public boolean faulted() { return faulted; }

    @Override
    public String toString() {
        return "GpuContext[" + ordinal + ": " + name + ", sm_" + ccMajor + ccMinor
                + (validate ? ", validate" : "") + "]";
    }
}
