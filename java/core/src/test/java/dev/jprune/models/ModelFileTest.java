package dev.jprune.models;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Dropout;
import dev.jprune.nn.Flatten;
import dev.jprune.nn.Linear;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.ModelSpec.Task;
import dev.jprune.util.Rng;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model files: the bundled built-ins, the builder, and one clear error per fault. */
class ModelFileTest {
    @TempDir Path dir;

    /**
     * The seven models as jprune built them in Java before model files (commit 780c8a8's Models.build): the bundled
     * files must give the same layers, init draws, input shapes, tasks, outputs and optimizer defaults.
     */
    static ModelSpec javaBuiltIn(String name, long seed) {
        Rng rng = new Rng(seed);
        long dropSeed = seed ^ 0x5DEECE66DL;
        Task c = Task.CLASSIFICATION;
        OptimizerKind sgd = OptimizerKind.SGD, adam = OptimizerKind.ADAM;
        int[] mnist = {1, 28, 28}, cifar = {3, 32, 32};
        return switch (name) {
            case "mlp-128" -> new ModelSpec(name, new Sequential(new Linear(784, 128, rng), new ReLU(),
                    new Dropout(0.2f, dropSeed), new Linear(128, 10, rng)), mnist, c, 10, adam, 1e-3f);
            case "lenet-300-100" -> new ModelSpec(name, new Sequential(new Linear(784, 300, rng), new ReLU(),
                    new Linear(300, 100, rng), new ReLU(), new Linear(100, 10, rng)), mnist, c, 10, sgd, 0.05f);
            case "lenet-5" -> new ModelSpec(name, new Sequential(new Conv2d(1, 20, 5, 1, 0, rng), new MaxPool2d(2, 2),
                    new Conv2d(20, 50, 5, 1, 0, rng), new MaxPool2d(2, 2), new Flatten(), new Linear(800, 500, rng),
                    new ReLU(), new Linear(500, 10, rng)), mnist, c, 10, sgd, 0.05f);
            case "cifar-cnn-a" -> new ModelSpec(name, new Sequential(new Conv2d(3, 64, 3, 1, 1, rng), new ReLU(),
                    new MaxPool2d(2, 2), new Conv2d(64, 128, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2, 2),
                    new Flatten(), new Linear(8192, 1024, rng), new ReLU(), new Linear(1024, 10, rng)), cifar, c, 10,
                    sgd, 0.01f);
            case "cifar-cnn-b" -> new ModelSpec(name, new Sequential(new Conv2d(3, 32, 3, 1, 0, rng), new ReLU(),
                    new MaxPool2d(2, 2), new Conv2d(32, 64, 3, 1, 0, rng), new ReLU(), new MaxPool2d(2, 2),
                    new Conv2d(64, 64, 3, 1, 0, rng), new ReLU(), new Flatten(), new Linear(1024, 64, rng), new ReLU(),
                    new Linear(64, 10, rng)), cifar, c, 10, adam, 1e-3f);
            case "linear-regression", "linear-regression-1" -> {
                int f = name.equals("linear-regression") ? 10 : 1;
                yield new ModelSpec(name, new Sequential(new Linear(f, 1, rng)), new int[] {f}, Task.REGRESSION, 1, sgd,
                        0.05f);
            }
            default -> throw new AssertionError(name);
        };
    }

    @Test
    void bundledFilesBuildTheModelsExactlyAsTheJavaDefinitionsDid() {
        for (String name : Models.NAMES) {
            ModelSpec want = javaBuiltIn(name, 11), got = Models.build(name, 11);
            assertEquals(want.net().describe(), got.net().describe(), name);
            assertArrayEquals(want.sampleShape(), got.sampleShape(), name);
            assertEquals(want.task(), got.task(), name);
            assertEquals(want.outputs(), got.outputs(), name);
            assertEquals(want.defaultOptimizer(), got.defaultOptimizer(), name);
            assertEquals(want.defaultLr(), got.defaultLr(), name);
            assertEquals(List.copyOf(want.net().namedParameters().keySet()),
                    List.copyOf(got.net().namedParameters().keySet()));
            List<Parameter> a = want.net().parameters(), b = got.net().parameters();
            for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i).value.data, b.get(i).value.data, name + " "
                    + i);
            for (int i = 0; i < want.net().layers().size(); i++) {
                if (want.net().layer(i) instanceof Dropout d) {
                    // Same dropout stream: the same training-mode output for the same input.
                    dev.jprune.tensor.Tensor x = dev.jprune.tensor.Tensor.zeros(4, 128);
                    java.util.Arrays.fill(x.data, 1f);
                    float[] gotY = got.net().layer(i).forward(x, true).data;
                    assertArrayEquals(d.forward(x, true).data, gotY, name + " dropout");
                }
            }
        }
    }

    /** Each bundled file is in the writer's canonical form, so writing the parsed file gives the file back. */
    @Test
    void bundledFilesAreTheirOwnCanonicalForm() throws IOException {
        for (String name : Models.NAMES) {
            try (InputStream in = Models.class.getResourceAsStream("/dev/jprune/models/" + name + ".json")) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(text, ModelFile.toJson(Models.architecture(name), true), name);
                Architecture compact = ModelFile.parse(ModelFile.toJson(Models.architecture(name), false), "x", "y");
                assertEquals(Models.architecture(name), compact, name + " compact round trip");
            }
        }
    }

    /** A FIFO or device as a model file is refused at once (reading a FIFO waited forever); an empty name too. */
    @Test
    void aFifoADeviceOrAnEmptyNameIsNotAModelFile() throws Exception {
        for (Path p : List.of(dev.jprune.testutil.SpecialFiles.fifo(dir.resolve("net.json")), Path.of("/dev/null"))) {
            ModelFileException e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () ->
                    assertThrows(ModelFileException.class, () -> Models.resolve(p.toString())));
            assertTrue(e.getMessage().contains("is not a regular file"), e.getMessage());
        }
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> Models.resolve(""));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
    }

    /** logistic-regression has no fixed size: resolve says how to build it instead of calling it unknown. */
    @Test
    void resolvingLogisticRegressionSaysItIsSizedByData() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Models.resolve(Models.LOGISTIC_REGRESSION));
        assertTrue(e.getMessage().contains("sized by") && !e.getMessage().contains("unknown"), e.getMessage());
        assertEquals(10, Models.build(Models.LOGISTIC_REGRESSION, 1, ModelOptions.DEFAULT).outputs());
    }

    @Test
    void builderWritesAndReadsBackTheSameArchitecture() throws IOException {
        Architecture a = Architecture.builder(3, 16, 16).name("tiny").optimizer(OptimizerKind.ADAM)
                .conv2d(3, 8, 3, 1, 1, false).relu().maxpool2d(2, 2).dropout(0.25f).flatten()
                .linear(512, 10, false).build();
        assertEquals(1e-3f, a.lr(), "Adam's default learning rate");
        assertEquals(10, a.outputs());
        Path f = dir.resolve("tiny.json");
        ModelFile.write(f, a);
        assertEquals(a, ModelFile.read(f));
        ModelSpec m = a.build(3);
        assertEquals(List.of("0.weight", "5.weight"), List.copyOf(m.net().namedParameters().keySet()));
        assertEquals(a, Architecture.of(m), "the architecture of a built model is the one it was built from");
    }

    @Test
    void defaultsArePyTorchsAndTheFileName() throws IOException {
        Path f = dir.resolve("mine.json");
        Files.writeString(f, "{\"input\": [1, 8, 8], \"layers\": ["
                + "{\"kind\": \"conv2d\", \"in\": 1, \"out\": 2, \"kernel\": 3},"
                + " {\"kind\": \"maxpool2d\", \"kernel\": 2},"
                + " {\"kind\": \"dropout\"}, {\"kind\": \"linear\", \"in\": 18, \"out\": 4}]}");
        Architecture a = ModelFile.read(f);
        assertEquals("mine", a.name());
        assertEquals(new LayerSpec.Conv2d(1, 2, 3, 1, 0, true), a.layers().get(0));
        assertEquals(new LayerSpec.MaxPool2d(2, 2), a.layers().get(1));
        assertEquals(new LayerSpec.Dropout(0.5f), a.layers().get(2));
        assertEquals(new LayerSpec.Linear(18, 4, true), a.layers().get(3));
        assertEquals(Task.CLASSIFICATION, a.task());
        assertEquals(OptimizerKind.SGD, a.optimizer());
        assertEquals(0.05f, a.lr());
    }

    private static String fails(String json) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.parse(json, "m.json", "m"));
        assertTrue(e.getMessage().startsWith("m.json: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    private static void has(String message, String fragment) {
        assertTrue(message.contains(fragment), "expected '" + fragment + "' in: " + message);
    }

    private static void has(String message, String fragment, String why) {
        assertTrue(message.contains(fragment), why + ": expected '" + fragment + "' in: " + message);
    }

    private static String model(String input, String... layers) {
        return "{\"input\": " + input + ", \"layers\": [" + String.join(", ", layers) + "]}";
    }

    @Test
    void aLayerWhoseInputDoesNotFitNamesItsIndexAndBothShapes() {
        String m = fails(model("[1, 28, 28]", "{\"kind\": \"linear\", \"in\": 784, \"out\": 300}",
                "{\"kind\": \"relu\"}",
                "{\"kind\": \"linear\", \"in\": 200, \"out\": 10}"));
        assertTrue(m.contains("layer 2 linear(in=200, out=10, bias=true)") && m.contains("200 features")
                && m.contains("layer 1 relu outputs [300]"), m);
        m = fails(model("[1, 28, 28]", "{\"kind\": \"conv2d\", \"in\": 3, \"out\": 6, \"kernel\": 5}"));
        assertTrue(m.contains("layer 0 conv2d") && m.contains("[3, H, W]")
                && m.contains("the model input is [1, 28, 28]"), m);
        m = fails(model("[784]", "{\"kind\": \"maxpool2d\", \"kernel\": 2}",
                "{\"kind\": \"linear\", \"in\": 1, \"out\": 1}"));
        assertTrue(m.contains("layer 0 maxpool2d") && m.contains("[C, H, W]") && m.contains("[784]"), m);
        m = fails(model("[1, 4, 4]", "{\"kind\": \"conv2d\", \"in\": 1, \"out\": 2, \"kernel\": 5}",
                "{\"kind\": \"flatten\"}", "{\"kind\": \"linear\", \"in\": 2, \"out\": 1}"));
        assertTrue(m.contains("layer 0 conv2d") && m.contains("H, W >= 5") && m.contains("[1, 4, 4]"), m);
    }

    /** A chain in which every layer is wrong is refused at its first wrong layer, naming that layer only. */
    @Test
    void aChainOfWrongShapesIsRefusedAtItsFirstWrongLayer() {
        String m = fails(model("[10]", "{\"kind\": \"linear\", \"in\": 10, \"out\": 20}",
                "{\"kind\": \"linear\", \"in\": 30, \"out\": 40}", "{\"kind\": \"linear\", \"in\": 50, \"out\": 10}",
                "{\"kind\": \"linear\", \"in\": 20, \"out\": 30}"));
        assertTrue(m.contains("layer 1 linear(in=30") && m.contains("layer 0 linear outputs [20]"), m);
        assertFalse(m.contains("layer 2") || m.contains("layer 3"), m);
    }

    @Test
    void theLastLayerMustOutputAVector() {
        String m = fails(model("[1, 8, 8]", "{\"kind\": \"conv2d\", \"in\": 1, \"out\": 2, \"kernel\": 3}"));
        assertTrue(m.contains("layer 0") && m.contains("outputs [2, 6, 6]") && m.contains("vector"), m);
    }

    @Test
    void unknownKindsMissingNegativeAndMistypedFieldsAreNamed() {
        String relu = "{\"kind\": \"relu\"}", lin = "{\"kind\": \"linear\", \"in\": 4, \"out\": 2}";
        has(fails(model("[4]", lin, "{\"kind\": \"gelu\"}")), "layer 1: unknown kind 'gelu'; known kinds: "
                + "[linear, conv2d, maxpool2d, relu, flatten, dropout]");
        has(fails(model("[4]", "{\"in\": 4, \"out\": 2}")), "layer 0: missing field 'kind'");
        has(fails(model("[4]", "{\"kind\": \"linear\", \"in\": 4}")), "layer 0 linear: missing field 'out'");
        has(fails(model("[4]", "{\"kind\": \"linear\", \"in\": 4, \"out\": -2}")),
                "layer 0 linear: field 'out' must be >= 1, got -2");
        has(fails(model("[1, 4, 4]", "{\"kind\": \"conv2d\", \"in\": 1, \"out\": 2, \"kernel\": 3, \"padding\": -1}")),
                "layer 0 conv2d: field 'padding' must be >= 0, got -1");
        has(fails(model("[4]", "{\"kind\": \"linear\", \"in\": 4, \"out\": 2.5}")),
                "layer 0 linear: field 'out' must be an integer, got 2.5");
        has(fails(model("[4]", "{\"kind\": \"linear\", \"in\": 4, \"out\": \"2\"}")),
                "field 'out' must be an integer, got \"2\"");
        has(fails(model("[4]", "{\"kind\": \"linear\", \"in\": 4, \"out\": 99999999999}")),
                "field 'out' is out of range: 99999999999");
        has(fails(model("[4]", "{\"kind\": \"linear\", \"in\": 4, \"out\": 2, \"bias\": 1}")),
                "field 'bias' must be true or false, got 1");
        has(fails(model("[4]", "{\"kind\": \"linear\", \"in\": 4, \"out\": 2, \"stride\": 1}")),
                "layer 0 linear: unknown field 'stride'; linear has [kind, in, out, bias]");
        has(fails(model("[4]", relu, "{\"kind\": \"dropout\", \"p\": 1.0}", lin)),
                "layer 1 dropout: field 'p' must be in [0, 1), got 1.0");
        has(fails(model("[4]", "{\"kind\": \"linear\", \"in\": 4, \"in\": 4, \"out\": 2}")),
                "layer 0: field 'in' appears twice");
        has(fails(model("[4]", "{\"kind\": \"linear\", \"in\": 60000, \"out\": 60000}")),
                "3600000000 elements in one tensor");
    }

    @Test
    void theModelsOwnFieldsAreChecked() {
        String lin = "{\"kind\": \"linear\", \"in\": 4, \"out\": 2}";
        has(fails("{\"layers\": [" + lin + "]}"), "missing field 'input'");
        has(fails("{\"input\": [4]}"), "missing field 'layers'");
        has(fails(model("[4]")), "at least one layer");
        has(fails(model("[0]", lin)), "input shape [0]: sizes must be >= 1");
        has(fails(model("[4.5]", lin)), "field 'input' must be an integer, got 4.5");
        has(fails(model("[4]", lin).replaceFirst("\\{", "{\"task\": \"ranking\", ")), "'task' must be");
        has(fails(model("[4]", lin).replaceFirst("\\{", "{\"optimizer\": \"rmsprop\", ")), "'optimizer' must be");
        has(fails(model("[4]", lin).replaceFirst("\\{", "{\"lr\": -1, ")), "lr must be a positive number");
        has(fails(model("[4]", lin).replaceFirst("\\{", "{\"epochs\": 3, ")), "unknown field 'epochs'");
        has(fails(model("[4]", lin) + " {}"), "data after");
        has(fails("[1, 2]"), "must be a JSON object");
        has(fails("{\"input\": [4], "), "not valid JSON");
        has(fails("{'input': [4]}"), "not valid JSON", "strict JSON: no single quotes");
    }

    @Test
    void filesThatAreNotModelFilesNameTheFile() throws IOException {
        Path bin = dir.resolve("weights.json");
        Files.write(bin, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(bin));
        assertTrue(e.getMessage().startsWith(bin + ": not UTF-8"), e.getMessage());
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(dir));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        IllegalArgumentException u = assertThrows(IllegalArgumentException.class, () -> Models.resolve("lenet-301"));
        assertTrue(u.getMessage().contains("unknown model 'lenet-301'") && u.getMessage().contains("lenet-300-100"));
    }
}
