package dev.jprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.io.Checkpoint;
import dev.jprune.models.Models;
import dev.jprune.testutil.Properties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Property (seeded random mutation, see {@link Properties}): valid command lines of every command, damaged by
 * dropping, doubling, swapping or replacing arguments (junk values: negative, NaN, huge, empty, devices, folders,
 * missing paths, other commands' options), end in exit code 0, or 2 with exactly one "error: " line on stderr
 * ({@code doctor}: 0 or 3) — never an internal error, a stack trace, an OutOfMemoryError or a hang. Runs work on a
 * tiny data set, with every output path inside the test's folder.
 */
class CliOptionPropertyTest {
    static Path dir, tiny, weights, afile, modelFile, badModelFile;

    static final List<String> OPTIONS = List.of("--model", "--weights", "--out", "--out-dir", "--save", "--data",
            "--train-limit", "--epochs", "--batch", "--lr", "--optimizer", "--momentum", "--nesterov", "--weight-decay",
            "--clip-value", "--clip-norm", "--seed", "--device", "--criterion", "--granularity", "--nm", "--group-norm",
            "--scope", "--sparsity", "--threshold", "--exclude-layers", "--exclude-last", "--min-density",
            "--max-density", "--score-batches", "--accumulate", "--ema-momentum", "--schedule", "--rounds",
            "--fine-tune-epochs", "--fine-tune-lr", "--gradual-fraction", "--gradual-events", "--rewind", "--quiet",
            "--help", "--version", "--frobnicate", "--grads", "--scores", "--include", "--exclude", "--layout",
            "--masks-out", "--masks",
            // issue 18
            "--target", "--task", "--test-fraction", "--input-scaling", "--no-bias", "--init", "--adam-eps",
            "--grad-mask", "--target-loss", "--patience", "--prune-biases", "--mix", "--mix-norm", "--random-seed",
            "--shrink");
    static final Set<String> PATH_OPTIONS = Set.of("--out", "--out-dir", "--save", "--masks-out");

    @BeforeAll
    static void setUp() throws Exception {
        Path base = Files.createDirectories(Path.of("target", "cli-test").toAbsolutePath());
        dir = Files.createTempDirectory(base, "prop");
        tiny = TinyData.idx(dir.resolve("tiny"), 64, 16, 3);
        weights = dir.resolve("w.safetensors");
        Checkpoint.save(weights, Models.build("lenet-300-100", 2).net());
        afile = Files.writeString(dir.resolve("afile"), "x");
        modelFile = dir.resolve("mlp.json");
        dev.jprune.models.ModelFile.write(modelFile, dev.jprune.models.Architecture.builder(1, 28, 28).flatten()
                .linear(784, 16, false).relu().linear(16, 10).build());
        badModelFile = Files.writeString(dir.resolve("bad.json"),
                "{\"input\": [4], \"layers\": [{\"kind\": \"relu\"}]}");
    }

    List<List<String>> templates() {
        String w = weights.toString(), t = tiny.toString(), o = dir.resolve("o.safetensors").toString(),
                d = dir.resolve("sweep").toString();
        return List.of(
                List.of("info", "--model", "cifar-cnn-a"),
                List.of("info", "--weights", w),
                List.of("export", "--model", "lenet-300-100", "--weights", w, "--out", o),
                List.of("eval", "--model", "lenet-300-100", "--weights", w, "--data", t),
                List.of("prune", "--weights", w, "--model", "lenet-300-100", "--criterion", "magnitude", "--sparsity",
                        "0.5", "--out", o, "--device", "cpu"),
                List.of("prune", "--weights", w, "--model", "lenet-300-100", "--criterion", "taylor", "--sparsity",
                        "0.5", "--data", t, "--score-batches", "2", "--batch", "16", "--out", o, "--device", "cpu"),
                List.of("prune", "--weights", w, "--grads", w, "--criterion", "taylor2", "--include", "*.weight",
                        "--exclude", "4.*", "--layout", "plain", "--masks-out", dir.resolve("m.safetensors").toString(),
                        "--sparsity", "0.5", "--out", o),
                List.of("train", "--data", t, "--epochs", "1", "--batch", "32", "--device", "cpu", "--quiet",
                        "--save", o),
                List.of("train", "--model", modelFile.toString(), "--data", t, "--epochs", "1", "--batch", "32",
                        "--quiet", "--save", o, "--layout", "torch-prune"),
                List.of("prune", "--weights", w, "--criterion", "magnitude", "--sparsity", "0.5", "--out", o,
                        "--layout", "plain", "--masks-out", dir.resolve("m.safetensors").toString()),
                List.of("prune", "--data", t, "--epochs", "1", "--batch", "32", "--criterion", "magnitude,taylor",
                        "--sparsity", "0.5", "--schedule", "oneshot", "--fine-tune-epochs", "1", "--out-dir", d,
                        "--device", "cpu", "--quiet"),
                List.of("doctor"));
    }

    List<String> junk() {
        return List.of("", "-1", "0", "1", "NaN", "Infinity", "1e99", "abc", "1.0", "0.5,0.5", "0:4", "2:0", "4:2",
                "9999999999", "-", "--", "/dev/null", dir.toString(), dir.resolve("nodir/x.st").toString(),
                afile.toString(), weights.toString(), "gpu", "auto", "l1", "ema", "iterative", "gradual", "init",
                "structured", "nm", "layer", "mlp-128", "linear-regression", "snip", "plain", "torch-prune",
                "masked", modelFile.toString(), badModelFile.toString(), "hybrid", "random", "gradient=1",
                "gradient=0.7,magnitude=0.3", "below:0.1", "clamp:0", "glorot-uniform", "synthetic-regression",
                "synthetic-regression:n=20,features=3", "csv:" + afile, "classification");
    }

    @Test
    void damagedCommandLinesEndInOneClearErrorLine() {
        int tries = Math.max(40, Properties.tries() / 5);
        Properties.forAll("cli option mutations", tries, Duration.ofSeconds(120), r -> {
            List<String> args = mutate(r);
            CliTest.Run run = CliTest.run(args.toArray(String[]::new));
            String what = String.join(" ", args) + "\n-> exit " + run.code() + "\nstderr: " + run.err();
            boolean doctor = args.get(0).equals("doctor");
            assertTrue(run.code() == 0 || run.code() == 2 || (doctor && run.code() == DoctorCommand.NO_GPU), what);
            assertFalse(run.err().contains("internal error") || run.err().contains("Exception")
                    || run.err().contains("\tat "), what);
            if (run.code() == 2) {
                List<String> errors = run.err().lines().filter(l -> l.startsWith("error: ")).toList();
                assertEquals(1, errors.size(), what);
                assertEquals(errors.get(0), run.err().strip().lines().reduce((a, b) -> b).orElse(""),
                        "the error is the last line: " + what);
            }
        });
    }

    /** A template with 1-3 mutations; then output paths are kept inside the test folder and data small. */
    private List<String> mutate(SplittableRandom r) {
        List<List<String>> ts = templates();
        List<String> a = new ArrayList<>(ts.get(r.nextInt(ts.size())));
        List<String> junk = junk();
        for (int k = 1 + r.nextInt(3); k > 0; k--) {
            int i = 1 + r.nextInt(Math.max(1, a.size() - 1)); // the command name stays
            switch (r.nextInt(6)) {
                case 0 -> { if (a.size() > 1 && i < a.size()) a.remove(i); }
                case 1 -> { if (i < a.size()) a.add(i, a.get(i)); }
                case 2 -> {
                    if (i < a.size() && !a.get(i).startsWith("--")) a.set(i, junk.get(r.nextInt(junk.size())));
                }
                case 3 -> {
                    if (i < a.size() && a.get(i).startsWith("--")) a.set(i, OPTIONS.get(r.nextInt(OPTIONS.size())));
                }
                case 4 -> {
                    a.add(Math.min(i, a.size()), junk.get(r.nextInt(junk.size())));
                    a.add(Math.min(i, a.size()), OPTIONS.get(r.nextInt(OPTIONS.size())));
                }
                default -> { if (i + 1 < a.size()) { String x = a.get(i); a.set(i, a.get(i + 1)); a.set(i + 1, x); } }
            }
        }
        return hermetic(a);
    }

    /** Relative output paths go into the test folder; training commands get the tiny data and a results folder. */
    private List<String> hermetic(List<String> a) {
        for (int i = 0; i + 1 < a.size(); i++) {
            String v = a.get(i + 1);
            if (PATH_OPTIONS.contains(a.get(i)) && !v.startsWith("-") && !Path.of(v).isAbsolute()) {
                a.set(i + 1, dir.resolve("rel-" + a.get(i + 1).replace('/', '_')).toString());
            }
        }
        String cmd = a.get(0);
        boolean loadsData = cmd.equals("train") || cmd.equals("eval") || (cmd.equals("prune")
                && !a.contains("--weights"));
        if (loadsData && !a.contains("--data")) {
            a.add("--data");
            a.add(tiny.toString());
        }
        if (cmd.equals("prune") && !a.contains("--weights") && !a.contains("--out-dir")) {
            a.add("--out-dir");
            a.add(dir.resolve("d").toString());
        }
        return a;
    }
}
