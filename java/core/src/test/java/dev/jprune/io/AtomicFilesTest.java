package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one atomic-write path (issue 14, items 2 and 3): links, permissions, non-regular targets, stale temporaries. */
class AtomicFilesTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmp() throws IOException {
        StBytes.ensureTmpdir();
    }

    @Test
    void writesThroughASymbolicLinkToItsTargetAndKeepsTheLink() throws Exception {
        Path real = dir.resolve("real.txt"), link = dir.resolve("link.txt");
        Files.writeString(real, "old");
        Files.createSymbolicLink(link, Path.of("real.txt")); // relative, resolved against the link's folder
        AtomicFiles.writeString(link, "new");
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        assertEquals("new", Files.readString(real));
        Path dangling = dir.resolve("dangling");
        Files.createSymbolicLink(dangling, dir.resolve("made-by-write.txt"));
        AtomicFiles.writeString(dangling, "x");
        assertTrue(Files.isSymbolicLink(dangling));
        assertEquals("x", Files.readString(dir.resolve("made-by-write.txt")));
    }

    @Test
    void keepsTheExistingFilesPermissionsAndGivesNewFilesTheUmaskMode() throws Exception {
        for (String mode : List.of("rw-------", "rw-r-----", "rwxr-xr-x")) {
            Path f = dir.resolve("p-" + mode);
            Files.writeString(f, "old");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
            AtomicFiles.writeString(f, "new");
            assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(f)),
                    "mode of a replaced file");
        }
        Path reference = Files.createFile(dir.resolve("reference")); // 0666 & ~umask, what any tool creates
        Path fresh = dir.resolve("fresh");
        AtomicFiles.writeString(fresh, "x");
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(fresh),
                "a new file is not 0600");
    }

    @Test
    void refusesDirectoriesAndDevicesAndLeavesThemAlone() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        FileSystemException d = assertThrows(FileSystemException.class, () -> AtomicFiles.writeString(sub, "x"));
        assertTrue(d.getMessage().contains("sub") && d.getMessage().contains("is a directory"), d.getMessage());
        Path linkToDir = Files.createSymbolicLink(dir.resolve("to-sub"), sub);
        assertThrows(FileSystemException.class, () -> AtomicFiles.writeString(linkToDir, "x"));
        Path devNull = Path.of("/dev/null");
        if (Files.exists(devNull)) {
            FileSystemException e =
                    assertThrows(FileSystemException.class, () -> AtomicFiles.writeString(devNull, "x"));
            assertTrue(e.getMessage().contains("/dev/null") && e.getMessage().contains("not a regular file"),
                    e.getMessage());
            assertTrue(Files.exists(devNull) && !Files.isRegularFile(devNull), "/dev/null is still a device");
            // The checkpoint writer goes through the same path.
            Map<String, TensorEntry> one = Map.of("t", TensorEntry.f32(new float[1], 1));
            assertThrows(SafeTensorsException.class, () -> SafeTensors.write(devNull, one, Map.of()));
            assertTrue(Files.exists(devNull) && !Files.isRegularFile(devNull));
        }
        Path inMissingFolder = dir.resolve("nodir/x");
        NoSuchFileException missing = assertThrows(NoSuchFileException.class,
                () -> AtomicFiles.writeString(inMissingFolder, "x"));
        assertTrue(missing.getMessage().contains("nodir") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
    }

    @Test
    void aFailingBodyLeavesTheTargetAndNoTemporaryFile() throws Exception {
        Path f = dir.resolve("keep.bin");
        Files.writeString(f, "precious");
        IOException boom = assertThrows(IOException.class, () -> AtomicFiles.write(f, ch -> {
            ch.write(ByteBuffer.wrap(new byte[1000]));
            throw new IOException("boom");
        }));
        assertEquals("boom", boom.getMessage());
        assertEquals("precious", Files.readString(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList(), "no temporary file left");
        }
    }

    @Test
    void removesStaleTemporariesOfOurNamingOnlyOnTheNextWrite() throws Exception {
        Path target = dir.resolve("x.st");
        long dead = deadPid(), self = ProcessHandle.current().pid();
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 20 * 60_000);
        Path staleDead = plant(".x.st." + dead + "-abc" + AtomicFiles.TMP_SUFFIX, old);
        Path freshDead = plant(".x.st." + dead + "-abd" + AtomicFiles.TMP_SUFFIX, null); // maybe another host's writer
        Path liveWriter = plant(".x.st." + self + "-abe" + AtomicFiles.TMP_SUFFIX, old);
        Path legacyOld = plant(".x.st.1f2e3d4c5b6a7988.tmp", old);
        Path legacyResults = plant(".x.st1234567890.tmp", old);
        Path otherFile = plant(".y.st." + dead + "-abc" + AtomicFiles.TMP_SUFFIX, old);
        Path userFile = plant(".x.st.notes", old);
        AtomicFiles.writeString(target, "v1");
        assertFalse(Files.exists(staleDead), "a dead writer's old temporary is removed");
        assertFalse(Files.exists(legacyOld) || Files.exists(legacyResults),
                "old temporaries of the earlier naming are removed");
        assertTrue(Files.exists(freshDead), "a recent one is left (its writer may live on another host)");
        assertTrue(Files.exists(liveWriter), "a live writer's temporary is left");
        assertTrue(Files.exists(otherFile) && Files.exists(userFile), "other targets' and users' files are left");
    }

    private Path plant(String name, FileTime mtime) throws IOException {
        Path p = Files.writeString(dir.resolve(name), "partial");
        if (mtime != null) Files.setLastModifiedTime(p, mtime);
        return p;
    }

    /** The PID of a process that has exited (PIDs are not reused this quickly). */
    static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long pid = p.pid();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        return pid;
    }

    @Test
    void resolveTargetFollowsChainsAndStopsLoops() throws Exception {
        Path real = Files.writeString(dir.resolve("r"), "x");
        Path a = Files.createSymbolicLink(dir.resolve("a"), real), b = Files.createSymbolicLink(dir.resolve("b"), a);
        assertEquals(real.toAbsolutePath(), AtomicFiles.resolveTarget(b));
        Path l1 = dir.resolve("l1"), l2 = dir.resolve("l2");
        Files.createSymbolicLink(l1, l2);
        Files.createSymbolicLink(l2, l1);
        FileSystemException e = assertThrows(FileSystemException.class, () -> AtomicFiles.resolveTarget(l1));
        assertTrue(e.getMessage().contains("symbolic links"), e.getMessage());
        assertTrue(Files.isSymbolicLink(l1) && Files.exists(l2, LinkOption.NOFOLLOW_LINKS));
    }
}
