package dev.jprune.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file atomically: a temporary file in the target's directory, forced to disk, then renamed over the
 * target, so readers see the old file or the complete new one and a failure leaves no partial file behind.
 * (The same scheme as {@link dev.jprune.io.SafeTensors#write}; kept private to this package until the library has
 * one shared helper.)
 */
final class AtomicFile {
    private AtomicFile() {}

    /** What to write into the open stream. */
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code body} to {@code file}, replacing an existing regular file.
     *
     * @throws IOException naming the file when its directory does not exist, it is a directory, or writing fails;
     *                     the temporary file is then deleted and an existing target is unchanged
     */
    static void write(Path file, String what, Body body) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("cannot write " + what + " to " + file + ": directory " + dir + " does not exist");
        }
        if (Files.isDirectory(target)) {
            throw new IOException("cannot write " + what + " to " + file + ": it is a directory");
        }
        // A fresh random name opened CREATE_NEW (not createTempFile, whose 0600 mode would stay on the target): the
        // file gets the process's default permissions, like any file it writes.
        Path tmp = null;
        FileChannel opened = null;
        for (int attempt = 0; opened == null; attempt++) {
            String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
            tmp = dir.resolve("." + target.getFileName() + "." + suffix + ".tmp");
            try {
                opened = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw new IOException("cannot write " + what + " to " + file + ": " + reason(e), e);
            } catch (IOException e) {
                throw new IOException("cannot write " + what + " to " + file + ": " + reason(e), e);
            }
        }
        try {
            try (FileChannel ch = opened) {
                OutputStream out = Channels.newOutputStream(ch);
                body.writeTo(out);
                out.flush();
                ch.force(true); // the data is on disk before the rename makes it visible
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException) {
                throw new IOException("cannot write " + what + " to " + file + ": " + reason((IOException) e), e);
            }
            throw e;
        }
    }

    /** A short cause for the one-line error: "permission denied", "No space left on device", ... */
    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
            return ((FileSystemException) e).getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
