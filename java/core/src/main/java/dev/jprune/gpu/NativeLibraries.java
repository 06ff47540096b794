package dev.jprune.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loads JCuda's JNI libraries from a private folder that we fill ourselves, safely for many JVMs starting at once.
 *
 * <p>Why: JCuda extracts each library into {@code java.io.tmpdir} under a fixed name, writing in place and reusing
 * any file of that name. Two JVMs starting together can map a half-written file (SIGBUS), and a torn leftover
 * crashes every later run. Here each library is copied from the class path into
 * {@code <base>/jprune-natives-<user>-jcuda-<version>-<hash>/} (base: {@value #DIR_PROPERTY} or java.io.tmpdir;
 * hash: SHA-256 of the libraries) by writing a temporary file, forcing it, verifying its size and hash, and renaming
 * it into place; an existing file is used only when its size and hash match. The folder must be a real directory
 * (not a link) owned by this user and writable by nobody else; otherwise a fresh per-process folder is used.
 *
 * <p>How JCuda is made to load our copy: its {@code LibUtils} first tries {@code System.loadLibrary} (the
 * java.library.path, unchanged here), then uses {@code java.io.tmpdir/<file>} when that file exists. So the JCuda
 * class is initialised with {@code java.io.tmpdir} pointing at our verified folder for the duration of its static
 * initialiser only, then restored (the one process-wide side effect; see docs/DECISIONS.md D36).
 */
public final class NativeLibraries {
    /** System property: the folder in which the private library folder is made (default java.io.tmpdir). */
    public static final String DIR_PROPERTY = "jprune.natives.dir";
    /** The JCuda classes whose libraries jprune loads, with the library base names. */
    static final Map<String, String> LIBRARY_OF_CLASS = Map.of(
            "jcuda.driver.JCudaDriver", "JCudaDriver",
            "jcuda.jcublas.JCublas2", "JCublas2",
            "jcuda.jcusparse.JCusparse", "JCusparse");
    private static final List<String> LIBRARIES = List.of("JCudaDriver", "JCublas2", "JCusparse");

    private static Path folder;
    private static LinkageError folderFailure;
    private static final Set<String> initialised = new HashSet<>();
    private static final Map<String, LinkageError> failures = new HashMap<>();

    private NativeLibraries() {}

    /**
     * Initialises JCuda's driver binding ({@code jcuda.driver.JCudaDriver}) with its library from the private folder.
     * Idempotent; a failure is remembered and thrown again.
     *
     * @throws LinkageError (UnsatisfiedLinkError) with the reason when the libraries cannot be prepared or loaded
     */
    public static void loadDriver() {
        try {
            initialize("jcuda.driver.JCudaDriver");
        } catch (ClassNotFoundException e) {
            NoClassDefFoundError err = new NoClassDefFoundError("jcuda.driver.JCudaDriver is not on the class path");
            err.initCause(e);
            throw err;
        }
    }

    /**
     * Initialises the JCuda class {@code className} (one of JCudaDriver, JCublas2, JCusparse; any other class is
     * just initialised) with its JNI library loaded from the private folder. Idempotent; a failure is remembered and
     * thrown again.
     *
     * @throws LinkageError when the libraries cannot be prepared or the class's library does not load
     * @throws ClassNotFoundException when the class is not on the class path
     */
    public static synchronized void initialize(String className) throws ClassNotFoundException {
        if (initialised.contains(className)) return;
        LinkageError earlier = failures.get(className);
        if (earlier != null) throw earlier;
        ClassLoader loader = NativeLibraries.class.getClassLoader();
        if (!LIBRARY_OF_CLASS.containsKey(className)) {
            Class.forName(className, true, loader);
            initialised.add(className);
            return;
        }
        Path dir = folder();
        String tmp = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", dir.toString());
        try {
            Class.forName(className, true, loader);
            initialised.add(className);
        } catch (LinkageError e) {
            failures.put(className, e);
            throw e;
        } finally {
            if (tmp == null) System.clearProperty("java.io.tmpdir");
            else System.setProperty("java.io.tmpdir", tmp);
        }
    }

    /** The prepared folder (extracting on first use). */
    private static Path folder() {
        if (folder != null) return folder;
        if (folderFailure != null) throw folderFailure;
        try {
            Map<String, byte[]> libs = readLibraries();
            String baseName = System.getProperty(DIR_PROPERTY, System.getProperty("java.io.tmpdir"));
            Path base = Path.of(baseName).toAbsolutePath();
            Path dir = base.resolve(folderName(libs));
            if (!makePrivateFolder(dir)) {
                dir = Files.createTempDirectory(base, "jprune-natives-"); // 0700; a stranger owns the shared name
                dir.toFile().deleteOnExit();
                for (String f : libs.keySet()) dir.resolve(f).toFile().deleteOnExit();
            }
            for (Map.Entry<String, byte[]> e : libs.entrySet()) install(dir, e.getKey(), e.getValue());
            return folder = dir;
        } catch (IOException | RuntimeException e) {
            String why = e instanceof java.nio.file.FileSystemException f && f.getReason() == null
                    ? e.getClass().getSimpleName() + " " + f.getFile() : String.valueOf(e.getMessage());
            UnsatisfiedLinkError err = new UnsatisfiedLinkError("JCuda's native libraries could not be prepared ("
                    + why + "); give a writable folder with -D" + DIR_PROPERTY + "=DIR");
            err.initCause(e);
            throw folderFailure = err;
        }
    }

    /** Library file name ("libJCudaDriver-12.6.0-linux-x86_64.so") to its bytes from the class path, in order. */
    static Map<String, byte[]> readLibraries() throws IOException {
        String version = jcuda.JCudaVersion.get();
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String lib : LIBRARIES) {
            String file = System.mapLibraryName(jcuda.LibUtils.createPlatformLibraryName(lib + "-" + version));
            try (InputStream in = jcuda.LibUtils.class.getResourceAsStream("/lib/" + file)) {
                if (in == null) {
                    throw new IOException("no /lib/" + file + " on the class path (JCuda ships no library for "
                            + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")");
                }
                out.put(file, in.readAllBytes());
            }
        }
        return out;
    }

    /** "jprune-natives-USER-jcuda-VERSION-HASH16": versioned and content-addressed, one per user. */
    static String folderName(Map<String, byte[]> libs) {
        MessageDigest md = sha256();
        for (Map.Entry<String, byte[]> e : libs.entrySet()) {
            md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update(e.getValue());
        }
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
        String hash = HexFormat.of().formatHex(md.digest()).substring(0, 16);
        return "jprune-natives-" + user + "-jcuda-" + jcuda.JCudaVersion.get() + "-" + hash;
    }

    /** The private folder for these libraries under {@code base} (for tests and diagnostics; creates nothing). */
    public static Path folderFor(Path base) throws IOException {
        return base.toAbsolutePath().resolve(folderName(readLibraries()));
    }

    /**
     * Creates {@code dir} with mode 0700 when absent; returns whether it (now) is a private folder: a directory, not
     * a link, owned by this process's user, writable by nobody else. Where POSIX attributes are unknown: true.
     */
    static boolean makePrivateFolder(Path dir) throws IOException {
        Files.createDirectories(dir.getParent());
        try {
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                        "rwx------")));
            } else {
                Files.createDirectory(dir);
            }
        } catch (FileAlreadyExistsException e) {
            // made by an earlier run or a JVM starting beside us: checked below
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return false;
        if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) return true;
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> p = a.permissions();
        if (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) return false;
        return ownedByUs(dir, a);
    }

    private static boolean ownedByUs(Path dir, PosixFileAttributes a) {
        try { // Linux: /proc/self belongs to the process's effective uid
            Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return self.equals(Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | RuntimeException e) {
            return a.owner().getName().equals(System.getProperty("user.name"));
        }
    }

    /**
     * Makes {@code dir/name} hold exactly {@code bytes}: kept when its size and SHA-256 match (a regular file, not a
     * link); else written to a temporary file beside it, forced, verified and renamed over it. Concurrent callers
     * each write their own temporary file; whichever rename lands last, the file is complete.
     */
    static void install(Path dir, String name, byte[] bytes) throws IOException {
        Path target = dir.resolve(name);
        byte[] want = sha256().digest(bytes);
        if (matches(target, bytes.length, want)) return;
        Path tmp = dir.resolve("." + name + "." + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) ch.write(b);
                ch.force(true);
            }
            if (!matches(tmp, bytes.length, want)) {
                throw new IOException(tmp + ": the copy just written does not verify (disk full or failing?)");
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        if (!matches(target, bytes.length, want)) {
            throw new IOException(target + ": changed while it was being installed");
        }
    }

    /** True when {@code f} is a regular file (not a link) of {@code size} bytes with SHA-256 {@code digest}. */
    static boolean matches(Path f, long size, byte[] digest) throws IOException {
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || Files.size(f) != size) return false;
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return Arrays.equals(md.digest(), digest);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JRE", e);
        }
    }
}
