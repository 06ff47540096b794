package dev.jprune.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

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
        if (Files.isDirectory(target)) throw new IOException("cannot write " + what + " to " + file + ": it is a directory");
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new IOException("cannot write " + what + " to " + file + ": " + e, e);
        }
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
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
            if (e instanceof IOException) throw new IOException("cannot write " + what + " to " + file + ": " + e.getMessage(), e);
            throw e;
        }
    }
}
