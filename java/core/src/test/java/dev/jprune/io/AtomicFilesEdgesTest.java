package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AtomicFiles} at its edges: messages naming links, failed renames, failed clean-up, glob characters. */
class AtomicFilesEdgesTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmp() throws IOException {
        StBytes.ensureTmpdir();
    }

    private List<Path> temporaries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(AtomicFiles.TMP_SUFFIX)).toList();
        }
    }

    /** A refused path is named as given, plus "(-> target)" only when a link led elsewhere. */
    @Test
    void aRefusedPathNamesTheLinkTargetOnlyWhenThereIsALink() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("folder"));
        FileSystemException direct = assertThrows(FileSystemException.class,
                () -> AtomicFiles.writeString(folder, "x"));
        assertEquals(folder.toString(), direct.getFile());
        Path link = Files.createSymbolicLink(dir.resolve("link"), folder);
        FileSystemException viaLink = assertThrows(FileSystemException.class,
                () -> AtomicFiles.writeString(link, "x"));
        assertEquals(link + " (-> " + folder + ")", viaLink.getFile());
        assertEquals("is a directory; expected a regular file to write", viaLink.getReason());
    }

    /** A file where the output's folder should be is named as a file, not as a missing folder. */
    @Test
    void anOutputBelowAFileSaysTheFileIsNotAFolder() throws IOException {
        Path file = Files.writeString(dir.resolve("afile"), "x");
        for (Path out : List.of(file.resolve("o.bin"), file.resolve("deeper/o.bin"))) {
            FileSystemException e = assertThrows(FileSystemException.class, () -> AtomicFiles.checkWritable(out));
            assertTrue(e.getReason().contains(file + " is a file, not a folder"), e.getReason());
            assertFalse(e.getReason().contains("does not exist"), e.getReason());
        }
        FileSystemException missing = assertThrows(FileSystemException.class,
                () -> AtomicFiles.checkWritable(dir.resolve("nodir/o.bin")));
        assertTrue(missing.getReason().contains("does not exist"), missing.getReason());
        assertEquals("x", Files.readString(file));
    }

    /**
     * A target the process may not write (read-only for its user; immutable, which stops even root) is refused by
     * checkWritable and by write before the body runs, and keeps its content: the rename would have replaced a
     * read-only file silently, or, for an immutable one, failed only after all the work.
     */
    @Test
    void aTargetThatMayNotBeWrittenIsRefusedBeforeTheBodyRuns() throws Exception {
        Path locked = Files.writeString(dir.resolve("locked.bin"), "keep");
        Process p = new ProcessBuilder("chattr", "+i", locked.toString()).redirectErrorStream(true).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0, "chattr +i is not available here");
        try {
            assertFalse(Files.isWritable(locked), "immutable");
            FileSystemException check = assertThrows(FileSystemException.class,
                    () -> AtomicFiles.checkWritable(locked));
            assertTrue(check.getReason().contains("may not be written"), check.getReason());
            boolean[] ran = {false};
            assertThrows(FileSystemException.class, () -> AtomicFiles.write(locked, ch -> ran[0] = true));
            assertFalse(ran[0], "refused before the body runs");
            assertEquals("keep", Files.readString(locked));
            assertEquals(List.of(), temporaries());
        } finally {
            new ProcessBuilder("chattr", "-i", locked.toString()).start().waitFor();
        }
    }

    /** sameFile sees one file through links, other spellings and hard links, whether or not it exists yet. */
    @Test
    void sameFileFollowsLinksAndSpellingsAndTellsDifferentFilesApart() throws IOException {
        Path a = Files.writeString(dir.resolve("a.bin"), "a"), b = Files.writeString(dir.resolve("b.bin"), "b");
        Path sub = Files.createDirectory(dir.resolve("sub"));
        assertTrue(AtomicFiles.sameFile(a, sub.resolve("../a.bin")));
        assertTrue(AtomicFiles.sameFile(Files.createSymbolicLink(dir.resolve("to-a"), a), a));
        assertTrue(AtomicFiles.sameFile(Files.createLink(dir.resolve("hard-a"), a), a));
        assertTrue(AtomicFiles.sameFile(Files.createSymbolicLink(dir.resolve("to-new"), dir.resolve("new.bin")),
                dir.resolve("new.bin")), "a dangling link and the file it will create");
        assertTrue(AtomicFiles.sameFile(Files.createSymbolicLink(dir.resolve("sub-link"), sub).resolve("n.bin"),
                sub.resolve("n.bin")), "a new file in a folder reached through a link");
        assertFalse(AtomicFiles.sameFile(a, b));
        assertFalse(AtomicFiles.sameFile(a, dir.resolve("new.bin")));
        assertFalse(AtomicFiles.sameFile(dir.resolve("x/new.bin"), dir.resolve("y/new.bin")));
    }

    /**
     * sameFile follows links as far as the writer does: a chain of 40 dangling links is the new file it ends in; a
     * chain of 41, which resolveTarget refuses (nothing is written through it), is not; a loop ends without a hang.
     */
    @Test
    void sameFileFollowsFortyLinksLikeTheWriterAndNoMore() throws IOException {
        Path fresh = dir.resolve("fresh.bin");
        Path next = fresh;
        for (int i = 1; i <= 41; i++) {
            next = Files.createSymbolicLink(dir.resolve("c" + i), next);
            if (i == 40) assertTrue(AtomicFiles.sameFile(next, fresh), "40 links");
        }
        assertFalse(AtomicFiles.sameFile(next, fresh), "41 links");
        Path loopA = dir.resolve("loop-a"), loopB = dir.resolve("loop-b");
        Files.createSymbolicLink(loopA, loopB);
        Files.createSymbolicLink(loopB, loopA);
        assertFalse(AtomicFiles.sameFile(loopA, fresh));
    }

    /** checkWritable accepts a new or existing file in a writable folder, and creates nothing. */
    @Test
    void checkWritableAcceptsAFileInAWritableFolderAndWritesNothing() throws IOException {
        AtomicFiles.checkWritable(dir.resolve("new.bin"));
        Path old = Files.writeString(dir.resolve("old.bin"), "keep");
        AtomicFiles.checkWritable(old);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(old), s.toList());
        }
        assertEquals("keep", Files.readString(old));
    }

    /** A rename that fails (the target became a folder meanwhile) names the target and the OS reason; no temporary. */
    @Test
    void aFailedRenameIsReportedWithTheOsReasonAndLeavesNoTemporary() throws IOException {
        Path target = dir.resolve("t.bin");
        FileSystemException e = assertThrows(FileSystemException.class, () -> AtomicFiles.write(target, out -> {
            Files.createDirectory(target);
            out.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }));
        FileSystemException cause = assertInstanceOf(FileSystemException.class, e.getCause());
        assertNotNull(cause.getReason(), "the OS gave a reason");
        assertEquals(target.toString(), e.getFile());
        assertEquals("cannot rename the new content into place: " + cause.getReason(), e.getReason());
        assertEquals(List.of(), temporaries());
        assertTrue(Files.isDirectory(target), "what was there is left alone");
    }

    /** When the temporary cannot be removed after a failure, the body's error propagates with that one suppressed. */
    @Test
    void aTemporaryThatCannotBeRemovedIsASuppressedErrorNotTheError() throws IOException {
        Path target = dir.resolve("s.bin");
        IOException boom = new IOException("body failed");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            List<Path> tmps = temporaries();
            assertEquals(1, tmps.size());
            Files.delete(tmps.get(0));                            // the open channel does not mind
            Files.createDirectory(tmps.get(0));
            Files.writeString(tmps.get(0).resolve("inside"), "x"); // a non-empty folder cannot be deleteIfExists'd
            throw boom;
        }));
        assertSame(boom, e);
        assertEquals(1, e.getSuppressed().length);
        assertInstanceOf(DirectoryNotEmptyException.class, e.getSuppressed()[0]);
        assertFalse(Files.exists(target));
    }

    /** Stale temporaries of a target whose name holds glob characters ([, ], {, }) are found and removed. */
    @Test
    void staleTemporariesOfANameWithGlobCharactersAreRemoved() throws Exception {
        long dead = AtomicFilesTest.deadPid();
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 20 * 60_000);
        for (String name : new String[] {"w[1].st", "a{b}.st"}) {
            Path stale = Files.writeString(dir.resolve("." + name + "." + dead + "-abc" + AtomicFiles.TMP_SUFFIX), "p");
            Files.setLastModifiedTime(stale, old);
            AtomicFiles.writeString(dir.resolve(name), "v");
            assertFalse(Files.exists(stale), name + ": the dead writer's temporary is removed");
            assertEquals("v", Files.readString(dir.resolve(name)));
        }
    }

    /** Like the kernel (ELOOP after 40), a chain of 40 links resolves to its file and a chain of 41 is refused. */
    @Test
    void fortyLinksResolveAndFortyOneAreTooMany() throws IOException {
        Path file = Files.writeString(dir.resolve("real"), "x");
        Path next = file;
        for (int i = 1; i <= 41; i++) {
            next = Files.createSymbolicLink(dir.resolve("l" + i), next);
            if (i == 40) assertEquals(file, AtomicFiles.resolveTarget(next), "40 links");
        }
        Path tooMany = next;
        FileSystemException e = assertThrows(FileSystemException.class, () -> AtomicFiles.resolveTarget(tooMany));
        assertEquals("too many levels of symbolic links", e.getReason());
    }
}
