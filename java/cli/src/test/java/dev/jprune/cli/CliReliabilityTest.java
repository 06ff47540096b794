package dev.jprune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.cli.CliTest.Run;
import dev.jprune.gpu.GpuProbe;
import dev.jprune.io.Checkpoint;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import dev.jprune.testutil.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The command-line side of issue 14 (bad input, faults, silent NaN): one test per item, numbered as in the issue. */
class CliReliabilityTest {
    static Path dir, tiny;

    @BeforeAll
    static void setUp() throws Exception {
        Path base = Files.createDirectories(Path.of("target", "cli-test").toAbsolutePath());
        dir = Files.createTempDirectory(base, "rel");
        tiny = TinyData.idx(dir.resolve("tiny"), 96, 32, 5);
    }

    /** A lenet-300-100 checkpoint with seeded weights. */
    static Path lenet(String name) throws Exception {
        return lenetIn(dir, name);
    }

    /** A lenet-300-100 checkpoint with seeded weights, {@code name} in {@code folder}. */
    static Path lenetIn(Path folder, String name) throws Exception {
        Path f = folder.resolve(name);
        Checkpoint.save(f, Models.build("lenet-300-100", 3).net());
        return f;
    }

    static void assertOneErrorLine(Run r, String... mustContain) {
        assertEquals(2, r.code(), r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("error: "), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
        for (String s : mustContain) assertTrue(err.contains(s), "'" + s + "' missing in: " + err);
    }

    // ---- 2. data loss through --out: links, permissions, devices, directories

    @Test
    void item2OutputGoesThroughASymlinkAndKeepsTheTargetsPermissions() throws Exception {
        Path in = lenet("in2.safetensors");
        Path real = dir.resolve("real2.safetensors"), link = dir.resolve("link2.safetensors");
        Files.writeString(real, "old content");
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
        Files.createSymbolicLink(link, real);
        Run r = CliTest.run("prune", "--weights", in.toString(), "--criterion", "magnitude", "--sparsity", "0.5",
                "--out", link.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isSymbolicLink(link), "--out stays a link");
        assertEquals(2 * 3 + 3, SafeTensors.read(real).tensors().size(),
                "the link's target holds the pruned weights and masks");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(real)));
    }

    @Test
    void item2DevicesAndDirectoriesAreRefusedAsOutputsBeforeAnyWork() throws Exception {
        Path in = lenet("in2b.safetensors");
        if (Files.exists(Path.of("/dev/null"))) {
            Run r = CliTest.run("prune", "--weights", in.toString(), "--criterion", "magnitude", "--out", "/dev/null",
                    "--device", "cpu");
            assertOneErrorLine(r, "--out", "/dev/null", "not a regular file");
            assertTrue(Files.exists(Path.of("/dev/null")) && !Files.isRegularFile(Path.of("/dev/null")),
                    "/dev/null is still a device");
        }
        Path folder = Files.createDirectories(dir.resolve("a-folder"));
        assertOneErrorLine(CliTest.run("train", "--data", tiny.toString(), "--epochs", "1", "--save", folder.toString(),
                "--device", "cpu"),
                "--save", "a-folder", "is a directory");
        assertOneErrorLine(CliTest.run("export", "--model", "lenet-300-100", "--weights", in.toString(), "--out",
                folder.toString()),
                "--out", "is a directory");
    }

    // ---- 3. results files: mode, atomic PNG, stale temporaries

    @Test
    void item3ResultsGetTheUsualFileModeAndStaleTemporariesAreRemoved() throws Exception {
        Path out = Files.createDirectories(dir.resolve("sweep3"));
        long dead = deadPid();
        Path stale = Files.writeString(out.resolve(".results.json." + dead + "-1a2b.jprune-tmp"), "partial");
        Path staleLegacy = Files.writeString(out.resolve(".results.csv123456789.tmp"), "partial");
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
        Files.setLastModifiedTime(stale, old);
        Files.setLastModifiedTime(staleLegacy, old);
        Run r = CliTest.run("prune", "--data", tiny.toString(), "--epochs", "1", "--batch", "32", "--criterion",
                "magnitude", "--sparsity", "0.5,0.8", "--schedule", "oneshot", "--fine-tune-epochs", "1", "--out-dir",
                out.toString(), "--device", "cpu", "--quiet");
        assertEquals(0, r.code(), r.err());
        Path reference = Files.createFile(dir.resolve("reference3"));
        for (String f : List.of("results.json", "results.csv", PruneCommand.PLOT_FILE)) {
            assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(out.resolve(f)),
                    f + " has the umask mode, not 0600");
        }
        byte[] png = Files.readAllBytes(out.resolve(PruneCommand.PLOT_FILE));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
        try (Stream<Path> s = Files.list(out)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of(PruneCommand.PLOT_FILE, "results.csv", "results.json"), names,
                    "stale temporaries removed, none left");
        }
    }

    static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    // ---- 4. outputs checked before any work

    @Test
    void item4OutputLocationsAreCheckedBeforeAnyWork() throws Exception {
        Path afile = Files.writeString(dir.resolve("afile"), "x");
        Run train = CliTest.run("train", "--data", tiny.toString(), "--epochs", "50", "--save",
                dir.resolve("nodir/x.st").toString(), "--device", "cpu");
        assertOneErrorLine(train, "--save", "nodir", "does not exist");
        assertEquals("", train.out(), "nothing was trained");
        Run prune = CliTest.run("prune", "--data", tiny.toString(), "--epochs", "50", "--out-dir", afile.toString(),
                "--device", "cpu");
        assertOneErrorLine(prune, "--out-dir", "afile", "not a folder");
        assertEquals("", prune.out());
        Run save = CliTest.run("prune", "--data", tiny.toString(), "--epochs", "50", "--out-dir",
                dir.resolve("o4").toString(),
                "--save", dir.resolve("nodir/y.st").toString(), "--device", "cpu");
        assertOneErrorLine(save, "--save", "nodir");
        assertFalse(Files.exists(dir.resolve("o4")), "the results folder is not even created");
        Path resultsDir = Files.createDirectories(dir.resolve("o4b"));
        Files.createDirectories(resultsDir.resolve("results.json"));
        assertOneErrorLine(CliTest.run("prune", "--data", tiny.toString(), "--epochs", "50", "--out-dir",
                resultsDir.toString(), "--device", "cpu"),
                "results.json", "is a directory");
    }

    // ---- 5. non-finite training, evaluation

    @Test
    void item5DivergenceIsAnErrorAndNothingIsSaved() throws Exception {
        Path saved = dir.resolve("d5.safetensors");
        Run r = CliTest.run("train", "--data", tiny.toString(), "--lr", "1e30", "--epochs", "1", "--batch", "32",
                "--save", saved.toString(), "--device", "cpu", "--quiet");
        assertOneErrorLine(r, "diverged");
        assertFalse(Files.exists(saved), "diverged weights are not saved");
        Path out = dir.resolve("o5");
        Run p = CliTest.run("prune", "--data", tiny.toString(), "--lr", "1e30", "--epochs", "1", "--batch", "32",
                "--criterion", "magnitude",
                "--fine-tune-epochs", "1", "--out-dir", out.toString(), "--device", "cpu", "--quiet");
        assertOneErrorLine(p, "diverged");
        assertFalse(Files.exists(out.resolve("results.json")), "no results from a diverged run");
    }

    @Test
    void item5EvaluatingWeightsThatOverflowIsAnError() throws Exception {
        ModelSpec m = Models.build("lenet-300-100", 4);
        for (Parameter p : m.net().parameters()) Arrays.fill(p.value.data, 1e30f); // finite, but the logits are not
        Path f = dir.resolve("huge5.safetensors");
        Checkpoint.save(f, m.net());
        assertOneErrorLine(CliTest.run("eval", "--model", "lenet-300-100", "--weights", f.toString(), "--data",
                tiny.toString()), "loss is NaN");
    }

    // ---- 6. empty test split

    @Test
    void item6AnEmptyTestSplitIsAnErrorAndNoResultsAreWritten() throws Exception {
        Path data = TinyData.idx(dir.resolve("no-test"), 64, 0, 6);
        Path out = dir.resolve("o6");
        Run r = CliTest.run("prune", "--data", data.toString(), "--epochs", "1", "--out-dir", out.toString(),
                "--device", "cpu", "--quiet");
        assertOneErrorLine(r, "test split is empty");
        assertFalse(Files.exists(out));
        assertOneErrorLine(CliTest.run("train", "--data", data.toString(), "--epochs", "1", "--device", "cpu"),
                "test split is empty");
    }

    @Test
    void item6NonFiniteResultsAreNeverWrittenAsJson() throws Exception {
        Results res = new Results();
        res.header.put("dense_accuracy", Double.NaN);
        Path out = dir.resolve("o6b");
        ArithmeticException e = org.junit.jupiter.api.Assertions.assertThrows(ArithmeticException.class, ()
                -> res.write(out));
        assertTrue(e.getMessage().contains("dense_accuracy is NaN"), e.getMessage());
        assertFalse(Files.exists(out.resolve("results.json")));
    }

    // ---- 7. info warns

    @Test
    void item7InfoWarnsAboutNaNValuesAndMasksOtherThanZeroOrOne() throws Exception {
        Map<String, TensorEntry> t = new LinkedHashMap<>();
        t.put("0.weight", TensorEntry.f32(new float[] {1, Float.NaN, 0, Float.POSITIVE_INFINITY}, 2, 2));
        t.put("0.weight_mask", TensorEntry.f32(new float[] {1, 0, 2, 1}, 2, 2));
        t.put("0.bias", TensorEntry.f32(new float[] {0, 1}, 2));
        Path f = dir.resolve("bad7.safetensors");
        SafeTensors.write(f, t, Map.of());
        Run r = CliTest.run("info", "--weights", f.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: tensor '0.weight' has 1 NaN and 1 infinite values"), r.err());
        String mask = "warning: mask '0.weight_mask' has 1 values other than 0 and 1 (first: 2.0 at element 2)";
        assertTrue(r.err().contains(mask), r.err());
        assertFalse(r.err().contains("0.bias"), "a clean tensor gets no warning: " + r.err());
    }

    // ---- 8. memory: header-only info; OutOfMemoryError as one line (child JVMs with a 64 MiB heap)

    @Test
    void item8InfoReadsHeadersOnlyAndOutOfMemoryIsOneLineWithAdvice() throws Exception {
        Path big = dir.resolve("big8.safetensors");
        String header = "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[50000000],\"data_offsets\":[0,200000000]}}";
        byte[] h = (header
                + " ".repeat((8 - header.length() % 8) % 8)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            byte[] len = new byte[8];
            for (int i = 0; i < 8; i++) len[i] = (byte) ((long) h.length >>> (8 * i));
            raf.write(len);
            raf.write(h);
            raf.setLength(8 + h.length + 200_000_000L); // sparse: no disk used
        }
        ChildJvm.Result info = ChildJvm.run(List.of("-Xmx64m"), Map.of(), 120, "dev.jprune.cli.Main", "info",
                "--weights", big.toString());
        assertEquals(0, info.exitCode(), info.output());
        assertTrue(info.output().contains("0.weight") && info.output().contains("[50000000]"), info.output());
        ChildJvm.Result eval = ChildJvm.run(List.of("-Xmx64m"), Map.of(), 120, "dev.jprune.cli.Main", "eval", "--model",
                "lenet-300-100", "--weights", big.toString());
        assertEquals(1, eval.exitCode(), eval.output());
        String err = eval.output().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("error: out of memory: ") && err.contains("big8.safetensors")
                && err.contains("190.7 MiB") && err.contains("-Xmx"), err);
        Files.delete(big);
    }

    // ---- 9. I/O errors name the path and what was expected

    @Test
    void item9IoErrorsNameThePathAndWhatWasExpected() throws Exception {
        assertOneErrorLine(CliTest.run("eval", "--model", "lenet-300-100", "--weights",
                dir.resolve("nope.st").toString()), "nope.st", "no such file");
        assertOneErrorLine(CliTest.run("info", "--weights", dir.toString()), dir.toString(), "is a directory");
        Path gz = Files.createDirectories(dir.resolve("badgz"));
        TinyData.idx(gz, 8, 8, 9);
        Path images = gz.resolve("train-images-idx3-ubyte");
        Files.delete(images);
        // gzip magic, then nothing
        Files.write(gz.resolve("train-images-idx3-ubyte.gz"), new byte[] {0x1f, (byte) 0x8b, 8});
        Run r = CliTest.run("train", "--data", gz.toString(), "--epochs", "1", "--device", "cpu");
        assertOneErrorLine(r, "train-images-idx3-ubyte.gz", "gzip");
        assertFalse(r.err().contains("(null)"), r.err());
        Path afile = Files.writeString(dir.resolve("afile9"), "x");
        assertOneErrorLine(CliTest.run("train", "--data", afile.toString(), "--epochs", "1", "--device", "cpu"),
                "afile9", "not a folder");
    }

    // ---- 10. doctor's exit code

    @Test
    void item10DoctorExitCodeSaysWhetherAGpuIsUsable() {
        Run r = CliTest.run("doctor");
        assertEquals(GpuProbe.get().available() ? 0 : DoctorCommand.NO_GPU, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("GPU backend:"), r.out());
        Run help = CliTest.run("doctor", "--help");
        assertTrue(help.out().contains("Exit codes:") && help.out().contains("3   no usable GPU"), help.out());
    }

    // ---- 11. contradictory or ignored options

    @Test
    void item11ContradictoryOrIgnoredOptionsAreErrors() throws Exception {
        String in = lenet("in11.safetensors").toString(), out = dir.resolve("out11.safetensors").toString(),
                t = tiny.toString();
        Object[][] cases = {
            {new String[] {"prune", "--data", t, "--threshold", "NaN", "--epochs", "0"}, "--threshold"},
            {new String[] {"prune", "--data", t, "--threshold", "0.1", "--sparsity", "0.5", "--epochs", "0"},
                    "--threshold and --sparsity"},
            {new String[] {"prune", "--weights", in, "--out", out, "--save", out},
                    "--save does not apply to prune --weights"},
            {new String[] {"prune", "--weights", in, "--out", out, "--out-dir", dir.toString()},
                    "--out-dir does not apply"},
            {new String[] {"prune", "--weights", in, "--out", out, "--epochs", "3"}, "--epochs does not apply"},
            {new String[] {"prune", "--weights", in, "--out", out, "--criterion", "magnitude", "--data", t},
                    "--data does not apply"},
            {new String[] {"prune", "--data", t, "--out", out, "--epochs", "0"}, "--out is for prune --weights"},
            {new String[] {"info", "--model", "lenet-300-100", "--weights", in}, "not both"},
            {new String[] {"prune", "--data", t, "--fine-tune-lr", "-1", "--epochs", "0"}, "--fine-tune-lr"},
            {new String[] {"prune", "--data", t, "--exclude-layers", "1", "--epochs", "0"}, "--exclude-layers 1",
                    "ReLU", "[0, 2, 4]"},
            {new String[] {"prune", "--data", t, "--exclude-layers", "9", "--epochs", "0"}, "--exclude-layers 9"},
            // A regression model reads --data since issue 18 (csv:, synthetic-regression); images do not fit it.
            {new String[] {"train", "--model", "linear-regression", "--data", t, "--epochs", "0"},
                    "model linear-regression expects samples of shape [10]"},
            {new String[] {"prune", "--data", t, "--sparsity", "1.0", "--epochs", "0"}, "--sparsity", "every weight"},
            {new String[] {"prune", "--data", t, "--granularity", "nm", "--nm", "0:4", "--epochs", "0"}, "--nm 0:4"},
            {new String[] {"train", "--data", t, "--lr", "-0.1", "--epochs", "0"}, "--lr"},
            {new String[] {"train", "--data", t, "--batch", "0", "--epochs", "0"}, "--batch"},
        };
        for (Object[] c : cases) {
            String[] args = (String[]) c[0];
            Run r = CliTest.run(args);
            String[] want = Arrays.copyOfRange(c, 1, c.length, String[].class);
            assertEquals(2, r.code(), String.join(" ", args) + " -> " + r.err());
            assertOneErrorLine(r, want);
        }
        assertEquals(List.of(), Files.list(dir).filter(p -> p.getFileName().toString().startsWith("out11")).toList(),
                "nothing written");
    }

    @Test
    void item11PruningALayerToNothingIsNamedInAWarning() throws Exception {
        ModelSpec m = Models.build("lenet-300-100", 11);
        // the smallest by far
        for (float[] v : List.of(m.net().namedParameters().get("2.weight").value.data)) Arrays.fill(v, 1e-6f);
        Path in = dir.resolve("in11b.safetensors"), out = dir.resolve("out11b.safetensors");
        Checkpoint.save(in, m.net());
        Run r = CliTest.run("prune", "--weights", in.toString(), "--criterion", "magnitude", "--sparsity", "0.5",
                "--out", out.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: layer 2.weight has no weights left"), r.err());
        assertFalse(r.err().contains("layer 0.weight") || r.err().contains("layer 4.weight"), r.err());
    }

    // ---- 12. the progress bar's first redraw

    @Test
    void item12TheFirstRedrawShowsNoRateAndLaterOnesTheTrueRate() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        long[] now = {1_000_000_000L};
        Reporter rep = new Reporter(new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                new java.io.PrintStream(err), true, false, () -> now[0]);
        rep.setBatchSize(64);
        rep.onStep(0, 0, 100, 2.3, 1.0, 0.1); // first step ends: the clock starts, no rate yet
        String first = err.toString();
        assertTrue(first.contains("1/100") && !first.contains("samples/s"), first);
        err.reset();
        now[0] += 2_000_000_000L; // 10 more steps in 2 s: 10 × 64 / 2 = 320 samples/s
        rep.onStep(0, 10, 100, 2.0, 1.0, 0.2);
        assertTrue(err.toString().contains(" 320 samples/s ETA 18s"), err.toString());
    }

    // ---- 13. no mutable public constant arrays

    @Test
    void item13CifarConstantsCannotBeChangedByCallers() {
        assertThrowsUnsupported(() -> dev.jprune.data.Cifar10Reader.TRAIN_FILES.set(0, "evil.bin"));
        int[] shape = dev.jprune.data.Cifar10Reader.sampleShape();
        shape[0] = 99;
        assertArrayEquals(new int[] {3, 32, 32}, dev.jprune.data.Cifar10Reader.sampleShape());
    }

    private static void assertThrowsUnsupported(Runnable r) {
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class, r::run);
    }

    /** Main catches Errors too: an error thrown by a command becomes one line, not a stack trace. */
    @Test
    void errorsBecomeOneLine() {
        String s = Errors.describe(new StackOverflowError());
        assertTrue(s.startsWith("internal error: stack overflow"), s);
        String oom = Errors.describe(new OutOfMemoryError("Java heap space"));
        assertTrue(oom.startsWith("out of memory: Java heap space; the Java heap limit is ") && oom.contains("-Xmx"),
                oom);
        assertEquals(1, Errors.exitCode(new OutOfMemoryError()));
        assertEquals("x.st: no such file or directory", Errors.describe(new java.nio.file.NoSuchFileException("x.st")));
        assertEquals("d: permission denied", Errors.describe(new java.nio.file.AccessDeniedException("d")));
    }
}
