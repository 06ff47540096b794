package dev.jprune.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.testutil.ChildJvm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The three ways a JVM can start, each in a child JVM (Simd decides once, at class initialisation): without the
 * Vector API module the scalar kernels run and describe() says how to add it; with the module and
 * -Djprune.vector=false they run and it says they were disabled; with the module alone the Vector API kernels run.
 */
class SimdPathsTest {
    /** Prints what Simd decided, on one line after a marker (the JVM may warn about incubator modules first). */
    public static final class Probe {
        public static void main(String[] args) {
            System.out.println("SIMD|" + Simd.vectorModulePresent() + "|" + Simd.vectorApi() + "|" + Simd.describe());
        }
    }

    /** {module present, vector API used, describe()} of a child started with {@code jvmArgs}. */
    private static String[] probe(String... jvmArgs) throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of(jvmArgs), Map.of(), 120, Probe.class.getName());
        assertEquals(0, r.exitCode(), r.output());
        String line = r.output().lines().filter(l -> l.startsWith("SIMD|")).findFirst()
                .orElseThrow(() -> new AssertionError("no probe line in: " + r.output()));
        return line.substring(5).split("\\|", 3);
    }

    @Test
    void withoutTheModuleTheScalarKernelsRunAndDescribeSaysHowToAddIt() throws Exception {
        String[] p = probe();
        assertEquals("false", p[0]);
        assertEquals("false", p[1]);
        assertEquals("cpu kernels: scalar, auto-vectorised by the JIT (start java with --add-modules "
                + "jdk.incubator.vector for the register-tiled kernels (same results, faster dense layers))", p[2]);
    }

    @Test
    void withTheModuleDisabledByThePropertyTheScalarKernelsRun() throws Exception {
        String[] p = probe("--add-modules", "jdk.incubator.vector", "-Djprune.vector=false");
        assertEquals("true", p[0]);
        assertEquals("false", p[1]);
        assertEquals("cpu kernels: scalar, auto-vectorised by the JIT (disabled by -Djprune.vector=false)", p[2]);
    }

    @Test
    void withTheModuleTheVectorKernelsRunAndDescribeGivesTheirWidth() throws Exception {
        String[] p = probe("--add-modules", "jdk.incubator.vector");
        assertEquals("true", p[0]);
        assertEquals("true", p[1]);
        assertTrue(p[2].matches("cpu kernels: Vector API \\(jdk\\.incubator\\.vector\\), (64|128|256|512)-bit float "
                + "vectors \\(-Djprune\\.vector=false selects the scalar kernels; same results\\)"), p[2]);
    }
}
