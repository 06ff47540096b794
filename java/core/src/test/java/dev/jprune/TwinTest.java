package dev.jprune;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every fast CPU op has a reference twin and a test that pairs them (EJML's rule). A new fast kernel in
 * dev.jprune.cpu or dev.jprune.sparse without a twin, or a twin without a pairing test, fails here.
 */
class TwinTest {
    /** fast op → reference twin → the test class that compares them. */
    static final String[][] TWINS = {
            {"dev.jprune.cpu.Gemm", "dev.jprune.cpu.NaiveGemm", "dev.jprune.cpu.GemmTest"},
            {"dev.jprune.nn.Conv2d", "dev.jprune.cpu.NaiveConv2d", "dev.jprune.nn.Conv2dTest"},
            {"dev.jprune.nn.MaxPool2d", "dev.jprune.cpu.NaiveMaxPool2d", "dev.jprune.nn.MaxPool2dTest"},
            {"dev.jprune.sparse.Spmm", "dev.jprune.sparse.NaiveSpmm", "dev.jprune.sparse.SpmmTest"},
            {"dev.jprune.prune.GlobalSelector", "dev.jprune.prune.SelectionReference",
                    "dev.jprune.prune.SelectionTest"},
    };

    /** Classes of the kernel packages that are not fast ops, with the reason. */
    static final Map<String, String> NOT_FAST_OPS = Map.of(
            "dev.jprune.cpu.CpuKernels", "plain loops: they are the reference (and the GPU kernels' CPU twins)",
            "dev.jprune.cpu.CpuConvKernels",
            "plain loops: CPU twins of the GPU conv/pool/dropout kernels (GpuStaticTest pairs them)",
            "dev.jprune.cpu.CpuDataKernels", "plain loops: CPU twins of the GPU data kernels",
            "dev.jprune.cpu.Im2col", "data movement tested through Conv2d against NaiveConv2d");

    @Test
    void everyFastOpHasATwinAndAPairingTest() throws Exception {
        for (String[] t : TWINS) {
            Class.forName(t[0]);
            Class.forName(t[1]);
            String src = testSource(t[2]);
            String fast = simple(t[0]), ref = simple(t[1]);
            assertTrue(src.contains(fast) && src.contains(ref), t[2] + " must exercise both " + fast + " and " + ref);
        }
    }

    @Test
    void noKernelClassIsLeftWithoutATwin() throws Exception {
        Set<String> known = Stream.of(TWINS).flatMap(Stream::of).collect(Collectors.toSet());
        List<String> missing = new ArrayList<>();
        for (String pkg : List.of("dev.jprune.cpu", "dev.jprune.sparse")) {
            for (String cls : classesIn(pkg)) {
                if (cls.contains("$") || cls.endsWith("Test")) continue;
                String s = simple(cls);
                if (known.contains(cls) || NOT_FAST_OPS.containsKey(cls)) continue;
                if (s.startsWith("Naive")) {
                    missing.add(cls + " (a reference without a fast twin in TWINS)");
                    continue;
                }
                if (pkg.equals("dev.jprune.cpu")) missing.add(cls + " (a kernel without a reference twin)");
            }
        }
        assertTrue(missing.isEmpty(), "kernels without twins: " + missing);
    }

    static String simple(String fqcn) { return fqcn.substring(fqcn.lastIndexOf('.') + 1); }

    static String testSource(String fqcn) throws IOException {
        Path p = Path.of("src", "test", "java").resolve(fqcn.replace('.', '/') + ".java");
        assertTrue(Files.isRegularFile(p), "missing test " + p.toAbsolutePath());
        return Files.readString(p);
    }

    static List<String> classesIn(String pkg) throws IOException, URISyntaxException {
        URL u = TwinTest.class.getClassLoader().getResource(pkg.replace('.', '/'));
        assertNotNull(u, pkg);
        try (Stream<Path> s = Files.list(Path.of(u.toURI()))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class"))
                    .map(n -> pkg + "." + n.substring(0, n.length() - 6)).sorted().collect(Collectors.toList());
        }
    }
}
