package dev.jprune.io;

import java.nio.file.Files;
import java.nio.file.Path;

/** What is wrong with a path given as an input file, said the same way by every reader. */
public final class InputFiles {
    private InputFiles() {}

    /**
     * Why {@code file} cannot be read as an input file, or null when it is an existing regular file (links followed):
     * "no such file", "is a directory", or "is not a regular file (a FIFO, device or socket)" — a FIFO would block the
     * reader until some writer came. Reads metadata only.
     */
    public static String fault(Path file) {
        if (Files.isDirectory(file)) return "is a directory";
        if (Files.isRegularFile(file)) return null;
        return Files.exists(file) ? "is not a regular file (a FIFO, device or socket)" : "no such file";
    }
}
