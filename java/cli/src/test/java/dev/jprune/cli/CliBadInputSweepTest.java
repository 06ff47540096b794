package dev.jprune.cli;

import static dev.jprune.cli.CliReliabilityTest.assertOneErrorLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.cli.CliTest.Run;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cases of the adversarial bad-input sweep that the command line got wrong: each is one error line naming the option
 * and what was expected, exit code 2, before any work, and no input or earlier output lost.
 */
class CliBadInputSweepTest {
    static Path dir, tiny;

    @BeforeAll
    static void setUp() throws Exception {
        Path base = Files.createDirectories(Path.of("target", "cli-test").toAbsolutePath());
        dir = Files.createTempDirectory(base, "sweep");
        tiny = TinyData.idx(dir.resolve("tiny"), 64, 16, 3);
    }

    static Path lenet(String name) throws Exception {
        return CliReliabilityTest.lenetIn(dir, name);
    }

    /** A checkpoint of two named tensors (no model) and gradients of the same names and shapes. */
    static Path named(String name) throws Exception {
        Map<String, TensorEntry> t = new LinkedHashMap<>();
        float[] v = new float[48];
        for (int i = 0; i < v.length; i++) v[i] = (i * 37 % 11) - 5.5f;
        t.put("a.weight", TensorEntry.f32(v, 6, 8));
        t.put("b.weight", TensorEntry.f32(Arrays.copyOf(v, 16), 4, 4));
        Path f = dir.resolve(name);
        SafeTensors.write(f, t, Map.of());
        return f;
    }

    /** A FIFO made with mkfifo(1), or the test is skipped where there is none. */
    static Path fifo(String name) throws Exception {
        Path f = dir.resolve(name);
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", f.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("no mkfifo here: " + e.getMessage());
            return null;
        }
        Assumptions.assumeTrue(p.waitFor() == 0, "mkfifo failed");
        return f;
    }

    @Test
    void aFifoOrADeviceGivenAsWeightsIsNamedAsNotARegularFileNotAsMissing() throws Exception {
        Path in = named("fifo-in.safetensors");
        for (String special : List.of("/dev/null", fifo("weights.fifo").toString())) {
            String out = dir.resolve("fifo-out.safetensors").toString();
            for (String[] args : List.of(new String[] {"eval", "--weights", special},
                    new String[] {"export", "--weights", special},
                    new String[] {"prune", "--weights", special, "--criterion", "magnitude", "--out", out},
                    new String[] {"prune", "--weights", special, "--include", "*", "--out", out},
                    new String[] {"prune", "--weights", in.toString(), "--grads", special, "--out", out})) {
                Run r = CliTest.run(args);
                assertOneErrorLine(r, special, "not a regular file");
                assertFalse(r.err().contains("no such file"), String.join(" ", args) + " -> " + r.err());
            }
        }
    }

    @Test
    void anOutputNeverReplacesAnInputOtherThanTheCheckpointItPrunesInPlace() throws Exception {
        Path in = lenet("keep-in.safetensors");
        byte[] before = Files.readAllBytes(in);
        Path link = dir.resolve("keep-link.safetensors");
        Files.createSymbolicLink(link, in);
        String out = dir.resolve("keep-out.safetensors").toString();
        for (String masks : List.of(in.toString(), link.toString())) {
            assertOneErrorLine(CliTest.run("prune", "--weights", in.toString(), "--criterion", "magnitude",
                    "--layout", "plain", "--out", out, "--masks-out", masks, "--device", "cpu"),
                    "--masks-out", "--weights", "same file");
        }
        assertOneErrorLine(CliTest.run("export", "--weights", in.toString(), "--out", in.toString()),
                "--out", "--weights", "same file");
        assertOneErrorLine(CliTest.run("export", "--weights", in.toString(), "--format", "onnx", "--out",
                link.toString()), "--out", "--weights", "same file");
        assertArrayEquals(before, Files.readAllBytes(in), "the input is unchanged");
        assertFalse(Files.exists(Path.of(out)), "nothing written");

        Path w = named("keep-w.safetensors"), g = named("keep-g.safetensors");
        byte[] grads = Files.readAllBytes(g);
        assertOneErrorLine(CliTest.run("prune", "--weights", w.toString(), "--grads", g.toString(), "--criterion",
                "taylor", "--out", g.toString()), "--out", "--grads", "same file");
        assertOneErrorLine(CliTest.run("prune", "--weights", w.toString(), "--scores", g.toString(), "--layout",
                "plain", "--out", out, "--masks-out", g.toString()), "--masks-out", "--scores", "same file");
        assertOneErrorLine(CliTest.run("prune", "--weights", w.toString(), "--include", "*", "--layout", "plain",
                "--out", out, "--masks-out", w.toString()), "--masks-out", "--weights", "same file");
        assertArrayEquals(grads, Files.readAllBytes(g), "the gradients are unchanged");
        assertFalse(Files.exists(Path.of(out)), "nothing written");

        // --out onto --weights is pruning in place: still allowed, on both paths
        Run inPlace = CliTest.run("prune", "--weights", in.toString(), "--criterion", "magnitude", "--sparsity", "0.5",
                "--out", in.toString(), "--device", "cpu");
        assertEquals(0, inPlace.code(), inPlace.err());
        Run inPlaceByName = CliTest.run("prune", "--weights", w.toString(), "--include", "*", "--sparsity", "0.5",
                "--out", w.toString());
        assertEquals(0, inPlaceByName.code(), inPlaceByName.err());
    }

    /** A checkpoint written over the model file or the CSV data it was trained from would destroy them. */
    @Test
    void aCheckpointIsNotWrittenOverTheModelFileOrTheCsvData() throws Exception {
        Path net = dir.resolve("net.json");
        dev.jprune.models.ModelFile.write(net, dev.jprune.models.Architecture.builder(1, 28, 28).linear(784, 10)
                .build());
        Path csv = Files.writeString(dir.resolve("rows.csv"), "a,b,y\n1,2,3\n4,5,6\n7,8,9\n1,1,1\n2,2,2\n");
        byte[] model = Files.readAllBytes(net), data = Files.readAllBytes(csv);
        String t = tiny.toString();
        assertOneErrorLine(CliTest.run("train", "--model", net.toString(), "--data", t, "--epochs", "0", "--device",
                "cpu", "--save", net.toString()), "--save", "--model", "same file");
        assertOneErrorLine(CliTest.run("prune", "--model", net.toString(), "--data", t, "--epochs", "0", "--device",
                "cpu", "--save", dir.resolve("p.safetensors").toString(), "--layout", "plain", "--masks-out",
                net.toString()), "--masks-out", "--model", "same file");
        assertOneErrorLine(CliTest.run("train", "--model", "linear-regression", "--data", "csv:" + csv, "--epochs",
                "0", "--device", "cpu", "--save", csv.toString()), "--save", "--data", "same file");
        Path w = dir.resolve("net-w.safetensors");
        assertEquals(0, CliTest.run("train", "--model", net.toString(), "--data", t, "--epochs", "0", "--device",
                "cpu", "--quiet", "--save", w.toString()).code());
        assertOneErrorLine(CliTest.run("prune", "--weights", w.toString(), "--model", net.toString(), "--criterion",
                "magnitude", "--device", "cpu", "--out", net.toString()), "--out", "--model", "same file");
        assertOneErrorLine(CliTest.run("export", "--weights", w.toString(), "--model", net.toString(), "--out",
                net.toString()), "--out", "--model", "same file");
        assertArrayEquals(model, Files.readAllBytes(net), "the model file is unchanged");
        assertArrayEquals(data, Files.readAllBytes(csv), "the data is unchanged");
    }

    @Test
    void trainingRunOutputsThatCollideAreRefusedBeforeAnyWork() throws Exception {
        Path results = dir.resolve("collide");
        String t = tiny.toString();
        assertOneErrorLine(CliTest.run("prune", "--data", t, "--epochs", "0", "--fine-tune-epochs", "0", "--out-dir",
                results.toString(), "--save", results.toString(), "--device", "cpu"), "--save", "--out-dir");
        assertOneErrorLine(CliTest.run("prune", "--data", t, "--epochs", "0", "--fine-tune-epochs", "0", "--out-dir",
                results.toString(), "--save", results.resolve("results.json").toString(), "--device", "cpu"),
                "--save", "results.json", "--out-dir");
        assertOneErrorLine(CliTest.run("prune", "--data", t, "--epochs", "0", "--fine-tune-epochs", "0", "--out-dir",
                results.toString(), "--save", dir.resolve("m.safetensors").toString(), "--layout", "plain",
                "--masks-out", results.resolve("results.csv").toString(), "--device", "cpu"),
                "--masks-out", "results.csv", "--out-dir");
        assertFalse(Files.exists(results), "nothing created");
    }

    @Test
    void saveMayGoInsideTheResultsFolderTheRunCreates() throws Exception {
        Path results = dir.resolve("fresh-results");
        Path saved = results.resolve("model.safetensors");
        Run r = CliTest.run("prune", "--data", tiny.toString(), "--epochs", "0", "--fine-tune-epochs", "0",
                "--criterion", "magnitude", "--sparsity", "0.5", "--out-dir", results.toString(), "--save",
                saved.toString(), "--device", "cpu", "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(results.resolve("results.json")) && Files.isRegularFile(saved), r.out());
    }

    @Test
    void anEmptyPathIsRefusedNamingItsOption() throws Exception {
        String in = lenet("empty-in.safetensors").toString(), t = tiny.toString();
        String[][] cases = {
            {"--out", "prune", "--weights", in, "--criterion", "magnitude", "--device", "cpu", "--out", ""},
            {"--masks-out", "prune", "--weights", in, "--criterion", "magnitude", "--device", "cpu", "--layout",
                "plain", "--out", dir.resolve("e.safetensors").toString(), "--masks-out", ""},
            {"--out-dir", "prune", "--data", t, "--epochs", "0", "--device", "cpu", "--out-dir", ""},
            {"--save", "prune", "--data", t, "--epochs", "0", "--device", "cpu", "--save", ""},
            {"--save", "train", "--data", t, "--epochs", "0", "--device", "cpu", "--save", ""},
            {"--weights", "eval", "--weights", ""},
            {"--weights", "prune", "--weights", "", "--out", dir.resolve("e.safetensors").toString()},
            {"--model", "train", "--data", t, "--epochs", "0", "--device", "cpu", "--model", ""},
            {"--model", "info", "--model", ""},
            {"--data", "train", "--data", "", "--epochs", "0", "--device", "cpu"},
            {"--data", "eval", "--weights", in, "--data", " "},
            {"--out", "export", "--weights", in, "--out", ""},
            {"--grads", "prune", "--weights", in, "--grads", "", "--out", dir.resolve("e.safetensors").toString()},
        };
        for (String[] c : cases) {
            Run r = CliTest.run(Arrays.copyOfRange(c, 1, c.length));
            assertOneErrorLine(r, c[0], "empty");
        }
        assertFalse(Files.exists(Path.of("results.json")), "no results in the working folder");
    }

    @Test
    void aSweepListingOneValueTwiceIsRefusedBeforeAnyWork() throws Exception {
        String t = tiny.toString();
        Path out = dir.resolve("sweep-never");
        String[][] cases = {
            {"--sparsity lists 0.5 twice", "prune", "--data", t, "--epochs", "0", "--device", "cpu", "--out-dir",
                out.toString(), "--sparsity", "0.5,0.8,.50"},
            {"--criterion lists Taylor twice", "prune", "--data", t, "--epochs", "0", "--device", "cpu", "--out-dir",
                out.toString(), "--criterion", "taylor,Taylor"},
            {"--threshold lists 0.001 twice", "prune", "--data", t, "--epochs", "0", "--device", "cpu",
                "--out-dir", out.toString(), "--threshold", "0.001,1e-3"},
            {"--clip-value lists -0.0 twice", "train", "--data", t, "--epochs", "0", "--device", "cpu",
                "--save", out.resolve("m.safetensors").toString(), "--clip-value", "0,-0"},
            {"--grad-mask lists NONE twice", "train", "--data", t, "--epochs", "0", "--device", "cpu",
                "--save", out.resolve("m.safetensors").toString(), "--grad-mask", "none,NONE"},
        };
        for (String[] c : cases) assertOneErrorLine(CliTest.run(Arrays.copyOfRange(c, 1, c.length)), c[0]);
        assertFalse(Files.exists(out), "nothing written");
        // distinct values still sweep
        assertEquals(0, CliTest.run("prune", "--data", t, "--epochs", "0", "--fine-tune-epochs", "0", "--device",
                "cpu", "--schedule", "oneshot", "--out-dir", out.toString(), "--sparsity", "0.5,0.8").code());
    }

    @Test
    void optionsTheChosenOptimizerDoesNotReadAreRefused() throws Exception {
        String t = tiny.toString();
        // mlp-128 trains with Adam by default, lenet-300-100 with SGD
        assertOneErrorLine(CliTest.run("train", "--model", "mlp-128", "--data", t, "--epochs", "0", "--device", "cpu",
                "--nesterov"), "--nesterov", "adam");
        assertOneErrorLine(CliTest.run("train", "--model", "mlp-128", "--data", t, "--epochs", "0", "--device", "cpu",
                "--momentum", "0.5"), "--momentum", "adam");
        assertOneErrorLine(CliTest.run("train", "--data", t, "--epochs", "0", "--device", "cpu", "--adam-eps",
                "1e-7"), "--adam-eps", "sgd");
        assertOneErrorLine(CliTest.run("prune", "--data", t, "--epochs", "0", "--device", "cpu", "--optimizer", "sgd",
                "--momentum", "0", "--nesterov"), "--nesterov", "momentum");
        Run ok = CliTest.run("train", "--data", t, "--epochs", "0", "--device", "cpu", "--optimizer", "adam",
                "--adam-eps", "1e-7");
        assertEquals(0, ok.code(), ok.err());
        Run sgd = CliTest.run("train", "--model", "mlp-128", "--data", t, "--epochs", "0", "--device", "cpu",
                "--optimizer", "sgd", "--momentum", "0.5", "--nesterov");
        assertEquals(0, sgd.code(), sgd.err());
    }

    /** Schedule, rewind and criterion-list values are checked before the dense training, not after it. */
    @Test
    void scheduleValuesAreRefusedBeforeTheDenseTraining() throws Exception {
        String t = tiny.toString(), out = dir.resolve("never-trained").toString();
        String[][] cases = {
            {"--rewind", "--rewind", "foo"}, {"--rewind", "--rewind", "-5"},
            {"--gradual-fraction", "--gradual-fraction", "0"}, {"--gradual-events", "--gradual-events", "0"},
            {"--schedule", "--schedule", "weekly"}, {"--criterion", "--criterion", ",,"},
            {"--sparsity", "--sparsity", ",,"},
        };
        for (String[] c : cases) {
            String[] args = {"prune", "--data", t, "--epochs", "2", "--fine-tune-epochs", "1", "--batch", "16",
                "--device", "cpu", "--out-dir", out, c[1], c[2]};
            Run r = CliTest.run(args);
            assertOneErrorLine(r, c[0]);  // one line: no "== dense" phase line before it
            assertEquals("", r.out(), String.join(" ", args));
        }
        assertFalse(Files.exists(Path.of(out)));
    }

    /** Pruning options the chosen granularity, scope, schedule or accumulation would silently ignore are refused. */
    @Test
    void pruneOptionsTheRunWouldIgnoreAreRefused() throws Exception {
        String t = tiny.toString(), out = dir.resolve("never-ignored").toString();
        String[][] cases = {
            {"--nm", "--nm", "1:4"},
            {"--group-norm", "--group-norm", "l1"},
            {"--ema-momentum", "--ema-momentum", "0.5"},
            {"--rounds", "--rounds", "5"},
            {"--gradual-events", "--schedule", "oneshot", "--gradual-events", "5"},
            {"--gradual-fraction", "--schedule", "iterative", "--gradual-fraction", "0.5"},
            {"--min-density", "--scope", "layer", "--min-density", "0.1"},
            {"--max-density", "--scope", "layer", "--max-density", "0.9"},
        };
        for (String[] c : cases) {
            List<String> args = new java.util.ArrayList<>(List.of("prune", "--data", t, "--epochs", "0",
                    "--fine-tune-epochs", "0", "--device", "cpu", "--out-dir", out));
            args.addAll(Arrays.asList(c).subList(1, c.length));
            assertOneErrorLine(CliTest.run(args.toArray(String[]::new)), c[0]);
        }
        assertFalse(Files.exists(Path.of(out)));
        // each of them where it applies
        String[][] fine = {
            {"--granularity", "nm", "--nm", "1:4"},
            {"--granularity", "neurons", "--group-norm", "l1", "--sparsity", "0.5"},
            {"--accumulate", "ema", "--ema-momentum", "0.5"},
            {"--schedule", "iterative", "--rounds", "2"},
            {"--schedule", "gradual", "--gradual-events", "5", "--gradual-fraction", "0.5"},
            {"--scope", "global", "--min-density", "0.05"},
        };
        for (String[] f : fine) {
            List<String> args = new java.util.ArrayList<>(List.of("prune", "--data", t, "--epochs", "0",
                    "--fine-tune-epochs", "0", "--criterion", "magnitude", "--device", "cpu", "--quiet", "--out-dir",
                    dir.resolve("applies").toString()));
            args.addAll(Arrays.asList(f));
            Run r = CliTest.run(args.toArray(String[]::new));
            assertEquals(0, r.code(), args + " -> " + r.err());
        }
    }

    /**
     * With --device auto (the default) the device notice comes after the inputs are read: a bad checkpoint or empty
     * data prints its error line alone.
     */
    @Test
    void theDeviceNoticeFollowsTheInputsSoAnInputErrorIsAlone() throws Exception {
        Path notAModel = named("not-lenet.safetensors");
        assertOneErrorLine(CliTest.run("prune", "--weights", notAModel.toString(), "--model", "lenet-300-100",
                "--criterion", "magnitude", "--out", dir.resolve("never.safetensors").toString()), "missing tensor");
        Path empty = TinyData.idx(dir.resolve("no-train"), 0, 8, 1);
        assertOneErrorLine(CliTest.run("prune", "--data", empty.toString(), "--epochs", "0", "--out-dir",
                dir.resolve("never-dir").toString()), "training split is empty");
        assertOneErrorLine(CliTest.run("prune", "--weights", lenet("auto.safetensors").toString(), "--criterion",
                "taylor", "--data", empty.toString(), "--out", dir.resolve("never.safetensors").toString()),
                "training split is empty");
    }

    /** --model logistic-regression, listed by every command's help, works in info, prune --weights and export. */
    @Test
    void aModelSizedByDataWorksInEveryCommandThatListsIt() throws Exception {
        Path csv = Files.writeString(dir.resolve("classes.csv"), "a,b,y\n1,2,0\n4,5,1\n7,8,2\n1,1,0\n2,2,1\n3,3,2\n");
        Path lr = dir.resolve("logistic.safetensors");
        Run info = CliTest.run("info", "--model", "logistic-regression");
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("0.weight") && info.out().contains("[10, 784]"), info.out());
        Run train = CliTest.run("train", "--model", "logistic-regression", "--task", "classification", "--data",
                "csv:" + csv, "--epochs", "1", "--device", "cpu", "--quiet", "--save", lr.toString());
        assertEquals(0, train.code(), train.err());
        Run prune = CliTest.run("prune", "--weights", lr.toString(), "--model", "logistic-regression", "--criterion",
                "magnitude", "--sparsity", "0.5", "--device", "cpu", "--out", dir.resolve("lr-p.safetensors")
                .toString());
        assertEquals(0, prune.code(), prune.err());
        Run export = CliTest.run("export", "--weights", lr.toString(), "--model", "logistic-regression");
        assertEquals(0, export.code(), export.err());
        assertOneErrorLine(CliTest.run("export", "--weights", lenet("not-logistic.safetensors").toString(), "--model",
                "logistic-regression"), "logistic-regression", "sized by");
    }

    @Test
    void aCheckpointPruneThatFailsPrintsOnlyItsErrorLine() throws Exception {
        Path empty = Files.write(dir.resolve("empty.safetensors"), new byte[0]);
        Run r = CliTest.run("prune", "--weights", empty.toString(), "--include", "*", "--out",
                dir.resolve("never.safetensors").toString());
        assertOneErrorLine(r, "empty.safetensors", "0 bytes");
        Run bad = CliTest.run("prune", "--weights", named("nomatch.safetensors").toString(), "--include", "zz*",
                "--out", dir.resolve("never.safetensors").toString());
        assertOneErrorLine(bad, "'zz*'", "matches no tensor");
    }
}
