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
        checkFile(file, option, null);
    }

    /**
     * As {@link #checkFile(Path, String)}, except that FILE may be in {@code createdFolder} before it exists: the
     * results folder that the run creates before writing FILE (checked by {@link #checkDirectory}); null: none.
     */
    static void checkFile(Path file, String option, Path createdFolder) {
        if (file == null) return;
        Path parent = file.toAbsolutePath().getParent();
        if (createdFolder != null && !Files.exists(createdFolder) && parent != null
                && AtomicFiles.sameFile(parent, createdFolder)) {
            return;
        }
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

    /**
     * {@code option FILE} is none of the files a training run writes into {@code --out-dir DIR} ({@code results}: their
     * names), nor DIR itself: one would replace the other at the end of the run.
     */
    static void checkApartFromResults(Path file, String option, Path dir, String... results) {
        if (file == null || dir == null) return;
        if (AtomicFiles.sameFile(file, dir)) {
            throw new IllegalArgumentException(option + " " + file + " is the --out-dir folder; give a file in it,"
                    + " e.g. " + dir.resolve("model.safetensors"));
        }
        for (String name : results) {
            if (AtomicFiles.sameFile(file, dir.resolve(name))) {
                throw new IllegalArgumentException(option + " " + file + " is the " + name + " that --out-dir "
                        + dir + " gets; choose another file name");
            }
        }
    }

    /**
     * {@code outOption OUT} is not the input {@code inOption IN}: writing it would replace what the command reads (the
     * same file through any link or spelling).
     */
    static void checkNotInput(Path out, String outOption, Path in, String inOption) {
        if (out != null && in != null && AtomicFiles.sameFile(out, in)) {
            throw new IllegalArgumentException(outOption + " " + out + " is the same file as " + inOption + " " + in
                    + ": writing it would replace the input; choose another file");
        }
    }

    /**
     * {@code outOption OUT} replaces neither the model file {@code --model} names (not a built-in name) nor the CSV
     * file of {@code --data csv:FILE}: a checkpoint written there would destroy what the run was made from.
     */
    static void checkNotReadInputs(Path out, String outOption, String model, String dataSpec) {
        if (out == null) return;
        if (model != null && !dev.jprune.models.Models.NAMES.contains(model)) {
            try {
                checkNotInput(out, outOption, Path.of(model), "--model");
            } catch (java.nio.file.InvalidPathException e) {
                // not a path: Models.resolve says what is wrong with it
            }
        }
        if (dataSpec != null && dataSpec.startsWith("csv:") && dataSpec.length() > 4) {
            try {
                checkNotInput(out, outOption, Path.of(dataSpec.substring(4)), "--data");
            } catch (java.nio.file.InvalidPathException e) {
                // the data loader names it
            }
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
