package dev.jprune.prune;

import static dev.jprune.prune.CheckpointFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.io.DType;
import dev.jprune.io.Layout;
import dev.jprune.io.SafeTensorsException;
import dev.jprune.io.TensorEntry;
import dev.jprune.util.Rng;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of bad input is one exception whose message names the file and the tensor (or pattern) at fault, and no
 * output file is created or changed: an existing output keeps its bytes and no temporary file is left, also when the
 * fault is found while scoring (inside the writing pass).
 */
class CheckpointBadInputTest {
    @TempDir Path dir;
    Path w, out;
    byte[] previous;

    @BeforeEach
    void checkpointAndAnExistingOutput() throws IOException {
        Rng rng = new Rng(1);
        w = write(dir.resolve("w.safetensors"), tensors("a.weight", random(rng, DType.F32, 6, 5), "b.weight",
                random(rng, DType.F32, 4, 4), "steps", TensorEntry.raw(DType.I64, new byte[16], 2)), Map.of());
        out = dir.resolve("out.safetensors");
        previous = "an earlier output".getBytes();
        Files.write(out, previous);
    }

    /** Runs the builder's pruner expecting {@code type}, with every fragment in the message and the folder as before.
    * */
    private <T extends Exception> void refused(Class<T> type, Consumer<CheckpointPruner.Builder> setup,
            String... fragments)
            throws IOException {
        List<String> before = listing(dir);
        CheckpointPruner.Builder b = CheckpointPruner.builder().weights(w).out(out)
                .spec(PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0.5).build());
        setup.accept(b);
        T e = assertThrows(type, () -> b.build().run());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertEquals(before, listing(dir), "no file created or removed");
        assertArrayEquals(previous, Files.readAllBytes(out), "the existing output is unchanged");
    }

    private Path grads(Object... nameThenEntry) throws IOException {
        return write(dir.resolve("g-" + System.nanoTime() + ".safetensors"), tensors(nameThenEntry), Map.of());
    }

    private static PruneSpec taylor() {
        return PruneSpec.builder().criterion(Criterion.TAYLOR).sparsity(0.5).build();
    }

    @Test
    void gradientsWithOtherNamesOrShapes() throws IOException {
        Rng rng = new Rng(2);
        Path missing = grads("a.weight", random(rng, DType.F32, 6, 5));
        refused(IllegalArgumentException.class, b -> b.spec(taylor()).grads(missing), "no tensor 'b.weight'",
                missing.toString());
        Path shape = grads("a.weight", random(rng, DType.F32, 5, 6), "b.weight", random(rng, DType.F32, 4, 4));
        refused(IllegalArgumentException.class, b -> b.spec(taylor()).grads(shape), "'a.weight'", "[5, 6]", "[6, 5]");
        Path extra = grads("a.weight", random(rng, DType.F32, 6, 5), "b.weight", random(rng, DType.F32, 4, 4),
                "c.weight", random(rng, DType.F32, 2, 2));
        refused(IllegalArgumentException.class, b -> b.spec(taylor()).grads(extra), "'c.weight'", "does not have");
        Path ints = grads("a.weight", TensorEntry.raw(DType.I32, new byte[120], 6, 5), "b.weight", random(rng,
                DType.F32, 4, 4));
        refused(IllegalArgumentException.class, b -> b.spec(taylor()).grads(ints), "'a.weight'", "I32");
        Path scores = grads("a.weight", random(rng, DType.F32, 6, 5));
        refused(IllegalArgumentException.class, b -> b.scores(scores), "no tensor 'b.weight'");
    }

    @Test
    void patternsThatMatchNothingOrSelectIntegers() throws IOException {
        refused(IllegalArgumentException.class, b -> b.include("*.wieght"),
                "include pattern '*.wieght' matches no tensor");
        refused(IllegalArgumentException.class, b -> b.exclude("c.*"), "exclude pattern 'c.*' matches no tensor");
        refused(IllegalArgumentException.class, b -> b.include("*"), "'steps'", "I64", "not floating point");
        refused(IllegalArgumentException.class, b -> b.exclude("*.weight"), "nothing to prune");
    }

    @Test
    void nonFiniteScoresOrGradientsFoundWhileWriting() throws IOException {
        float[] s = new float[30];
        s[17] = Float.NaN;
        Path nan = grads("a.weight", f32(s, 6, 5), "b.weight", f32(new float[16], 4, 4));
        refused(IllegalArgumentException.class, b -> b.scores(nan), "'a.weight'", "NaN", "index 17");
        float[] inf = new float[16];
        inf[3] = Float.POSITIVE_INFINITY;
        Path infinite = grads("a.weight", f32(new float[30], 6, 5), "b.weight", f32(inf, 4, 4));
        refused(IllegalArgumentException.class, b -> b.scores(infinite), "'b.weight'", "Infinity", "index 3");
        refused(IllegalArgumentException.class, b ->
                b.scores(infinite).layout(Layout.PLAIN).masksOut(dir.resolve("m.safetensors")),
                "'b.weight'");
        Path nanGrad = grads("a.weight", f32(new float[30], 6, 5), "b.weight", f32(inf, 4, 4));
        refused(IllegalArgumentException.class, b -> b.spec(taylor()).grads(nanGrad), "'b.weight'", "gradient",
                "Infinity");
        refused(IllegalArgumentException.class, b ->
                b.scores(nan).spec(PruneSpec.builder().criterion(Criterion.MAGNITUDE)
                .granularity(Granularity.NM).build()), "'a.weight'", "NaN");
        refused(IllegalArgumentException.class, b ->
                b.scores(nan).spec(PruneSpec.builder().criterion(Criterion.MAGNITUDE)
                .threshold(0.1f).build()), "'a.weight'", "NaN");
    }

    /** Weights the scores do not read are still what the output holds: a non-finite one is refused too. */
    @Test
    void nonFiniteWeightsAreRefusedWhateverTheScores() throws IOException {
        float[] v = new float[30];
        v[29] = Float.NaN;
        w = write(dir.resolve("nan-weight.safetensors"), tensors("a.weight", f32(v, 6, 5), "b.weight",
                f32(new float[16], 4, 4)), Map.of());
        Path g = grads("a.weight", f32(new float[30], 6, 5), "b.weight", f32(new float[16], 4, 4));
        refused(IllegalArgumentException.class, b -> b.spec(PruneSpec.builder().criterion(Criterion.GRADIENT).build())
                .grads(g), "'a.weight'", "weight (NaN)", "index 29");
        refused(IllegalArgumentException.class, b -> b.scores(g).layout(Layout.TORCH_PRUNE), "'a.weight'", "weight");
        refused(IllegalArgumentException.class, b -> { }, "'a.weight'", "weight (NaN)");
    }

    @Test
    void shardsMissingOrTruncated() throws IOException {
        Path folder = dir.resolve("sharded");
        Files.createDirectories(folder);
        Rng rng = new Rng(4);
        write(folder.resolve("s1.safetensors"), tensors("a.weight", random(rng, DType.F32, 6, 5)), Map.of());
        Path s2 = write(folder.resolve("s2.safetensors"), tensors("b.weight", random(rng, DType.F32, 64, 64)),
                Map.of());
        Path index = folder.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\":{\"a.weight\":\"s1.safetensors\",\"b.weight\":\"s2.safetensors\","
                + "\"c.weight\":\"s3.safetensors\"}}");
        Path idxOut = dir.resolve("o").resolve("model.safetensors.index.json");
        refused(SafeTensorsException.class, b -> b.weights(index).out(idxOut), "shard 's3.safetensors'", "'c.weight'",
                "missing");
        Files.writeString(index, "{\"weight_map\":{\"a.weight\":\"s1.safetensors\",\"b.weight\":\"s2.safetensors\"}}");
        try (FileChannel ch = FileChannel.open(s2, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        refused(SafeTensorsException.class, b -> b.weights(index).out(idxOut), s2.toString(), "'b.weight'",
                "truncated");
        Files.writeString(index, "{\"weight_map\":{\"a.weight\":\"s1.safetensors\"}}");
        refused(IllegalArgumentException.class, b -> b.weights(index).out(dir.resolve("x.safetensors")), "sharded",
                ".json");
        Files.writeString(index,
                "{\"weight_map\":{\"a.weight\":\"s1.safetensors\",\"zzz.weight\":\"s1.safetensors\"}}");
        refused(SafeTensorsException.class, b -> b.weights(index).out(idxOut), "no tensor 'zzz.weight'");
        Files.writeString(index, "{\"weight_map\":{\"a.weight\":\"s1.safetensors\"}}");
        write(folder.resolve("s1.safetensors"), tensors("a.weight", random(rng, DType.F32, 6, 5), "extra.weight",
                random(rng, DType.F32, 2, 2)), Map.of());
        refused(SafeTensorsException.class, b -> b.weights(index).out(idxOut), "'extra.weight'", "does not list");
        Files.writeString(index, "{\"weight_map\":{\"a.weight\":\"../s1.safetensors\"}}");
        refused(SafeTensorsException.class, b -> b.weights(index).out(idxOut), "'a.weight'", "without folders");
        Files.writeString(index, "[1, 2]");
        refused(SafeTensorsException.class, b -> b.weights(index).out(idxOut), "weight_map");
    }

    /** Pruning in place is allowed; an output onto the gradients or scores, or masks onto the weights, is not. */
    @Test
    void anOutputOntoAnInputOtherThanTheCheckpointIsRefused() throws IOException {
        Path g = grads("a.weight", f32(new float[30], 6, 5), "b.weight", f32(new float[16], 4, 4));
        byte[] gradients = Files.readAllBytes(g), weights = Files.readAllBytes(w);
        Path link = dir.resolve("link-to-gradients.safetensors");
        Files.createSymbolicLink(link, g);
        refused(IllegalArgumentException.class, b -> b.spec(taylor()).grads(g).out(g), "the output", "gradients",
                "same file");
        refused(IllegalArgumentException.class, b -> b.spec(taylor()).grads(g).out(link), "gradients", "same file");
        refused(IllegalArgumentException.class, b -> b.scores(g).out(g), "scores", "same file");
        refused(IllegalArgumentException.class, b -> b.layout(Layout.PLAIN).masksOut(w), "the masks file",
                "checkpoint", "same file");
        refused(IllegalArgumentException.class, b -> b.scores(g).layout(Layout.PLAIN).masksOut(g), "the masks file",
                "scores");
        assertArrayEquals(gradients, Files.readAllBytes(g), "the gradients are unchanged");
        assertArrayEquals(weights, Files.readAllBytes(w), "the weights are unchanged");
        Path copy = write(dir.resolve("in-place.safetensors"), tensors("a.weight", random(new Rng(9), DType.F32, 6, 5)),
                Map.of());
        CheckpointPruner.builder().weights(copy).out(copy)
                .spec(PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0.5).build()).build().run();
        float kept = 0;
        for (float m : dev.jprune.io.SafeTensors.read(copy).get("a.weight_mask").toFloats()) kept += m;
        assertEquals(15, kept, "pruned in place");
    }

    /**
     * A sharded run creates its output folder with every missing parent; when it then fails, each folder it created
     * is removed (not just the deepest), and a folder that existed before, even an empty one, stays.
     */
    @Test
    void aFailedShardedRunRemovesEveryFolderItCreatedAndNoOther() throws IOException {
        Path folder = dir.resolve("sharded");
        Files.createDirectories(folder);
        float[] v = new float[30];
        v[4] = Float.NaN; // found while writing: after the output folders exist
        write(folder.resolve("s1.safetensors"), tensors("a.weight", f32(v, 6, 5)), Map.of());
        Path index = folder.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\":{\"a.weight\":\"s1.safetensors\"}}");
        Files.createDirectories(dir.resolve("kept"));
        List<String> before = folders(dir);
        for (Path idxOut : List.of(dir.resolve("a/b/c/model.safetensors.index.json"),
                dir.resolve("kept/x/y/model.safetensors.index.json"))) {
            CheckpointPruner p = CheckpointPruner.builder().weights(index).out(idxOut)
                    .spec(PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0.5).build()).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, p::run);
            assertTrue(e.getMessage().contains("'a.weight'"), e.getMessage());
            assertEquals(before, folders(dir), "the folders created for " + idxOut + " are all removed");
        }
    }

    private static List<String> folders(Path root) throws IOException {
        try (var s = Files.walk(root)) {
            return s.filter(Files::isDirectory).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void anAlreadyPrunedCheckpointOrInfeasibleBounds() throws IOException {
        Rng rng = new Rng(5);
        Path pruned = write(dir.resolve("pruned.safetensors"), tensors("a.weight", random(rng, DType.F32, 6, 5),
                "a.weight_mask", random(rng, DType.F32, 6, 5)), Map.of());
        refused(IllegalArgumentException.class, b -> b.weights(pruned), "'a.weight_mask'", "already pruned");
        refused(IllegalArgumentException.class, b -> b.spec(PruneSpec.builder().criterion(Criterion.MAGNITUDE)
                .densityBounds(0.6, 1).sparsity(0.9).build()), "infeasible");
        refused(IllegalArgumentException.class, b -> b.layout(Layout.PLAIN).masksOut(out), "two outputs", "same file");
    }

    @Test
    void contradictionsAreRefusedByTheBuilder() throws IOException {
        Path g = grads("a.weight", f32(new float[30], 6, 5), "b.weight", f32(new float[16], 4, 4));
        refused(IllegalArgumentException.class, b -> b.grads(g).scores(g), "give one");
        refused(IllegalArgumentException.class, b -> b.spec(taylor()), "reads gradients");
        refused(IllegalArgumentException.class, b -> b.grads(g), "reads no gradients");
        refused(IllegalArgumentException.class, b -> b.masksOut(dir.resolve("m.safetensors")), "plain layout");
        refused(IllegalArgumentException.class, b -> b.spec(PruneSpec.builder().criterion(Criterion.MAGNITUDE)
                .granularity(Granularity.STRUCTURED).build()), "needs a model");
        refused(IllegalArgumentException.class, b -> b.spec(PruneSpec.builder().criterion(Criterion.MAGNITUDE)
                .excludeLayers(0).build()), "exclude patterns");
    }
}
