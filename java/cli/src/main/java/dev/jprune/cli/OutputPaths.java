package dev.jprune.cli;

import dev.jprune.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks output locations before a command does any work (so that a long run never ends in "cannot write"), and
 * creates output folders with errors that name them. Checks create nothing.
 */
final class OutputPaths {
    private OutputPaths() {}

    /** {@code option FILE} can be written: absent or a regular file (links followed) in an existing writable folder. */
    static void checkFile(Path file, String option) {
        if (file == null) return;
        try {
            AtomicFiles.checkWritable(file);
        } catch (FileSystemException e) {
            throw new IllegalArgumentException(option + " " + Errors.fileSystem(e), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code option DIR} can hold the named files: DIR is a writable folder, or absent and creatable (its nearest
     * existing ancestor is a writable folder); each of {@code files} that exists in it is a regular file.
     */
    static void checkDirectory(Path dir, String option, String... files) {
        if (dir == null) return;
        Path abs = dir.toAbsolutePath();
        if (Files.exists(abs)) {
            if (!Files.isDirectory(abs)) {
                throw new IllegalArgumentException(option + " " + dir + ": exists and is not a folder; expected a"
                        + " folder for the results");
            }
            if (!Files.isWritable(abs)) {
                throw new IllegalArgumentException(option + " " + dir + ": folder is not writable");
            }
            for (String f : files) checkFile(dir.resolve(f), option);
            return;
        }
        Path p = abs.getParent();
        while (p != null && !Files.exists(p)) p = p.getParent();
        if (p == null || !Files.isDirectory(p)) {
            throw new IllegalArgumentException(option + " " + dir + ": cannot be created: " + p + " is not a folder");
        }
        if (!Files.isWritable(p)) {
            throw new IllegalArgumentException(option + " " + dir + ": cannot be created: folder " + p
                    + " is not writable");
        }
    }

    /** Creates {@code dir} and its parents when missing, naming the option and the path on failure. */
    static void createDirectories(Path dir, String option) {
        try {
            Files.createDirectories(dir);
        } catch (FileSystemException e) {
            String why = Errors.fileSystem(e);
            throw new IllegalArgumentException(option + " " + dir + ": cannot create the folder: " + why, e);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + dir + ": cannot create the folder: " + e.getMessage(), e);
        }
    }
}
