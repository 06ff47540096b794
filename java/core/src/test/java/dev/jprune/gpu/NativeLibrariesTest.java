package dev.jprune.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.testutil.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 1: JCuda's JNI libraries come from a verified private folder, so JVMs starting together never map
 * a half-written library and a torn leftover never crashes a later run. The child JVMs probe the GPU stack exactly as
 * {@code doctor} and {@code --device auto} do. Where the CUDA emulator was built (target/cuda-emu, by mvn verify) the
 * children load it as the driver, so the whole JNI library is loaded and initialised, not just mapped.
 */
class NativeLibrariesTest {
    private static final int JVMS = 10;

    @Test
    void manyJvmsStartingAtOnceWithAnEmptyTmpdirAllProbeCleanly() throws Exception {
        Path tmp = freshTmp("cold");
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < JVMS; i++) ps.add(probe(tmp).start()); // all started before any is awaited
        for (Process p : ps) assertCleanProbe(ChildJvm.await(p, 180));
        assertFolderComplete(tmp);
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("libJCuda")),
                    "JCuda did not extract into java.io.tmpdir itself");
        }
    }

    @Test
    void aTornLibraryIsReplacedAndTheNextRunProbesCleanly() throws Exception {
        Path tmp = freshTmp("torn");
        Path folder = NativeLibraries.folderFor(tmp);
        Files.createDirectories(folder);
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        for (Map.Entry<String, byte[]> e : NativeLibraries.readLibraries().entrySet()) {
            byte[] torn = Arrays.copyOf(e.getValue(), 100_000); // what a killed or concurrent extraction leaves
            Files.write(folder.resolve(e.getKey()), torn);
            Files.write(tmp.resolve(e.getKey()), torn); // JCuda's own extraction name: must be ignored
        }
        assertCleanProbe(ChildJvm.await(probe(tmp).start(), 180));
        assertFolderComplete(tmp);
    }

    @Test
    void aFolderOthersCanWriteIsNotUsedAndAMatchingFileIsKept() throws Exception {
        Path tmp = freshTmp("perm");
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertFalse(NativeLibraries.makePrivateFolder(shared), "a world-writable folder is not trusted");
        Path mine = tmp.resolve("mine");
        assertTrue(NativeLibraries.makePrivateFolder(mine));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(mine)));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), mine);
        assertFalse(NativeLibraries.makePrivateFolder(link), "a link is not trusted");

        byte[] lib = "not really a library, but bytes to install".getBytes();
        NativeLibraries.install(mine, "libX.so", lib);
        Path f = mine.resolve("libX.so");
        FileTime t0 = FileTime.fromMillis(1_000_000);
        Files.setLastModifiedTime(f, t0);
        NativeLibraries.install(mine, "libX.so", lib);
        assertEquals(t0, Files.getLastModifiedTime(f), "a verified file is used as it is");
        Files.write(f, Arrays.copyOf(lib, 10));
        NativeLibraries.install(mine, "libX.so", lib);
        assertTrue(Arrays.equals(lib, Files.readAllBytes(f)), "a damaged file is replaced");
        try (Stream<Path> s = Files.list(mine)) {
            assertEquals(List.of(f), s.toList(), "no temporary file left");
        }
    }

    private static ProcessBuilder probe(Path tmp) {
        ProcessBuilder b = ChildJvm.builder(List.of("-Xmx96m", "-Djava.io.tmpdir=" + tmp), ProbeMain.class.getName());
        Path emu = emulator();
        if (emu != null) b.environment().put("LD_LIBRARY_PATH", emu.getParent().toString());
        return b;
    }

    private static void assertCleanProbe(ChildJvm.Result r) {
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("probe done"), r.output());
        assertFalse(r.output().contains("fatal error") || r.output().contains("SIGBUS"), r.output());
        if (emulator() != null) {
            assertTrue(r.output().contains("driver: CUDA driver"), "the emulated driver loaded through our copy: "
                    + r.output());
        } else {
            assertTrue(r.output().contains("driver: JCuda's driver binding could not be loaded"), r.output());
        }
    }

    /** Every library in the private folder is complete (size and SHA-256 of the class-path copy), no temporaries. */
    private static void assertFolderComplete(Path tmp) throws Exception {
        Path folder = NativeLibraries.folderFor(tmp);
        Map<String, byte[]> libs = NativeLibraries.readLibraries();
        for (Map.Entry<String, byte[]> e : libs.entrySet()) {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(e.getValue());
            assertTrue(NativeLibraries.matches(folder.resolve(e.getKey()), e.getValue().length, digest), e.getKey());
        }
        try (Stream<Path> s = Files.list(folder)) {
            assertEquals(libs.size(), s.count(), "only the libraries, no temporary files");
        }
    }

    /** The CUDA emulator built by mvn verify (process-test-resources), or null. */
    private static Path emulator() {
        String build = System.getProperty("jprune.native.build.dir");
        if (build == null) return null;
        Path lib = Path.of(build).resolveSibling("cuda-emu").resolve("libcuda.so.1");
        return Files.isRegularFile(lib) ? lib : null;
    }

    private static Path freshTmp(String name) throws IOException {
        Path base = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        return Files.createTempDirectory(base, "natives-" + name);
    }
}
