package dev.jprune.cli;

import static dev.jprune.cli.CliReliabilityTest.assertOneErrorLine;
import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jprune.cli.CliTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The write-ups' features from the command line (issue 18): tabular data and regression results, hybrid and random
 * criteria, bias pruning, threshold mode, gradient masking, shrinking — and every bad input refused with one error
 * line naming the row/column or option, exit code 2, nothing written.
 */
class SeedsCliTest {
    static Path dir, good;

    @BeforeAll
    static void tmp() throws Exception {
        Path base = Path.of("target", "cli-test").toAbsolutePath();
        Files.createDirectories(base);
        dir = Files.createTempDirectory(base, "seeds");
        StringBuilder b = new StringBuilder("x1,x2,y\n");
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 60; i++) {
            double x1 = r.nextDouble(), x2 = r.nextDouble();
            b.append(String.format(java.util.Locale.ROOT, "%.5f,%.5f,%.5f%n", x1, x2, 3 * x1 - x2 + 0.5
                    + 0.05 * r.nextGaussian()));
        }
        good = Files.writeString(dir.resolve("good.csv"), b.toString());
    }

    static JsonObject results(Path outDir) throws Exception {
        return JsonParser.parseString(Files.readString(outDir.resolve("results.json"))).getAsJsonObject();
    }

    /** Each CSV fault: one error line naming the line and column (or the target), exit 2, no output folder, no file. */
    @Test
    void badCsvFilesAreRefusedNamingTheRowAndColumnAndNothingIsWritten() throws Exception {
        String[][] cases = {
            {"x1,x2,y\n1,2,3\n4,,6\n", "line 3, column 'x2' (2): empty cell"},
            {"x1,x2,y\n1,2,3\n4,five,6\n", "line 3, column 'x2' (2): 'five' is not a number"},
            {"x1,x2,y\n1,2,3\n4,5\n", "line 3 has 2 cells but the header has 3 columns"},
            {"", "empty file"},
            {"x1,x2,y\n1,2,3\n4,5,6\n", "no column named 'price'"},
        };
        for (int i = 0; i < cases.length; i++) {
            Path csv = Files.writeString(dir.resolve("bad" + i + ".csv"), cases[i][0]);
            Path out = dir.resolve("bad-out" + i), save = dir.resolve("bad" + i + ".safetensors");
            String target = cases[i][1].contains("price") ? "price" : "y";
            Run r = CliTest.run("prune", "--model", "linear-regression", "--data", "csv:" + csv, "--target", target,
                    "--epochs", "1",
                    "--out-dir", out.toString(), "--save", save.toString(), "--device", "cpu", "--quiet");
            assertOneErrorLine(r, csv.getFileName().toString(), cases[i][1]);
            assertFalse(Files.exists(out), "nothing written: " + out);
            assertFalse(Files.exists(save), "nothing written: " + save);
            assertOneErrorLine(CliTest.run("train", "--model", "linear-regression", "--data", "csv:" + csv,
                    "--target", target,
                    "--save", save.toString(), "--device", "cpu"), cases[i][1]);
            assertFalse(Files.exists(save));
        }
    }

    @Test
    void badMixesThresholdsAndMasksAreRefusedNamingTheOption() {
        Path out = dir.resolve("never");
        String[] base = {"prune", "--data", "embedded", "--epochs", "1", "--out-dir", out.toString(), "--device",
                "cpu"};
        String[][] cases = {
            {"--criterion", "hybrid", "--mix", "gradient=-0.3,magnitude=1",
                    "--mix: the weight of gradient must be a finite number >= 0"},
            {"--criterion", "hybrid", "--mix", "gradient=0,magnitude=0", "--mix: the weights sum to 0"},
            {"--criterion", "hybrid", "--mix", "gradient=0.7,snr=0.3", "--mix: unknown criterion 'snr'"},
            {"--criterion", "hybrid", "--criterion hybrid needs --mix"},
            {"--criterion", "taylor", "--mix", "gradient=1", "--mix applies to --criterion hybrid only"},
            {"--grad-mask", "below:0", "--grad-mask below:0: eps must be a positive finite number"},
            {"--grad-mask", "below:NaN", "--grad-mask below:NaN: eps must be a positive finite number"},
            {"--grad-mask", "below:-1", "eps must be a positive finite number"},
            {"--threshold", "NaN", "--threshold must be a finite number"},
            {"--prune-biases", "--granularity", "neurons", "--prune-biases needs --granularity weights"},
            {"--shrink", "--granularity", "neurons", "--shrink writes the smaller model to --save"},
            {"--shrink", "--save", "x.safetensors", "--shrink removes pruned neurons/filters physically"},
            {"--random-seed", "3", "--random-seed applies to --criterion random only"},
            {"--target-loss", "NaN", "--target-loss must be a finite number"},
            {"--target-loss", "-1", "--target-loss must be a finite number >= 0"},
            {"--target", "y", "--target applies to csv: data only"},
            {"--task", "classification", "--task applies to csv: data only"},
        };
        for (String[] c : cases) {
            String[] args = new String[base.length + c.length - 1];
            System.arraycopy(base, 0, args, 0, base.length);
            System.arraycopy(c, 0, args, base.length, c.length - 1);
            assertOneErrorLine(CliTest.run(args), c[c.length - 1]);
            assertFalse(Files.exists(out));
        }
    }

    /** Write-up 002 end to end: train θ without bias from 0 under a sweep of masks, then prune by a threshold. */
    @Test
    void regressionTrainsPrunesAndReportsMseEverywhere() throws Exception {
        Run t = CliTest.run("train", "--model", "linear-regression-1", "--no-bias", "--init", "zeros", "--data",
                "synthetic-regression",
                "--lr", "0.01", "--momentum", "0", "--batch", "100", "--epochs", "300", "--grad-mask", "none,above:1",
                "--clip-value", "0,0.01", "--device", "cpu");
        assertEquals(0, t.code(), t.err());
        List<String> rows = t.out().lines().filter(l -> l.matches("^(off|0\\.01)\\s+.*")).toList();
        assertEquals(4, rows.size(), t.out());
        assertTrue(rows.get(1).contains("0.weight=[0.0000]"), "above:1 never updates θ from 0: " + rows.get(1));
        assertTrue(rows.get(2).contains("0.weight=[0.0300]"), "clipped at 0.01, lr 0.01, 300 steps: " + rows.get(2));
        Path out = dir.resolve("reg");
        Run p = CliTest.run("prune", "--model", "linear-regression", "--data", "csv:" + good, "--target", "y",
                "--epochs", "40",
                "--batch", "8", "--criterion", "gradient,magnitude", "--threshold", "0.001,1000",
                        "--fine-tune-epochs", "2",
                "--out-dir", out.toString(), "--device", "cpu", "--quiet");
        assertEquals(0, p.code(), p.err());
        JsonObject res = results(out);
        assertEquals("regression", res.get("task").getAsString());
        assertEquals("oneshot", res.get("schedule").getAsString(), "--threshold defaults to one prune");
        assertTrue(res.get("dense_test_mse").getAsDouble() < 0.05, res.toString());
        var runs = res.getAsJsonArray("runs");
        assertEquals(4, runs.size());
        for (var e : runs) {
            JsonObject run = e.getAsJsonObject();
            for (String k : List.of("dense_train_mse", "dense_test_mse", "just_pruned_test_mse", "pruned_train_mse",
                    "pruned_test_mse")) {
                assertTrue(run.has(k), k + " in " + run);
            }
            assertFalse(run.has("pruned_accuracy"));
            double th = run.get("threshold").getAsDouble();
            // Threshold mode reports the sparsity reached: nothing below 0.001, everything below 1000.
            assertEquals(th < 1 ? 0.0 : 1.0, run.get("sparsity").getAsDouble(), 1e-12, run.toString());
            assertEquals(run.get("sparsity").getAsDouble(), run.get("achieved_sparsity").getAsDouble());
        }
        assertTrue(Files.exists(out.resolve(PruneCommand.MSE_PLOT_FILE)));
        String csv = Files.readString(out.resolve("results.csv"));
        assertTrue(csv.startsWith("criterion,sparsity,threshold,schedule,dense_train_mse,dense_test_mse"), csv);
    }

    @Test
    void shrunkModelsAreWrittenWithTheirArchitectureAndEvalRunsThem() throws Exception {
        Path data = TinyData.idx(dir.resolve("tiny"), 256, 64, 3), save = dir.resolve("small.safetensors");
        Run p = CliTest.run("prune", "--model", "lenet-300-100", "--data", data.toString(), "--epochs", "1",
                "--batch", "64",
                "--granularity", "neurons", "--scope", "layer", "--criterion", "hybrid", "--mix",
                        "gradient=0.5,magnitude=0.5",
                "--sparsity", "0.5", "--schedule", "oneshot", "--fine-tune-epochs", "1", "--shrink", "--save",
                        save.toString(),
                "--out-dir", dir.resolve("shrink-out").toString(), "--device", "cpu", "--quiet");
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("Linear(784 -> 150)") && p.out().contains("Linear(150 -> 50)"), p.out());
        double reported = results(dir.resolve("shrink-out")).getAsJsonArray("runs").get(0).getAsJsonObject()
                .get("pruned_accuracy").getAsDouble();
        Run e = CliTest.run("eval", "--weights", save.toString(), "--data", data.toString());
        assertEquals(0, e.code(), e.err());
        // The smaller model computes the masked one: the same accuracy on the same test split (same input statistics).
        String pct = String.format(java.util.Locale.ROOT, "accuracy %.2f%%", 100 * reported);
        assertTrue(e.out().contains(pct), e.out() + " vs " + pct);
        Path plain = dir.resolve("plain.safetensors");
        dev.jprune.io.Checkpoint.save(plain, dev.jprune.models.Models.build("lenet-5", 3).net());
        assertOneErrorLine(CliTest.run("eval", "--weights", plain.toString()), "carries no model", "--model");
    }

    @Test
    void tabularClassificationBiasPruningAndTheRandomBaselineRun() throws Exception {
        StringBuilder b = new StringBuilder("a,b,label\n");
        java.util.Random r = new java.util.Random(2);
        for (int i = 0; i < 90; i++) {
            int c = i % 3;
            b.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%d%n", c + 0.3 * r.nextGaussian(), -c
                    + 0.3 * r.nextGaussian(), c));
        }
        Path csv = Files.writeString(dir.resolve("cls.csv"), b.toString());
        Path out = dir.resolve("cls");
        Run p = CliTest.run("prune", "--model", "logistic-regression", "--data", "csv:" + csv, "--target", "label",
                "--task",
                "classification", "--input-scaling", "standardize", "--epochs", "20", "--batch", "10", "--criterion",
                        "random,magnitude",
                "--prune-biases", "--sparsity", "0.5", "--schedule", "oneshot", "--fine-tune-epochs", "2",
                        "--out-dir", out.toString(),
                "--device", "cpu", "--quiet");
        assertEquals(0, p.code(), p.err());
        JsonObject res = results(out);
        assertTrue(res.get("dense_accuracy").getAsDouble() > 0.8, res.toString());
        JsonObject run = res.getAsJsonArray("runs").get(0).getAsJsonObject();
        assertTrue(run.getAsJsonObject("density").has("0.bias"), run.toString());
        long keep = 9 - (long) Math.rint(0.5 * 9);  // 6 weights and 3 biases, selected together
        assertEquals(1 - keep / 9.0, run.get("achieved_sparsity").getAsDouble(), 1e-12, run.toString());
    }
}
