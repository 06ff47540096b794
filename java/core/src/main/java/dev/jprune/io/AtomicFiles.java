package dev.jprune.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces a file's content atomically: readers and a crash at any moment see the old complete file or the new
 * complete one. Every file jprune writes goes through here.
 *
 * <p>How: the target is resolved first — a symbolic link is followed to the file it names (the link stays a link
 * and its target gets the new content), and anything that exists but is not a regular file (a directory, a device,
 * a FIFO, a socket) is refused, and so is an existing file this process may not write (read-only for its user, or
 * immutable). The new content goes to a hidden temporary file in the target's folder
 * ({@code .NAME.PID-RANDOM.jprune-tmp}), is forced to disk, takes the existing file's POSIX permissions (a new
 * file gets the process umask's usual mode, e.g. 0644), and is renamed over the target; the folder is then forced
 * so the rename survives a power loss. On any failure the temporary file is removed and the target is untouched.
 * Temporary files of this naming (and of jprune's earlier {@code .NAME.HEX.tmp} naming) left by a killed writer
 * are removed on the next write to the same target. Owner and group are not copied (only root could).
 *
 * <p>Errors are {@link FileSystemException}s whose message names the path and what was expected.
 */
public final class AtomicFiles {
    /** Suffix of the temporary files written here. */
    static final String TMP_SUFFIX = ".jprune-tmp";
    /** A temporary file of a dead writer whose modification time is this recent may still belong to a writer on
     *  another host sharing the folder (its PID means nothing here): left alone. */
    static final long STALE_AFTER_MILLIS = 60_000;
    /** Temporary files of the naming before {@link #TMP_SUFFIX} (no PID): removed once this old. */
    static final long LEGACY_STALE_AFTER_MILLIS = 10 * 60_000;
    private static final int MAX_LINKS = 40;

    private AtomicFiles() {}

    /** Writes the new content to the (temporary) file's channel, from position 0. */
    @FunctionalInterface
    public interface Body {
        /** Writes the content to {@code out}; an exception aborts the write and leaves the target unchanged. */
        void write(FileChannel out) throws IOException;
    }

    /** Replaces {@code file}'s content with {@code data} atomically (see the class documentation). */
    public static void writeBytes(Path file, byte[] data) throws IOException {
        write(file, ch -> {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) ch.write(b);
        });
    }

    /** Replaces {@code file}'s content with {@code text} as UTF-8 atomically (see the class documentation). */
    public static void writeString(Path file, String text) throws IOException {
        writeBytes(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Replaces {@code file}'s content with what {@code body} writes, atomically (see the class documentation).
     * An exception from {@code body} aborts the write (the target is untouched) and propagates unchanged.
     *
     * @throws FileSystemException naming the path when it is not a regular file, it exists and may not be written
     *     (read-only), its folder is missing or not writable, or writing, forcing or renaming fails
     */
    public static void write(Path file, Body body) throws IOException {
        Path target = resolveTarget(file);
        refuseUnwritableTarget(file, target);
        Path dir = target.getParent();
        removeStaleTemporaries(target);
        Set<PosixFilePermission> keep = existingPermissions(target);
        Path tmp = null;
        try {
            FileChannel ch = null;
            while (ch == null) {
                tmp = dir.resolve(tempName(target.getFileName().toString()));
                try {
                    ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException e) {
                    tmp = null; // 64 random bits collided: draw again
                } catch (IOException e) {
                    tmp = null;
                    throw failure(target, "cannot create a temporary file in folder " + dir, e);
                }
            }
            try (FileChannel out = ch) {
                body.write(out);
                out.force(true); // content on disk before the rename makes it visible
            }
            if (keep != null) Files.getFileAttributeView(tmp, PosixFileAttributeView.class).setPermissions(keep);
            try {
                // rename(2) within one folder: readers see the old file or the new one, never a mix
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw failure(target, "cannot rename the new content into place", e);
            }
            tmp = null;
        } catch (IOException | RuntimeException | Error e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        forceDirectory(dir);
    }

    /**
     * The regular file a write to {@code file} replaces: {@code file} itself, or the end of its chain of symbolic
     * links (which need not exist yet). Does not create anything.
     *
     * @throws FileSystemException when that path exists but is not a regular file, the links loop, or the folder
     *     it would go in does not exist
     */
    public static Path resolveTarget(Path file) throws IOException {
        Path p = file.toAbsolutePath();
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops >= MAX_LINKS) {
                throw new FileSystemException(file.toString(), null, "too many levels of symbolic links");
            }
            Path link = Files.readSymbolicLink(p);
            p = p.getParent().resolve(link).normalize();
        }
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            String what = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "is a directory"
                    : "is not a regular file (a device, FIFO or socket)";
            throw new FileSystemException(describe(file, p), null, what + "; expected a regular file to write");
        }
        Path dir = p.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            Path existing = dir;
            while (existing != null && !Files.exists(existing)) existing = existing.getParent();
            if (existing != null && !Files.isDirectory(existing)) {
                throw new FileSystemException(describe(file, p), null, "folder " + dir + " cannot exist: "
                        + existing + " is a file, not a folder");
            }
            throw new NoSuchFileException(describe(file, p), null,
                    "folder " + dir + " does not exist; create it first");
        }
        return p;
    }

    /**
     * Whether writing {@code a} and reading or writing {@code b} would touch one file: the same file by identity when
     * both exist (hard links, other spellings, bind mounts), else the same path once symbolic links are followed
     * (as {@link #resolveTarget} follows them, to a target that need not exist yet). Reads nothing but metadata.
     */
    public static boolean sameFile(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) return Files.isSameFile(a, b);
        } catch (IOException e) {
            // fall back to comparing the paths
        }
        return canonical(a).equals(canonical(b));
    }

    /** {@code p} with its links followed and its existing folders made real, as far as they exist. */
    private static Path canonical(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            for (int hops = 0; hops < MAX_LINKS && Files.isSymbolicLink(abs); hops++) {
                abs = abs.getParent().resolve(Files.readSymbolicLink(abs)).normalize();
            }
            Path dir = abs.getParent();
            return dir == null || !Files.isDirectory(dir) ? abs : dir.toRealPath().resolve(abs.getFileName());
        } catch (IOException e) {
            return abs;
        }
    }

    /**
     * Checks, without writing anything, that {@link #write} can replace {@code file}: the target (see
     * {@link #resolveTarget}) is absent or a regular file this process may write, and its folder is writable.
     *
     * @throws FileSystemException naming the path and what is wrong
     */
    public static void checkWritable(Path file) throws IOException {
        Path target = resolveTarget(file);
        refuseUnwritableTarget(file, target);
        Path dir = target.getParent();
        if (!Files.isWritable(dir)) {
            throw new java.nio.file.AccessDeniedException(describe(file, target), null,
                    "folder " + dir + " is not writable (the new content is written beside the file, then renamed)");
        }
    }

    /**
     * An existing target this process may not write is not replaced either, though the rename could (it needs only
     * the folder): its read-only mode protects it, as cp(1) and shell redirection respect. Root may write any file
     * but an immutable one, whose rename would fail only after the body ran.
     */
    private static void refuseUnwritableTarget(Path file, Path target) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isWritable(target)) {
            throw new java.nio.file.AccessDeniedException(describe(file, target), null,
                    "the file may not be written (read-only or immutable); make it writable or choose another file");
        }
    }

    private static String describe(Path given, Path resolved) {
        return given.toAbsolutePath().equals(resolved) ? given.toString() : given + " (-> " + resolved + ")";
    }

    private static FileSystemException failure(Path target, String what, IOException e) {
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        FileSystemException out = new FileSystemException(target.toString(), null, what + ": " + reason);
        out.initCause(e);
        return out;
    }

    private static String tempName(String name) {
        long pid = ProcessHandle.current().pid();
        return "." + name + "." + pid + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + TMP_SUFFIX;
    }

    /** The target's POSIX permissions when it exists (to carry over), else null (the umask decides). */
    private static Set<PosixFilePermission> existingPermissions(Path target) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) return null;
        PosixFileAttributeView v =
                Files.getFileAttributeView(target, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        return v == null ? null : v.readAttributes().permissions();
    }

    /**
     * Removes temporary files of a killed writer of {@code target}: ours ({@code .NAME.PID-HEX.jprune-tmp}) whose
     * PID is not a live process here and that have not been modified for {@link #STALE_AFTER_MILLIS}, and the
     * earlier naming ({@code .NAME.HEX.tmp}, {@code .NAMEDIGITS.tmp}) once {@link #LEGACY_STALE_AFTER_MILLIS} old.
     * Best effort: a failure here never fails the write.
     */
    static void removeStaleTemporaries(Path target) {
        String name = target.getFileName().toString();
        Pattern ours =
                Pattern.compile("\\." + Pattern.quote(name) + "\\.(\\d+)-[0-9a-f]{1,16}" + Pattern.quote(TMP_SUFFIX));
        Pattern legacy = Pattern.compile("\\." + Pattern.quote(name) + "(\\.-?[0-9a-f]{1,16}|\\d+)\\.tmp");
        long now = System.currentTimeMillis();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(target.getParent(), "." + globEscape(name) + "*")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                Matcher m = ours.matcher(n);
                boolean stale;
                if (m.matches()) {
                    long pid;
                    try { pid = Long.parseLong(m.group(1)); } catch (NumberFormatException e) { continue; }
                    boolean dead = ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
                    stale = dead && ageMillis(p, now) >= STALE_AFTER_MILLIS;
                } else {
                    stale = legacy.matcher(n).matches() && ageMillis(p, now) >= LEGACY_STALE_AFTER_MILLIS;
                }
                if (stale && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException ignored) {
            // cleanup only: the write itself reports what matters
        }
    }

    private static long ageMillis(Path p, long now) throws IOException {
        FileTime t = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
        return now - t.toMillis();
    }

    private static String globEscape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if ("*?[]{}\\".indexOf(c) >= 0) b.append('\\');
            b.append(c);
        }
        return b.toString();
    }

    /** Makes the rename durable. Not every platform can open a folder; the rename is atomic regardless. */
    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // durability of the folder entry only; the file content is already forced
        }
    }
}
