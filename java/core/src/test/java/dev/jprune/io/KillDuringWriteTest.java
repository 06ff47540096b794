package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.testutil.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a JVM writing a checkpoint is killed with SIGKILL at random moments (at least 20 times, within a time
 * bound); after every kill the destination is the old complete file or the new complete one, never a torn or mixed
 * file. Each version's values all equal its number, so a mix of two versions would show.
 */
class KillDuringWriteTest {
    private static final int MIN_KILLS = 20;
    private static final long BUDGET_MILLIS = 90_000;

    @Test
    void sigkillAtRandomMomentsLeavesTheOldOrTheNewCompleteFile() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))),
                "kill");
        Path file = dir.resolve("ckpt.safetensors");
        Random rnd = new Random(14);
        long known = -1; // version the file holds (-1: no file yet)
        int kills = 0, midWrite = 0;
        long t0 = System.currentTimeMillis();
        while (kills < MIN_KILLS && System.currentTimeMillis() - t0 < BUDGET_MILLIS) {
            // Output to files, not pipes: the JDK drains a dead child's pipe on its own thread, which can cut a reader
            // off ("Stream closed") and lose the last "saved N" lines; a file keeps every byte the child wrote.
            Path out = dir.resolve("stdout-" + kills + ".txt");
            Process p = ChildJvm.builder(List.of("-Xmx128m"), CheckpointWriterMain.class.getName(), file.toString(),
                    Long.toString(known + 1)).redirectErrorStream(false).redirectOutput(out.toFile())
                    .redirectError(dir.resolve("stderr-" + kills + ".txt").toFile()).start();
            Thread.sleep(100 + rnd.nextInt(700)); // before, during or between writes (JVM start takes ~300 ms)
            p.destroyForcibly(); // SIGKILL
            p.waitFor();
            String lines = Files.readString(out, StandardCharsets.UTF_8);
            long announced = known;
            for (String line : lines.split("\n", -1)) { // the last piece may be a line the kill cut: keep the largest
                if (line.matches("saved \\d+")) announced = Math.max(announced, Long.parseLong(line.substring(6)));
            }
            kills++;
            long before = known;
            if (Files.exists(file)) {
                long v = checkComplete(file);
                // the last announced save, or the one after it if the kill fell between its rename and its "saved" line
                assertTrue(v >= before && v <= announced + 1, "file holds version " + v + "; before the run " + before
                        + ", last announced " + announced + "; output " + lines.replace('\n', '|'));
                known = v;
            } else {
                assertEquals(-1, announced, "a save was announced but no file exists");
            }
            if (announced > before) midWrite++;
        }
        assertTrue(kills >= MIN_KILLS, "only " + kills + " kills within the time bound");
        assertTrue(midWrite > 0 && known >= 0, "the child never completed a save: the test proved nothing");
    }

    /** Reads and validates the whole file; every value equals the metadata's version. Returns the version. */
    private static long checkComplete(Path file) throws Exception {
        SafeTensorFile f = SafeTensors.read(file);
        long v = Long.parseLong(f.metadata().get("version"));
        for (TensorEntry e : f.tensors().values()) {
            for (float x : e.floats()) {
                if (x != (float) v) {
                    throw new AssertionError(file + ": value " + x + " in a file of version " + v + " (torn or mixed)");
                }
            }
        }
        return v;
    }
}
