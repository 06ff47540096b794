package dev.jprune.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jprune.testutil.ChildJvm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kernel class sees Simd's decision whichever class a JVM touches first. Regression: the Vector API kernels'
 * warm-up (run inside Simd's probe) initialised SparseKernels, whose flag then read Simd before it had decided, so
 * after {@code Simd.describe()} came first the lane-block kernel silently ran scalar with the Vector API present.
 */
class SimdInitOrderTest {
    /** Touches one class first (args[0]), then prints every flag that derives from Simd's decision. */
    public static final class Probe {
        public static void main(String[] args) {
            switch (args[0]) {
                case "simd": Simd.describe(); break;
                case "gemm": Gemm.padded(1); break;
                case "sparse": SparseKernels.lanesStride(1); break;
                case "epilogue": Epilogue.biasRelu(new float[1], 0, new float[1], 0, 1, 0f, true); break;
                default: throw new IllegalArgumentException(args[0]);
            }
            boolean wide = Simd.vectorApi() && VectorShape.LANES >= 8;
            System.out.println("FLAGS|" + Simd.vectorApi() + "|" + Gemm.VECTOR + "|" + SparseKernels.VECTOR_LANES
                    + "|" + wide + "|" + SparseKernels.lanesStride(1) + "|" + (wide ? VectorShape.LANES : 8));
        }
    }

    @ParameterizedTest(name = "{0} first")
    @ValueSource(strings = {"simd", "gemm", "sparse", "epilogue"})
    void everyKernelClassFollowsSimdWhicheverIsTouchedFirst(String first) throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("--add-modules", "jdk.incubator.vector"), Map.of(), 120,
                Probe.class.getName(), first);
        assertEquals(0, r.exitCode(), r.output());
        String[] f = r.output().lines().filter(l -> l.startsWith("FLAGS|")).findFirst()
                .orElseThrow(() -> new AssertionError("no flags line in: " + r.output())).substring(6).split("\\|");
        assertEquals("true", f[0], "the module is present, so the Vector API kernels run");
        assertEquals(f[0], f[1], "Gemm.VECTOR");
        assertEquals(f[3], f[2], "SparseKernels.VECTOR_LANES");
        assertEquals(f[5], f[4], "lane block");
    }
}
