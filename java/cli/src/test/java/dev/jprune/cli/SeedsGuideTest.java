package dev.jprune.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.cli.CliTest.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * docs/SEEDS.md cannot rot: every command in its {@code sh} blocks runs here, as written, at a small scale — one
 * epoch, a few samples — with its files under a temporary folder. The rewriting touches only sizes and paths:
 * --epochs/--fine-tune-epochs 1, --rounds 2, --train-limit 64, generated CIFAR-format data of 48 + 16 images,
 * a folder of real CIFAR-10 batches replaced by a tiny one in the same binary format, and Fashion-MNIST by a tiny
 * IDX folder when the Debian package is not installed. No folder is made for them: the guide must work, as
 * written, in a fresh directory.
 */
class SeedsGuideTest {
    static final String JAR = "java -jar java/cli/target/jprune.jar ";

    /** The commands of the guide's sh blocks, continuation lines joined. */
    static List<String> commands(String md) {
        List<String> out = new ArrayList<>();
        boolean inSh = false;
        StringBuilder cur = null;
        for (String line : md.split("\n")) {
            if (line.startsWith("```")) {
                inSh = line.equals("```sh");
                continue;
            }
            if (!inSh) continue;
            String l = line.strip();
            if (cur == null) {
                if (!l.startsWith(JAR)) continue;
                cur = new StringBuilder();
            }
            boolean more = l.endsWith("\\");
            cur.append(more ? l.substring(0, l.length() - 1) : l).append(' ');
            if (!more) {
                out.add(cur.toString().strip());
                cur = null;
            }
        }
        return out;
    }

    /** The command's arguments at test scale, with paths under {@code tmp} (see the class comment). */
    static String[] scaled(String command, Path tmp, Path cifar, Path fashion) {
        List<String> a = new ArrayList<>(Arrays.asList(command.substring(JAR.length()).trim().split("\\s+")));
        Map<String, String> sizes = Map.of("--epochs", "1", "--fine-tune-epochs", "1", "--rounds", "2",
                "--train-limit", "64");
        for (int i = 0; i < a.size() - 1; i++) {
            String o = a.get(i), v = a.get(i + 1);
            assertFalse(v.contains("\"") || v.contains("'"), "the guide's commands take no quoting: " + command);
            if (sizes.containsKey(o)) a.set(i + 1, sizes.get(o));
            if (o.equals("--data")) {
                if (v.startsWith("synthetic-cifar10")) a.set(i + 1, "synthetic-cifar10:train=48,test=16");
                else if (v.contains("cifar-10-batches-bin")) a.set(i + 1, cifar.toString());
                else if (v.equals("fashion-mnist") && fashion != null) a.set(i + 1, fashion.toString());
            }
            if (Set.of("--out-dir", "--save", "--weights", "--out").contains(o)) a.set(i + 1,
                    tmp.resolve(v).toString());
        }
        boolean sized = a.contains("--train-limit") || a.get(0).equals("eval");
        boolean tabular = a.stream().anyMatch(s -> s.startsWith("synthetic-regression") || s.startsWith("csv:"));
        if (!sized && !tabular) {
            a.add("--train-limit");
            a.add("64");
        }
        return a.toArray(String[]::new);
    }

    @Test
    void everyCommandOfTheGuideRunsAtASmallScale() throws Exception {
        String md = Files.readString(Path.of("..", "..", "docs", "SEEDS.md"), StandardCharsets.UTF_8);
        List<String> cmds = commands(md);
        assertTrue(cmds.size() >= 8, "the guide's commands: " + cmds);
        for (String seed : List.of("000", "001", "002", "003", "004")) {
            assertTrue(md.contains("## " + seed), "a section for write-up " + seed);
        }
        Path base = Path.of("target", "cli-test").toAbsolutePath();
        Files.createDirectories(base);
        Path tmp = Files.createTempDirectory(base, "guide");
        Path cifar = tmp.resolve("cifar-10-batches-bin");
        Files.createDirectories(cifar);
        java.util.Random rnd = new java.util.Random(7);
        for (String f : List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                "data_batch_5.bin",
                "test_batch.bin")) {
            byte[] b = new byte[12 * 3073];
            rnd.nextBytes(b);
            for (int r = 0; r < 12; r++) b[r * 3073] = (byte) rnd.nextInt(10);
            Files.write(cifar.resolve(f), b);
        }
        Path fashion = dev.jprune.data.FashionMnist.isAvailable() ? null : TinyData.idx(tmp.resolve("fashion"), 96,
                32, 4);
        for (String c : cmds) {
            String[] args = scaled(c, tmp, cifar, fashion);
            Run r = CliTest.run(args);
            assertEquals(0, r.code(), String.join(" ", args) + "\n" + r.err());
            assertFalse(r.out().isBlank(), String.join(" ", args));
        }
    }
}
