package dev.jprune.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.io.Checkpoint;
import dev.jprune.io.SafeTensorFile;
import dev.jprune.io.SafeTensors;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CliTest {
    static Path dir;

    @BeforeAll
    static void tmp() throws Exception {
        Path base = Path.of("target", "cli-test");
        Files.createDirectories(base);
        dir = Files.createTempDirectory(base.toAbsolutePath(), "cli");
    }

    record Run(int code, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** PyTorch's nn.Sequential(Linear(784,300), ReLU(), Linear(300,100), ReLU(), Linear(100,10)) state_dict. */
    @Test
    void lenetNamesAndShapesArePyTorchs() {
        ModelSpec m = Models.build("lenet-300-100", 1);
        Map<String, Parameter> p = m.net().namedParameters();
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"),
                new ArrayList<>(p.keySet()));
        assertArrayEquals(new int[] {300, 784}, p.get("0.weight").value.shape());
        assertArrayEquals(new int[] {100, 300}, p.get("2.weight").value.shape());
        assertArrayEquals(new int[] {10}, p.get("4.bias").value.shape());
    }

    /**
     * prune --weights: global magnitude at 0.9 keeps exactly the weights PyTorch's global_unstructured(L1Unstructured,
     * amount=0.9) keeps on tie-free weights: it prunes round(0.9·N) smallest |w| over all weight tensors. The reference
     * here sorts all |w| and is independent of the radix selection.
     */
    @Test
    void pruneWeightsMatchesGlobalL1UnstructuredSemantics() throws Exception {
        ModelSpec m = Models.build("lenet-300-100", 42);
        Path in = dir.resolve("in.safetensors"), out = dir.resolve("out.safetensors");
        Checkpoint.save(in, m.net());
        Run r = run("prune", "--weights", in.toString(), "--model", "lenet-300-100", "--criterion", "magnitude",
                "--scope", "global", "--sparsity", "0.9", "--out", out.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        SafeTensorFile f = SafeTensors.read(out);
        List<Float> all = new ArrayList<>();
        for (String n : List.of("0.weight", "2.weight", "4.weight"))
            for (float v : m.net().namedParameters().get(n).value.data) all.add(Math.abs(v));
        float[] sorted = new float[all.size()];
        for (int i = 0; i < sorted.length; i++) sorted[i] = all.get(i);
        Arrays.sort(sorted);
        long pruned = Math.round(0.9 * sorted.length);
        float threshold = sorted[(int) pruned]; // smallest kept |w| (no ties among random floats here)
        assertNotEquals(sorted[(int) pruned - 1], threshold, "test weights must be tie-free at the boundary");
        long kept = 0;
        for (String n : List.of("0.weight", "2.weight", "4.weight")) {
            float[] w = m.net().namedParameters().get(n).value.data;
            float[] mask = f.get(n + "_mask").toFloats();
            float[] outW = f.get(n).toFloats();
            for (int i = 0; i < w.length; i++) {
                float want = Math.abs(w[i]) >= threshold ? 1f : 0f;
                assertEquals(want, mask[i], n + " mask at " + i);
                assertEquals(want == 1f ? w[i] : 0f, outW[i], n + " weight at " + i);
                kept += (long) mask[i];
            }
        }
        assertEquals(sorted.length - pruned, kept);
        assertArrayEquals(m.net().namedParameters().get("0.bias").value.data, f.get("0.bias").toFloats(),
                "biases untouched");
        assertNull(f.get("0.bias_mask"));
        // The pruned file loads back into a model, masks included, and info/export can read it.
        ModelSpec back = Models.build("lenet-300-100", 0);
        Checkpoint.load(out, back.net());
        assertEquals(sorted.length - pruned, back.net().parameters().stream().filter(p -> p.mask != null)
                .mapToLong(Parameter::nonzeroMaskCount).sum());
        Run info = run("info", "--weights", out.toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("0.weight_mask"), info.out());
        Path csr = dir.resolve("csr.safetensors");
        Run export = run("export", "--model", "lenet-300-100", "--weights", out.toString(), "--out", csr.toString());
        assertEquals(0, export.code(), export.err());
        assertTrue(export.out().toLowerCase().contains("nonzero"), export.out());
        // The CSR arrays rebuild exactly the pruned dense weights.
        SafeTensorFile c = SafeTensors.read(csr);
        for (String n : List.of("0.weight", "2.weight", "4.weight")) {
            float[] dense = f.get(n).toFloats();
            int rows = f.get(n).shape()[0], cols = dense.length / rows;
            float[] crow = c.get(n + ".crow_indices").toFloats(), col = c.get(n + ".col_indices").toFloats(),
                    val = c.get(n + ".values").toFloats();
            float[] rebuilt = new float[dense.length];
            for (int row = 0; row < rows; row++) for (int k = (int) crow[row]; k < (int) crow[row + 1]; k++)
                rebuilt[row * cols + (int) col[k]] = val[k];
            assertArrayEquals(dense, rebuilt, n);
        }
    }

    @Test
    void pruneWeightsWithAGradientCriterionScoresOnData() throws Exception {
        ModelSpec m = Models.build("lenet-300-100", 43);
        Path in = dir.resolve("in-taylor.safetensors"), out = dir.resolve("out-taylor.safetensors");
        Checkpoint.save(in, m.net());
        Run r = run("prune", "--weights", in.toString(), "--model", "lenet-300-100", "--criterion", "taylor",
                "--sparsity", "0.8", "--data", "embedded", "--train-limit", "512", "--batch", "64",
                "--score-batches", "4", "--out", out.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("accumulated over 4 batches"), r.err());
        ModelSpec back = Models.build("lenet-300-100", 0);
        Checkpoint.load(out, back.net());
        long kept = back.net().parameters().stream().filter(p -> p.mask != null)
                .mapToLong(Parameter::nonzeroMaskCount).sum();
        long total = 784 * 300 + 300 * 100 + 100 * 10;
        assertEquals(total - Math.round(0.8 * total), kept);
    }

    @Test
    void badOptionsGetOneClearLineAndNonZeroExit() throws Exception {
        for (String[] args : List.of(
                new String[] {"train", "--epochs", "many"},
                new String[] {"train", "--model", "resnet-9000", "--epochs", "0"},
                new String[] {"train", "--optimizer", "rmsprop", "--epochs", "0"},
                new String[] {"prune", "--weights", dir.resolve("missing.safetensors").toString(), "--out",
                        dir.resolve("x.safetensors").toString()},
                new String[] {"prune", "--sparsity", "1.5", "--epochs", "0"},
                // infeasible with the density bounds: refused before the dense training of 5 epochs
                new String[] {"prune", "--sparsity", "0.5,0.99", "--min-density", "0.05", "--epochs", "5",
                        "--out-dir", dir.resolve("never").toString()},
                new String[] {"train", "--device", "tpu", "--epochs", "0"},
                new String[] {"train", "--data", dir.resolve("nothing-here").toString(), "--epochs", "0"},
                new String[] {"frobnicate"})) {
            Run r = run(args);
            assertNotEquals(0, r.code(), String.join(" ", args));
            String err = r.err().strip();
            assertTrue(err.startsWith("error: "), String.join(" ", args) + " -> " + err);
            assertEquals(1, err.lines().count(), "one line for " + String.join(" ", args) + ":\n" + err);
            assertFalse(err.contains("Exception"), err);
        }
        assertFalse(Files.exists(dir.resolve("never")), "an infeasible sweep wrote nothing");
    }

    /**
     * CIFAR-10 binary batches in a folder (generated: 1 label byte + 3072 pixel bytes per record) train cifar-cnn-b
     * end to end.
     */
    @Test
    void trainsACifarModelFromACifarFolder() throws Exception {
        Path cifar = dir.resolve("cifar");
        Files.createDirectories(cifar);
        java.util.Random rnd = new java.util.Random(7);
        for (String f : List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                "data_batch_5.bin", "test_batch.bin")) {
            byte[] b = new byte[20 * 3073];
            rnd.nextBytes(b);
            for (int r = 0; r < 20; r++) b[r * 3073] = (byte) rnd.nextInt(10);
            Files.write(cifar.resolve(f), b);
        }
        Run r = run("train", "--model", "cifar-cnn-b", "--data", cifar.toString(), "--epochs", "1", "--batch", "16",
                "--device", "cpu", "--quiet", "--save", dir.resolve("cifar.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("train 100 / test 20"), r.out());
        Run wrong = run("train", "--model", "lenet-300-100", "--data", cifar.toString(), "--epochs", "1",
                "--device", "cpu");
        assertEquals(2, wrong.code());
        assertTrue(wrong.err().contains("[3, 32, 32]") && wrong.err().contains("lenet-300-100"), wrong.err());
    }

    @Test
    void helpOfEveryCommandRendersWithoutWarnings() {
        for (String c : List.of("", "demo", "train", "prune", "eval", "export", "info", "doctor")) {
            Run r = c.isEmpty() ? run("--help") : run(c, "--help");
            assertEquals(0, r.code(), c);
            assertFalse(r.err().contains("WARN") || r.out().contains("WARN"), c + ": " + r.err());
            assertTrue(r.out().contains("Usage:"), c);
        }
    }

    @Test
    void corruptWeightsFileIsRejectedWithTheFileName() throws Exception {
        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, new byte[] {1, 2, 3});
        Run r = run("eval", "--model", "lenet-300-100", "--weights", bad.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("bad.safetensors"), r.err());
    }

    @Test
    void sweepWritesJsonCsvAndPlot() throws Exception {
        Path outDir = dir.resolve("sweep");
        Run r = run("prune", "--model", "lenet-300-100", "--data", "embedded", "--train-limit", "800", "--epochs", "1",
                "--batch", "64", "--criterion", "taylor,magnitude", "--sparsity", "0.5,0.9", "--schedule", "oneshot",
                "--fine-tune-epochs", "1", "--out-dir", outDir.toString(), "--device", "cpu", "--quiet");
        assertEquals(0, r.code(), r.err());
        String json = Files.readString(outDir.resolve("results.json"));
        assertTrue(json.contains("\"criterion\": \"taylor\"") && json.contains("\"criterion\": \"magnitude\""), json);
        List<String> csv = Files.readAllLines(outDir.resolve("results.csv"));
        assertEquals(5, csv.size(), csv.toString());
        byte[] png = Files.readAllBytes(outDir.resolve("accuracy-vs-sparsity.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        assertTrue(png.length > 2000);
    }
}
