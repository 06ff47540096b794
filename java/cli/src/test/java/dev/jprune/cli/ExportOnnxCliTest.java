package dev.jprune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.io.Checkpoint;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.onnx.OnnxExportOptions;
import dev.jprune.onnx.OnnxExporter;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** export --format onnx: the file the library writes for the checkpoint, and exit code 2 on bad options or paths. */
class ExportOnnxCliTest {
    static Path dir, pruned;
    static ModelSpec model;

    @BeforeAll
    static void prune() throws Exception {
        Path base = Path.of("target", "cli-test");
        Files.createDirectories(base);
        dir = Files.createTempDirectory(base.toAbsolutePath(), "onnx");
        model = Models.build("lenet-300-100", 5);
        ModelPruner p = new ModelPruner(model.net(), PruneSpec.global(Criterion.MAGNITUDE, 0.9));
        p.prune(0.9, p.scores(null));
        pruned = dir.resolve("pruned.safetensors");
        Checkpoint.save(pruned, model.net(), Map.of(), Map.of("criterion", "magnitude"));
    }

    @Test
    void writesTheLibrarysOnnxWithTheCheckpointsCriterion() throws Exception {
        Path onnx = dir.resolve("m.onnx"), sparse = dir.resolve("m-sparse.onnx");
        CliTest.Run r = CliTest.run("export", "--model", "lenet-300-100", "--weights", pruned.toString(),
                "--format", "onnx",
                "--out", onnx.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote " + onnx), r.out());
        byte[] expected = OnnxExporter.export(model.net(), model.sampleShape(), OnnxExportOptions.defaults()
                .withCriterion("magnitude").withModelName("lenet-300-100")).toByteArray();
        assertArrayEquals(expected, Files.readAllBytes(onnx), "the CLI writes exactly what the library encodes");
        r = CliTest.run("export", "--model", "lenet-300-100", "--weights", pruned.toString(), "--format", "onnx",
                "--sparse-initializers", "--out", sparse.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("sparse"), r.out());
        assertTrue(Files.size(sparse) < 0.35 * Files.size(onnx), Files.size(sparse) + " vs " + Files.size(onnx));
    }

    @Test
    void badOptionsAndUnwritablePathsExitTwoAndWriteNothing() throws Exception {
        String w = pruned.toString();
        CliTest.Run r = CliTest.run("export", "--model", "lenet-300-100", "--weights", w, "--format", "onnx");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--format onnx needs --out"), r.err());
        r = CliTest.run("export", "--model", "lenet-300-100", "--weights", w, "--format", "tflite", "--out",
                dir.resolve("x").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--format must be csr or onnx"), r.err());
        r = CliTest.run("export", "--model", "lenet-300-100", "--weights", w, "--sparse-initializers", "--out",
                dir.resolve("y").toString());
        assertEquals(2, r.code());
        Path missing = dir.resolve("nope").resolve("m.onnx");
        r = CliTest.run("export", "--model", "lenet-300-100", "--weights", w, "--format", "onnx", "--out",
                missing.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(missing.toString()) && r.err().lines().count() == 1, r.err());
        assertFalse(Files.exists(dir.resolve("x")) || Files.exists(dir.resolve("y"))
                || Files.exists(missing.getParent()));
    }
}
