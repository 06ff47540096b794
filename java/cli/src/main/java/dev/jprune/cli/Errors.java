package dev.jprune.cli;

import dev.jprune.gpu.GpuException;
import dev.jprune.util.HeapExhaustedError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * Turns whatever a command throws into the one line the user sees and the exit code (see {@link Main}): every I/O
 * error names its path and what was expected; an OutOfMemoryError says how much heap the JVM had and how to give it
 * more. Stack traces only with the environment variable {@code JPRUNE_DEBUG=1}.
 */
final class Errors {
    /** Exit code for bad usage or input, and for results that are not finite numbers. */
    static final int BAD_INPUT = 2;
    /** Exit code for anything else that failed: a bug, the GPU, the machine (memory). */
    static final int FAILURE = 1;

    private Errors() {}

    static int exitCode(Throwable t) {
        t = unwrap(t);
        if (t instanceof IllegalArgumentException || t instanceof IOException || t instanceof IllegalStateException
                || t instanceof ArithmeticException) return BAD_INPUT;
        return FAILURE;
    }

    /** The message after "error: ", one line. */
    static String describe(Throwable t) {
        t = unwrap(t);
        String s;
        if (t instanceof OutOfMemoryError oom) s = outOfMemory(oom);
        else if (t instanceof FileSystemException f) s = fileSystem(f);
        else if (t instanceof IllegalArgumentException || t instanceof IOException || t instanceof IllegalStateException
                || t instanceof ArithmeticException || t instanceof GpuException) s = message(t);
        else if (t instanceof StackOverflowError) {
            s = "internal error: stack overflow (please report it, with JPRUNE_DEBUG=1 output)";
        }
        else s = "internal error: " + t + " (please report it, with the output of JPRUNE_DEBUG=1)";
        return oneLine(s);
    }

    static boolean debug() {
        return "1".equals(System.getenv("JPRUNE_DEBUG"));
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof UncheckedIOException && t.getCause() != null) t = t.getCause();
        return t;
    }

    private static String message(Throwable t) {
        return t.getMessage() != null && !t.getMessage().isBlank() ? t.getMessage() : t.getClass().getSimpleName();
    }

    /** NIO's exceptions carry the path and a reason; the reason is often null ("error: nope.st"): say what it means. */
    static String fileSystem(FileSystemException f) {
        String reason = f.getReason();
        if (reason == null) {
            if (f instanceof NoSuchFileException) reason = "no such file or directory";
            else if (f instanceof AccessDeniedException) reason = "permission denied";
            else if (f instanceof FileAlreadyExistsException) reason = "already exists (not what was expected there)";
            else if (f instanceof NotDirectoryException) reason = "not a directory";
            else if (f instanceof DirectoryNotEmptyException) reason = "directory not empty";
            else reason = "file system error (" + f.getClass().getSimpleName() + ")";
        }
        String other = f.getOtherFile() == null ? "" : " -> " + f.getOtherFile();
        String where = f.getFile() == null ? "" : f.getFile() + other + ": ";
        return where + reason;
    }

    private static String outOfMemory(OutOfMemoryError e) {
        long max = Runtime.getRuntime().maxMemory();
        String what = e.getMessage() == null || e.getMessage().isBlank() ? "Java heap space" : e.getMessage();
        long want = 2 * max;
        if (e instanceof HeapExhaustedError h) {
            want = Math.max(want, h.bytesNeeded() + h.bytesNeeded() / 4 + (128L << 20)); // + 25% + the JVM's own
        }
        return "out of memory: " + what + "; the Java heap limit is " + mib(max) + ". Give Java more, e.g. java -Xmx"
                + xmx(want) + " -jar jprune.jar ...";
    }

    /** {@code bytes} rounded up to whole GiB (or 64 MiB steps below 1 GiB, at least 256 MiB), as an -Xmx value. */
    static String xmx(long bytes) {
        long want = Math.max(bytes, 256L << 20);
        if (want < (1L << 30)) return (((want + (64L << 20) - 1) >> 26) << 6) + "m";
        return ((want + (1L << 30) - 1) >> 30) + "g";
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }

    private static String oneLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl).stripTrailing();
    }
}
