package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three layouts a checkpoint is written in (docs/PYTORCH.md): the tensors each holds, and reading each back. */
class CheckpointLayoutTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmpdirExists() throws IOException {
        StBytes.ensureTmpdir();
    }

    /** Sequential(TinyDense(4 -> 3), TinyDense(3 -> 2)) with random values; 0.weight pruned at every third entry. */
    private static Sequential pruned(long seed) {
        Sequential m = new Sequential(new TinyDense(4, 3), new TinyDense(3, 2));
        Rng rng = new Rng(seed);
        for (Parameter p : m.parameters()) rng.fillUniform(p.value.data, -1f, 1f);
        Parameter w = m.namedParameters().get("0.weight");
        w.mask = new byte[w.size()];
        for (int i = 0; i < w.mask.length; i++) w.mask[i] = (byte) (i % 3 == 0 ? 0 : 1);
        w.applyMask();
        return m;
    }

    private static List<String> names(Path f) throws IOException {
        return List.copyOf(new TreeSet<>(SafeTensors.read(f).tensors().keySet()));
    }

    private static void assertSameModel(Sequential a, Sequential b, boolean masks) {
        for (String n : a.namedParameters().keySet()) {
            Parameter p = a.namedParameters().get(n), q = b.namedParameters().get(n);
            assertArrayEquals(p.value.data, q.value.data, n);
            assertArrayEquals(masks ? p.mask : null, q.mask, n + " mask");
        }
    }

    @Test
    void eachLayoutHoldsItsTensorsAndReadsBackAsTheSameModel() throws IOException {
        Sequential a = pruned(1);
        Path masked = dir.resolve("masked.safetensors"), torch = dir.resolve("torch.safetensors");
        Path plain = dir.resolve("plain.safetensors"), masks = dir.resolve("plain-masks.safetensors");
        Checkpoint.save(masked, a, Layout.MASKED, null, Map.of());
        Checkpoint.save(torch, a, Layout.TORCH_PRUNE, null, Map.of());
        Checkpoint.save(plain, a, Layout.PLAIN, masks, Map.of("model", "tiny"));
        assertEquals(List.of("0.bias", "0.weight", "0.weight_mask", "1.bias", "1.weight"), names(masked));
        assertEquals(List.of("0.bias", "0.weight_mask", "0.weight_orig", "1.bias", "1.weight"), names(torch));
        assertEquals(List.of("0.bias", "0.weight", "1.bias", "1.weight"), names(plain));
        assertEquals(List.of("0.weight_mask"), names(masks));
        assertEquals(DType.F32, SafeTensors.read(torch).get("0.weight_mask").dtype(), "the weight's dtype");
        assertEquals("torch-prune", SafeTensors.read(torch).metadata().get("layout"));
        assertEquals("tiny", SafeTensors.read(masks).metadata().get("model"));

        Object[][] cases = {{masked, null, Layout.MASKED, true}, {torch, null, Layout.TORCH_PRUNE, true},
                {plain, masks, Layout.PLAIN, true}, {plain, null, Layout.PLAIN, false}};
        for (Object[] c : cases) {
            Sequential b = pruned(9);
            Checkpoint.Loaded l = Checkpoint.load((Path) c[0], (Path) c[1], b);
            assertEquals(c[2], l.layout(), c[0] + " layout");
            assertEquals((boolean) c[3] ? 1 : 0, l.masks(), c[0] + " masks");
            assertSameModel(a, b, (boolean) c[3]);
        }
    }

    @Test
    void aModelWithoutMasksIsTheSameFileInEveryLayoutButTheRecord() throws IOException {
        Sequential a = new Sequential(new TinyDense(2, 2));
        for (Layout l : Layout.values()) {
            Path f = dir.resolve(l.cliName() + ".safetensors");
            Checkpoint.save(f, a, l, null, Map.of());
            assertEquals(List.of("0.bias", "0.weight"), names(f));
            assertEquals(Layout.PLAIN, Checkpoint.load(f, new Sequential(new TinyDense(2, 2))).layout());
        }
    }

    @Test
    void aMasksFileIsForPlainOnlyAndMustFitTheModel() throws IOException {
        Sequential a = pruned(2);
        Path f = dir.resolve("w.safetensors"), m = dir.resolve("m.safetensors");
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(f, a, Layout.MASKED, m, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(f, a, Layout.PLAIN, f, Map.of()));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "nothing written");
        }
        Checkpoint.save(f, a, Layout.PLAIN, m, Map.of());
        Path masked = dir.resolve("masked.safetensors");
        Checkpoint.save(masked, a, Layout.MASKED, null, Map.of());
        Sequential b = pruned(3);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(masked, m, b));
        assertTrue(e.getMessage().startsWith(m + ": mask '0.weight_mask' is also in " + masked), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> Checkpoint.load(f, f, b)); // weights given as the masks
        assertTrue(e.getMessage().startsWith(f + ": tensors that are not masks"), e.getMessage());
        // A masks file whose zeros are not the weights' zeros: the plain values must be 0 where the mask prunes.
        Sequential other = pruned(4);
        other.namedParameters().get("0.weight").mask[1] = 0;
        other.namedParameters().get("0.weight").applyMask();
        Path m2 = dir.resolve("m2.safetensors");
        Checkpoint.save(dir.resolve("w2.safetensors"), other, Layout.PLAIN, m2, Map.of());
        e = assertThrows(CheckpointException.class, () -> Checkpoint.load(f, m2, b));
        assertTrue(e.getMessage().contains("'0.weight' element 1") && e.getMessage().contains("its mask is 0"),
                e.getMessage());
    }
}
