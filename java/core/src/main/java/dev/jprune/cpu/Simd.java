package dev.jprune.cpu;

/**
 * Which CPU kernel path runs: the Vector API kernels ({@code jdk.incubator.vector}, register-tiled) or the scalar
 * kernels that HotSpot C2 auto-vectorises. Both compute every output element with the same sequence of float
 * operations, so they give bit-identical results (tested); only the speed differs.
 * <p>The Vector API is an incubator module in Java 17: it is resolved only when the JVM is started with
 * {@code --add-modules jdk.incubator.vector}. Nobody has to add it: without it (or with
 * {@code -Djprune.vector=false}) the scalar kernels run. The choice is made once, when this class is initialised.
 */
public final class Simd {
    private Simd() {}

    private static final String MODULE = "jdk.incubator.vector";
    private static final boolean MODULE_PRESENT = ModuleLayer.boot().findModule(MODULE).isPresent();
    private static final boolean ENABLED = MODULE_PRESENT
            && !"false".equalsIgnoreCase(System.getProperty("jprune.vector", "true")) && VectorKernelsProbe.loads();

    /** True when the Vector API kernels run (module present, not disabled, and its classes load). */
    public static boolean vectorApi() { return ENABLED; }

    /** Float lanes of the Vector API kernels' vectors (16 with AVX-512, 8 with AVX2), 0 when they do not run. */
    static int vectorLanes() { return ENABLED ? VectorKernelsProbe.lanes() : 0; }

    /** True when {@code jdk.incubator.vector} is in the boot layer (whether or not it is used). */
    public static boolean vectorModulePresent() { return MODULE_PRESENT; }

    /**
     * One line for {@code doctor}: the kernel path, its vector width, and how to switch it, e.g.
     * "cpu kernels: Vector API (jdk.incubator.vector), 512-bit float vectors".
     */
    public static String describe() {
        if (ENABLED) {
            return "cpu kernels: Vector API (jdk.incubator.vector), " + VectorKernelsProbe.bits()
                    + "-bit float vectors (-Djprune.vector=false selects the scalar kernels; same results)";
        }
        String why = MODULE_PRESENT ? "disabled by -Djprune.vector=false" : "start java with --add-modules " + MODULE
                + " for the register-tiled kernels (same results, faster dense layers)";
        return "cpu kernels: scalar, auto-vectorised by the JIT (" + why + ")";
    }

    /**
     * Loads the vector shape only when asked, so no Vector API class is touched without the module; the kernels
     * themselves load (and warm up) at their first call.
     */
    private static final class VectorKernelsProbe {
        static boolean loads() {
            try {
                return VectorShape.LANES > 0;
            } catch (LinkageError e) {
                return false; // module resolved but unusable on this JVM: the scalar kernels run
            }
        }

        static int bits() { return VectorShape.LANES * 32; }

        static int lanes() { return VectorShape.LANES; }
    }
}
