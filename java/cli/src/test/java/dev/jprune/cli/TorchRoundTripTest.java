package dev.jprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jprune.testutil.ChildJvm;
import java.io.IOException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real PyTorch against the jprune command line (src/test/python/torch_roundtrip.py): state_dicts written by PyTorch are
 * pruned by jprune in the three layouts and load back into PyTorch with strict=True; the masks equal
 * torch.nn.utils.prune.global_unstructured with the same importance scores and a forward pass matches within 1e-5.
 * Needs a python3 that imports torch (Debian's python3-torch: .ci/run installs it). Without one it skips with the
 * reason, unless JPRUNE_REQUIRE_TORCH=1 (CI sets it), where it fails. JPRUNE_PYTHON names the interpreter to use.
 */
@Tag("torch")
class TorchRoundTripTest {
    private static final Path SCRIPT = Path.of("src", "test", "python", "torch_roundtrip.py");

    @Test
    void pytorchLoadsWhatJpruneWritesStrictlyInEveryLayout() throws Exception {
        String python = pythonWithTorch();
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target", "torch-test")).toAbsolutePath(),
                "rt");
        String jprune = json(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                        Main.class.getName()));
        Process p = new ProcessBuilder(python, SCRIPT.toAbsolutePath().toString(), "--jprune", jprune, "--work",
                work.toString()).redirectErrorStream(true).start();
        String out = ChildJvm.await(p, 600).output();
        System.out.println(out); // the script's "ok: ..." lines in the build log
        assertEquals(0, p.exitValue(), "torch_roundtrip.py failed:\n" + out);
    }

    /** The first of JPRUNE_PYTHON, python3, /usr/bin/python3 that imports torch; else skip (or fail in CI). */
    static String pythonWithTorch() throws InterruptedException {
        Set<String> candidates = new LinkedHashSet<>();
        String env = System.getenv("JPRUNE_PYTHON");
        if (env != null && !env.isBlank()) candidates.add(env);
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        List<String> tried = new ArrayList<>();
        for (String c : candidates) {
            try {
                Process p = new ProcessBuilder(c, "-c", "import torch, numpy; print(torch.__version__)")
                        .redirectErrorStream(true).start();
                String out = ChildJvm.await(p, 180).output().strip();
                if (p.exitValue() == 0) return c;
                String[] lines = out.split("\n");
                tried.add(c + ": " + lines[lines.length - 1]);
            } catch (IOException e) {
                tried.add(c + ": " + e.getMessage());
            }
        }
        String why = "no python3 with torch (apt-get install python3-torch): " + String.join("; ", tried);
        if ("1".equals(System.getenv("JPRUNE_REQUIRE_TORCH"))) fail("JPRUNE_REQUIRE_TORCH=1 but " + why);
        Assumptions.abort(why);
        return null;
    }

    private static String json(List<String> items) {
        StringBuilder sb = new StringBuilder("[");
        for (String s : items) {
            if (sb.length() > 1) sb.append(',');
            sb.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return sb.append(']').toString();
    }
}
