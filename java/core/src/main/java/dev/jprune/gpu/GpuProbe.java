package dev.jprune.gpu;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;

/**
 * What of the GPU stack is usable here, probed once per JVM (cached) and never throwing.
 * <p>Order and care: the fatbin resource is looked up first (no native code). Then JCuda's driver binding is
 * loaded; on a machine without {@code libcuda.so.1} its class initialisation throws UnsatisfiedLinkError (later
 * uses NoClassDefFoundError), both caught as {@link LinkageError}. Only driver functions that every CUDA 12+ driver
 * exports are called ({@code cuInit}, {@code cuDriverGetVersion}, {@code cuDeviceGetCount}): calling a function the
 * installed libcuda lacks kills the JVM with exit 127, not an exception. JCublas and JCusparse are loaded
 * separately (their natives need libcublas.so.12 / libcusparse.so.12) and only reported: the kernels do not need
 * them. The driver must be at least as new as the CUDA toolkit that built the fatbin (recorded beside it in
 * {@link #CUDA_VERSION_RESOURCE}), else the kernels count as unavailable with "driver X.Y is older than the kernels'
 * CUDA Z.W". Every "unavailable" carries a reason.
 */
public final class GpuProbe {
    /** Class-path location of the kernels built by cmake/build-fatbin.sh. */
    public static final String FATBIN_RESOURCE = "/dev/jprune/native/jprune.fatbin";
    /** Beside the fatbin: the CUDA toolkit version (major.minor) that built it, written by cmake/build-fatbin.sh. */
    public static final String CUDA_VERSION_RESOURCE = "/dev/jprune/native/cuda-version.txt";
    /** The oldest driver API version the JCuda 12.6 binding is built for (12.0 = 12000). */
    static final int MIN_DRIVER_VERSION = 12000;

    private static volatile GpuProbe cached;

    private final boolean fatbinPresent;
    private final String fatbinReason;
    private final boolean driverAvailable;
    private final String driverReason;
    private final int driverVersion;
    private final int deviceCount;
    private final int kernelsCudaVersion;
    private final String versionReason;
    private final boolean jcublasAvailable;
    private final String jcublasReason;
    private final boolean jcusparseAvailable;
    private final String jcusparseReason;

    private GpuProbe() {
        boolean fb = GpuProbe.class.getResource(FATBIN_RESOURCE) != null;
        fatbinPresent = fb;
        fatbinReason = fb ? "present" : "no " + FATBIN_RESOURCE + " on the class path (the build found no nvcc)";

        boolean drv = false;
        String why;
        int version = 0, count = 0;
        try {
            NativeLibraries.loadDriver(); // JCuda's library from our verified private folder, not its own extraction
            int r = JCudaDriver.cuInit(0);
            if (r != CUresult.CUDA_SUCCESS) {
                why = "cuInit failed: " + Cu.name(r) + (r == CUresult.CUDA_ERROR_NO_DEVICE ? " (no CUDA device)" : "");
            } else {
                int[] v = new int[1];
                r = JCudaDriver.cuDriverGetVersion(v);
                version = v[0];
                if (r != CUresult.CUDA_SUCCESS) {
                    why = "cuDriverGetVersion failed: " + Cu.name(r);
                } else if (version < MIN_DRIVER_VERSION) {
                    why = "CUDA driver " + versionString(version) + " is older than "
                            + versionString(MIN_DRIVER_VERSION) + ", which JCuda 12.6 needs";
                } else {
                    int[] c = new int[1];
                    r = JCudaDriver.cuDeviceGetCount(c);
                    count = c[0];
                    if (r != CUresult.CUDA_SUCCESS) why = "cuDeviceGetCount failed: " + Cu.name(r);
                    else if (count == 0) why = "the CUDA driver sees no device";
                    else { drv = true; why = "CUDA driver " + versionString(version) + ", " + count + " device(s)"; }
                }
            }
        } catch (LinkageError e) {
            why = "JCuda's driver binding could not be loaded (is libcuda.so.1, the NVIDIA driver, installed?): "
                    + firstLine(e);
        } catch (RuntimeException e) {
            why = "CUDA driver probe failed: " + firstLine(e);
        }
        driverAvailable = drv;
        driverReason = why;
        driverVersion = version;
        deviceCount = count;
        kernelsCudaVersion = fb ? readKernelsCudaVersion() : 0;
        versionReason = fb && drv ? checkVersions(version, kernelsCudaVersion) : null;

        String[] cublas = loadClass("jcuda.jcublas.JCublas2", "libcublas.so.12");
        jcublasAvailable = cublas[0] == null;
        jcublasReason = jcublasAvailable ? "loaded" : cublas[0];
        String[] cusparse = loadClass("jcuda.jcusparse.JCusparse", "libcusparse.so.12");
        jcusparseAvailable = cusparse[0] == null;
        jcusparseReason = jcusparseAvailable ? "loaded" : cusparse[0];
    }

    /** The probe result for this JVM (computed on first call). Never throws. */
    public static GpuProbe get() {
        GpuProbe p = cached;
        if (p == null) {
            synchronized (GpuProbe.class) {
                p = cached;
                if (p == null) cached = p = new GpuProbe();
            }
        }
        return p;
    }

    /** [null] when the class initialised (its native library loaded), else [reason]. */
    private static String[] loadClass(String name, String lib) {
        try {
            NativeLibraries.initialize(name);
            return new String[] {null};
        } catch (LinkageError e) {
            return new String[] {name + " could not load its native library (needs " + lib + " on LD_LIBRARY_PATH): "
                    + firstLine(e)};
        } catch (ClassNotFoundException e) {
            return new String[] {name + " is not on the class path"};
        } catch (RuntimeException e) {
            return new String[] {name + " failed to initialise: " + firstLine(e)};
        }
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage();
        if (m == null) return e.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        return e.getClass().getSimpleName() + ": " + (m.length() > 300 ? m.substring(0, 300) + "..." : m);
    }

    static String versionString(int v) { return (v / 1000) + "." + (v % 1000) / 10; }

    /** "13.0" → 13000 (CUDA's encoding); 0 when {@code s} is not major.minor. */
    static int parseVersion(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*(\\d{1,3})\\.(\\d{1,2})\\s*").matcher(s);
        return m.matches() ? Integer.parseInt(m.group(1)) * 1000 + Integer.parseInt(m.group(2)) * 10 : 0;
    }

    /** The toolkit version recorded beside the fatbin (e.g. 13000), 0 when missing or unreadable. */
    private static int readKernelsCudaVersion() {
        try (InputStream in = GpuProbe.class.getResourceAsStream(CUDA_VERSION_RESOURCE)) {
            if (in == null) return 0;
            return parseVersion(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Null when a driver of API version {@code driver} can load kernels built by CUDA {@code kernels} (both encoded as
     * 13000 = 13.0), else why not. The fatbin's SASS and PTX come from that toolkit (PTX ISA 9.0 for CUDA 13.0), and an
     * older driver refuses the image in cuModuleLoadData; refusing here instead makes tests skip and {@code --device
     * auto} fall back with this reason. An unrecorded version (0) is refused too: it cannot be checked.
     */
    static String checkVersions(int driver, int kernels) {
        if (kernels <= 0) {
            return "the CUDA version that built the kernels is not recorded (no " + CUDA_VERSION_RESOURCE
                    + " beside the fatbin: rebuild with cmake/build-fatbin.sh)";
        }
        if (driver < kernels) {
            return "driver " + versionString(driver) + " is older than the kernels' CUDA " + versionString(kernels)
                    + " (update the NVIDIA driver, or build the kernels with an older CUDA toolkit)";
        }
        return null;
    }

    /** True when our kernels can run: a driver with at least one device, new enough for the fatbin in the jar. */
    public boolean available() { return driverAvailable && fatbinPresent && versionReason == null; }

    /** Why {@link #available()} is false, or a one-line summary when it is true. Never null or empty. */
    public String reason() {
        if (available()) return driverReason + "; fatbin present (CUDA " + versionString(kernelsCudaVersion) + ")";
        if (!driverAvailable && !fatbinPresent) return driverReason + "; and " + fatbinReason;
        if (versionReason != null) return versionReason;
        return driverAvailable ? fatbinReason : driverReason;
    }

    public boolean driverAvailable() { return driverAvailable; }
    public String driverReason() { return driverReason; }
    /** The driver API version (e.g. 13000 for 13.0), 0 when unknown. */
    public int driverVersion() { return driverVersion; }
    public int deviceCount() { return deviceCount; }
    /** The CUDA toolkit version that built the fatbin (e.g. 13000 for 13.0), 0 when unknown or absent. */
    public int kernelsCudaVersion() { return kernelsCudaVersion; }
    public boolean fatbinPresent() { return fatbinPresent; }
    public String fatbinReason() { return fatbinReason; }
    public boolean jcublasAvailable() { return jcublasAvailable; }
    public String jcublasReason() { return jcublasReason; }
    public boolean jcusparseAvailable() { return jcusparseAvailable; }
    public String jcusparseReason() { return jcusparseReason; }

    /** The fatbin's bytes from the class path. */
    static byte[] readFatbin() throws IOException {
        try (InputStream in = GpuProbe.class.getResourceAsStream(FATBIN_RESOURCE)) {
            if (in == null) throw new IOException("no " + FATBIN_RESOURCE + " on the class path");
            return in.readAllBytes();
        }
    }

    @Override
    public String toString() {
        return "GpuProbe[" + (available() ? "available" : "unavailable") + ": " + reason() + "]";
    }
}
