package dev.jprune.testutil;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Files that are not regular files, for the readers' "not a regular file" paths. */
public final class SpecialFiles {
    private SpecialFiles() {}

    /** A FIFO at {@code path} made with mkfifo(1); the calling test is skipped where there is no mkfifo. */
    public static Path fifo(Path path) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("no mkfifo here: " + e.getMessage());
            return null;
        }
        Assumptions.assumeTrue(p.waitFor() == 0, "mkfifo " + path + " failed");
        return path;
    }
}
