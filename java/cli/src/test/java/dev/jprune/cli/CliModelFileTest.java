package dev.jprune.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.io.Checkpoint;
import dev.jprune.io.SafeTensorFile;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.models.Architecture;
import dev.jprune.models.ModelFile;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * --model FILE.json, checkpoints that carry their model (eval, info, export and prune --weights without --model),
 * recognised Linear chains, --layout / --masks-out, and the refusals: exit code 2, one line, nothing written.
 */
class CliModelFileTest {
    static Path dir;

    @BeforeAll
    static void tmp() throws Exception {
        Path base = Path.of("target", "cli-test");
        Files.createDirectories(base);
        dir = Files.createTempDirectory(base.toAbsolutePath(), "models");
    }

    /** A small conv net without biases in its first layers: conv 4@3x3 (no bias), pool, flatten, 676 -> 32 -> 10. */
    static Architecture small() {
        return Architecture.builder(1, 28, 28).name("small").conv2d(1, 4, 3, 1, 0, false).relu().maxpool2d(2, 2)
                .flatten().linear(676, 32, false).relu().linear(32, 10).build();
    }

    private static CliTest.Run ok(String... args) {
        CliTest.Run r = CliTest.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    /** Exit code 2, one "error:" line containing every fragment. */
    private static String refused(String[] args, String... fragments) {
        CliTest.Run r = CliTest.run(args);
        assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.out() + r.err());
        String err = r.err().strip();
        assertTrue(err.startsWith("error: ") && !err.contains("\n"), "one error line: " + err);
        for (String f : fragments) assertTrue(err.contains(f), "expected '" + f + "' in: " + err);
        return err;
    }

    private static List<String> names(Path f) throws Exception {
        return List.copyOf(new TreeSet<>(SafeTensors.read(f).tensors().keySet()));
    }

    private static void assertNothingIn(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            assertEquals(List.of(), s.toList(), "nothing written");
        }
    }

    @Test
    void aModelFileTrainsPrunesAndTheCheckpointsNeedNoModelAfterwards() throws Exception {
        Path model = dir.resolve("small.json"), trained = dir.resolve("small-trained.safetensors");
        ModelFile.write(model, small());
        ok("train", "--model", model.toString(), "--epochs", "1", "--train-limit", "256", "--batch", "64",
                "--device", "auto", "--save", trained.toString(), "--quiet");
        assertEquals(List.of("0.weight", "4.weight", "6.bias", "6.weight"), names(trained));
        assertEquals(ModelFile.toJson(small(), false),
                SafeTensors.read(trained).metadata().get(Models.METADATA_MODEL_FILE));

        Path pruned = dir.resolve("small-pruned.safetensors");
        CliTest.Run p = ok("prune", "--weights", trained.toString(), "--criterion", "magnitude", "--sparsity", "0.8",
                "--out", pruned.toString(), "--layout", "torch-prune");
        assertTrue(p.out().contains("model: small (the model file in its metadata)"), p.out());
        assertTrue(p.out().contains("read " + trained + ": layout plain, no masks"), p.out());
        assertTrue(p.out().contains("wrote " + pruned + " (layout torch-prune)"), p.out());
        assertEquals(List.of("0.weight_mask", "0.weight_orig", "4.weight_mask", "4.weight_orig", "6.bias",
                "6.weight_mask", "6.weight_orig"), names(pruned));

        CliTest.Run e = ok("eval", "--weights", pruned.toString(), "--train-limit", "64");
        assertTrue(e.out().contains("layout torch-prune, 3 masks") && e.out().contains("small on embedded test"),
                e.out());
        CliTest.Run i = ok("info", "--weights", pruned.toString());
        assertTrue(i.out().contains("layout: torch-prune") && i.out().contains("small: input [1, 28, 28]"), i.out());
        Path onnx = dir.resolve("small.onnx");
        ok("export", "--weights", pruned.toString(), "--format", "onnx", "--out", onnx.toString());
        assertTrue(Files.size(onnx) > 0);
        CliTest.Run d = ok("info", "--model", model.toString());
        assertTrue(d.out().contains("Conv2d(1 -> 4, k=3, s=1, p=0, no bias)"), d.out());
    }

    /** The same pruned weights in the three layouts; jprune reads each back to the same model and says which. */
    @Test
    void theThreeLayoutsHoldTheSameModel() throws Exception {
        ModelSpec m = Models.build("lenet-300-100", 5);
        Path in = dir.resolve("layouts-in.safetensors");
        Models.save(m, in);
        Path masked = dir.resolve("l-masked.safetensors"), torch = dir.resolve("l-torch.safetensors");
        Path plain = dir.resolve("l-plain.safetensors"), masks = dir.resolve("l-plain-masks.safetensors");
        String[] common = {"prune", "--weights", in.toString(), "--criterion", "magnitude", "--sparsity", "0.9"};
        ok(concat(common, "--out", masked.toString()));
        ok(concat(common, "--out", torch.toString(), "--layout", "torch-prune"));
        CliTest.Run p = ok(concat(common, "--out", plain.toString(), "--layout", "plain", "--masks-out",
                masks.toString()));
        assertTrue(p.out().contains("(layout plain; masks in " + masks + ")"), p.out());
        assertEquals(List.of("0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"), names(plain));
        assertEquals(List.of("0.weight_mask", "2.weight_mask", "4.weight_mask"), names(masks));

        ModelSpec a = Models.build("lenet-300-100", 0);
        Checkpoint.load(masked, a.net());
        for (Object[] c : new Object[][] {{torch, null, "torch-prune"}, {plain, masks, "plain"}}) {
            ModelSpec b = Models.build("lenet-300-100", 1);
            Checkpoint.Loaded l = Checkpoint.load((Path) c[0], (Path) c[1], b.net());
            assertEquals(c[2], l.layout().cliName());
            for (String n : a.net().namedParameters().keySet()) {
                Parameter x = a.net().namedParameters().get(n), y = b.net().namedParameters().get(n);
                assertArrayEquals(x.value.data, y.value.data, n);
                assertArrayEquals(x.mask, y.mask, n + " mask");
            }
        }
        CliTest.Run e = ok("export", "--weights", plain.toString(), "--masks", masks.toString());
        assertTrue(e.out().contains("layout plain, 3 masks"), e.out());
    }

    /** nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10)): names from "1.", no metadata. */
    @Test
    void aPyTorchLinearChainIsRecognisedAndSaid() throws Exception {
        ModelSpec m = Architecture.builder(1, 28, 28).flatten().linear(784, 64).relu().linear(64, 10).build().build(3);
        Map<String, TensorEntry> sd = new LinkedHashMap<>();
        for (var e : m.net().namedParameters().entrySet()) {
            sd.put(e.getKey(), TensorEntry.f32(e.getValue().value.data, e.getValue().value.shape()));
        }
        Path in = dir.resolve("torch-chain.safetensors"), out = dir.resolve("torch-chain-pruned.safetensors");
        SafeTensors.write(in, sd, Map.of("format", "pt"));
        CliTest.Run p = ok("prune", "--weights", in.toString(), "--criterion", "magnitude", "--sparsity", "0.5",
                "--out", out.toString(), "--layout", "plain");
        assertTrue(p.out().contains("model: linear-chain-784-64-10, a chain of Linear layers")
                && p.out().contains("ReLU")
                && p.out().contains("Sequential(0: Flatten, 1: Linear(784 -> 64), 2: ReLU, 3: Linear(64 -> 10))"),
                        p.out());
        assertTrue(p.out().contains("masks not written"), p.out());
        SafeTensorFile f = SafeTensors.read(out);
        assertEquals(List.of("1.bias", "1.weight", "3.bias", "3.weight"), names(out));
        assertEquals("plain", f.metadata().get("layout"));
    }

    @Test
    void aModelThatDisagreesWithTheCheckpointIsRefusedNamingTheLayer() throws Exception {
        Path in = dir.resolve("disagree.safetensors");
        Models.save(Models.build("lenet-300-100", 1), in);
        Path outDir = Files.createDirectories(dir.resolve("disagree-out"));
        Path out = outDir.resolve("o.safetensors");
        refused(new String[] {"prune", "--weights", in.toString(), "--model", "mlp-128", "--criterion", "magnitude",
            "--out", out.toString()}, "--model mlp-128 disagrees with the model lenet-300-100",
                    "layer 0 is linear(in=784, "
            + "out=128, bias=true) in --model but linear(in=784, out=300, bias=true) in the file");
        refused(new String[] {"eval", "--weights", in.toString(), "--model", "lenet-5"}, "layer 0 is conv2d");
        refused(new String[] {"export", "--weights", in.toString(), "--model", "mlp-128", "--out", out.toString()},
                "disagrees");
        assertNothingIn(outDir);
    }

    @Test
    void badModelFilesAreRefusedWithTheLayerAndNothingIsWritten() throws Exception {
        Path outDir = Files.createDirectories(dir.resolve("bad-out"));
        Path bad = dir.resolve("bad-shapes.json");
        Files.writeString(bad, "{\"input\": [1, 28, 28], \"layers\": ["
                + "{\"kind\": \"linear\", \"in\": 784, \"out\": 100},"
                + " {\"kind\": \"relu\"}, {\"kind\": \"linear\", \"in\": 300, \"out\": 10}]}");
        refused(new String[] {"train", "--model", bad.toString(), "--epochs", "1", "--save",
            outDir.resolve("t.safetensors").toString()}, bad.toString(), "layer 2 linear(in=300", "[100]");
        Path unknown = dir.resolve("unknown-kind.json");
        Files.writeString(unknown, "{\"input\": [4], \"layers\": [{\"kind\": \"softmax\"}]}");
        refused(new String[] {"prune", "--model", unknown.toString(), "--out-dir", outDir.toString()},
                "layer 0: unknown kind 'softmax'");
        Path missing = dir.resolve("missing.json");
        Files.writeString(missing, "{\"input\": [4], \"layers\": [{\"kind\": \"linear\", \"in\": 4}]}");
        refused(new String[] {"info", "--model", missing.toString()}, "layer 0 linear: missing field 'out'");
        refused(new String[] {"train", "--model", dir.resolve("nope.json").toString()}, "unknown model", "nope.json");
        assertNothingIn(outDir);
    }

    @Test
    void checkpointsWithoutAModelAskForOneAndLayoutOptionsAreChecked() throws Exception {
        Path conv = dir.resolve("conv-no-meta.safetensors");
        Checkpoint.save(conv, Models.build("lenet-5", 1).net());
        Path outDir = Files.createDirectories(dir.resolve("ask-out"));
        Path out = outDir.resolve("o.safetensors");
        refused(new String[] {"prune", "--weights", conv.toString(), "--criterion", "taylor", "--out",
                out.toString()},
                "reads gradients");  // no model: pruned by tensor name, and Taylor needs --grads
        refused(new String[] {"eval", "--weights", conv.toString()}, "carries no model");
        String in = dir.resolve("layouts-in2.safetensors").toString();
        Models.save(Models.build("lenet-300-100", 1), Path.of(in));
        refused(new String[] {"prune", "--weights", in, "--criterion", "magnitude", "--out", out.toString(),
            "--masks-out", outDir.resolve("m.safetensors").toString()}, "--masks-out is for --layout plain");
        refused(new String[] {"prune", "--weights", in, "--criterion", "magnitude", "--out", out.toString(),
            "--layout", "torch"}, "--layout must be masked, torch-prune or plain");
        refused(new String[] {"prune", "--weights", in, "--criterion", "magnitude", "--out", out.toString(),
            "--layout", "plain", "--masks-out", out.toString()}, "same file");
        refused(new String[] {"train", "--epochs", "0", "--layout", "plain"},
                "--layout applies to the checkpoint --save");
        assertNothingIn(outDir);
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
