package dev.jprune.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * Simd.describe in this JVM (surefire and PIT add the Vector API module): the text names the path that runs and, on
 * the vector path, the float vector width the kernels use. The paths of other JVMs are in {@link SimdPathsTest}.
 */
class SimdTest {
    /** The width VectorKernels uses: the platform's preferred float species, capped at 512 bits. */
    private static final class PreferredWidth {
        static int bits() { return Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize()); }
    }

    @Test
    void describeNamesThePathThatRunsAndTheVectorWidth() {
        String d = Simd.describe();
        if (Simd.vectorApi()) {
            assertEquals("cpu kernels: Vector API (jdk.incubator.vector), " + PreferredWidth.bits()
                    + "-bit float vectors (-Djprune.vector=false selects the scalar kernels; same results)", d);
        } else {
            assertTrue(d.startsWith("cpu kernels: scalar, auto-vectorised by the JIT ("), d);
        }
    }
}
