package dev.jprune.prune;

import static dev.jprune.prune.CheckpointFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.io.CheckpointFiles;
import dev.jprune.io.DType;
import dev.jprune.io.TensorEntry;
import dev.jprune.util.Rng;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which checkpoint tensors are candidates, and the messages that explain a selection that goes wrong: the default
 * takes 2-D+ "*.weight" tensors only, an explicit include takes any shape, the first matching include is the one
 * named, and every message shows how many tensors there are with the first four names.
 */
class CheckpointCandidatesTest {
    @TempDir Path dir;

    private CheckpointFiles checkpoint(Object... nameThenEntry) throws Exception {
        return CheckpointFiles.open(write(dir.resolve("c-" + System.nanoTime() + ".safetensors"),
                tensors(nameThenEntry), Map.of()));
    }

    private static List<String> names(List<CheckpointFiles.Tensor> ts) {
        return ts.stream().map(CheckpointFiles.Tensor::name).toList();
    }

    private static String refused(CheckpointFiles f, List<String> include, List<String> exclude) {
        return assertThrows(IllegalArgumentException.class, () -> CheckpointCandidates.select(f, include, exclude))
                .getMessage();
    }

    @Test
    void theDefaultTakesMatricesAnIncludeTakesAnyShape() throws Exception {
        Rng rng = new Rng(1);
        CheckpointFiles f = checkpoint("a.weight", random(rng, DType.F32, 3, 2), "n.weight", random(rng, DType.F32, 5),
                "b.bias", random(rng, DType.F32, 3));
        assertEquals(List.of("a.weight"), names(CheckpointCandidates.select(f, List.of(), List.of())));
        assertEquals(List.of("a.weight", "n.weight"), names(CheckpointCandidates.select(f, List.of("*.weight"),
                List.of())), "an explicit include takes a 1-D tensor too");
        assertEquals(List.of("a.weight", "n.weight"), names(CheckpointCandidates.select(f, List.of("a.*", "*.weight"),
                List.of())), "a tensor two patterns match is selected once");
        String m = refused(f, List.of(), List.of("a.*"));
        assertEquals(f.path() + ": nothing to prune: no tensor named *.weight with 2 or more dimensions outside the"
                + " exclude patterns (3 tensors, e.g. a.weight, b.bias, n.weight); choose tensors with include"
                + " patterns", m);
        m = refused(checkpoint("n.weight", random(rng, DType.F32, 5)), List.of(), List.of());
        assertTrue(m.endsWith(": nothing to prune: no tensor named *.weight with 2 or more dimensions (1 tensors, e.g."
                + " n.weight); choose tensors with include patterns"), m);
        m = refused(f, List.of("*.bias"), List.of("b.*"));
        assertTrue(m.contains("no tensor matches the include patterns outside the exclude patterns"), m);
    }

    @Test
    void messagesNameThePatternAndShowTheFirstFourTensors() throws Exception {
        Rng rng = new Rng(2);
        TensorEntry ints = TensorEntry.raw(DType.I32, new byte[24], 3, 2);
        CheckpointFiles f = checkpoint("a.weight", random(rng, DType.F32, 3, 2), "b.weight", random(rng, DType.F32, 2,
                2), "c.weight", random(rng, DType.F32, 2, 2), "d.weight", random(rng, DType.F32, 2, 2), "e.weight",
                random(rng, DType.F32, 2, 2), "i.weight", ints);
        String m = refused(f, List.of("x*"), List.of("i.*"));
        assertEquals("include pattern 'x*' matches no tensor of " + f.path() + " (6 tensors, e.g. a.weight, b.weight,"
                + " c.weight, d.weight; '*' matches any characters, dots included)", m);
        m = refused(f, List.of(), List.of("i.*", "zz"));
        assertTrue(m.startsWith("exclude pattern 'zz' matches no tensor of "), m);
        m = refused(f, List.of(), List.of());
        assertTrue(m.contains("'i.weight' (I32[3, 2]) matches the default pattern '*.weight' but is not floating"),
                m);
        m = refused(f, List.of("i.*", "*"), List.of());
        assertTrue(m.contains("matches the include pattern 'i.*' but"), "the first include that matches: " + m);
        assertEquals(List.of("a.weight", "b.weight", "c.weight", "d.weight", "e.weight"),
                names(CheckpointCandidates.select(f, List.of(), List.of("i.*"))));
    }
}
