package dev.jprune.gpu.prune;

import dev.jprune.gpu.CpuTwin;
import dev.jprune.prune.Criterion;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The pure-Java parts of the GPU pruning path: table layout and encoding, constants, argument validation. No GPU. */
class GpuPruneStaticTest {
    private static Path nativeFile(String f) {
        return Paths.get(System.getProperty("jprune.native.dir", "../native")).toAbsolutePath().normalize().resolve(f);
    }

    private static long macro(String name) throws IOException {
        Matcher m = Pattern.compile("#define\\s+" + name + "\\s+(-?\\w+)")
                .matcher(Files.readString(nativeFile("prune.cuh")));
        assertTrue(m.find(), name + " in prune.cuh");
        return Long.decode(m.group(1).replace("LL", ""));
    }

    @Test
    void constantsMatchPruneCuh() throws IOException {
        assertEquals(PruneTable.ROW_LONGS, macro("JP_PRUNE_ROW_LONGS"));
        assertEquals(PruneTable.CHUNK, macro("JP_PRUNE_CHUNK"));
        assertEquals(PruneTable.CHUNK, macro("JP_PRUNE_TILES") * Launcher.THREADS);
        assertEquals(PruneTable.STATE_LONGS, macro("JP_STATE_LONGS"));
        assertEquals(PruneTable.S_BAD, macro("JP_S_BAD"));
        assertEquals(PruneTable.S_KEEP, macro("JP_S_KEEP"));
        assertEquals(PruneTable.S_TKEY, macro("JP_S_TKEY"));
        assertEquals(PruneTable.S_COUNT_ABOVE, macro("JP_S_COUNT_ABOVE"));
        assertEquals(PruneTable.S_COUNT_EQUAL, macro("JP_S_COUNT_EQUAL"));
        assertEquals(PruneTable.S_TIE_BUDGET, macro("JP_S_TIE_BUDGET"));
        assertEquals(PruneTable.S_ERROR, macro("JP_S_ERROR"));
        assertEquals(PruneTable.S_CAP, macro("JP_S_CAP"));
        assertEquals(PruneTable.S_COMPACT, macro("JP_S_COMPACT"));
        assertEquals(PruneTable.S_V3, macro("JP_S_V3"));
        assertEquals(PruneTable.BINS11, macro("JP_BINS11"));
        assertEquals(PruneTable.S_BR, macro("JP_S_BR"));
        assertEquals(PruneTable.SAMPLE_LEN, macro("JP_SAMPLE_LEN"));
        assertEquals(PruneTable.BAD_NONE, macro("JP_BAD_NONE"));
        assertEquals(PruneTable.MODE_SELECT, macro("JP_MODE_SELECT"));
        assertEquals(PruneTable.MODE_THRESHOLD, macro("JP_MODE_THRESHOLD"));
        assertEquals(PruneTable.FLAG_ZERO_W, macro("JP_FLAG_ZERO_W"));
        assertEquals(PruneTable.FLAG_ZERO_OPT, macro("JP_FLAG_ZERO_OPT"));
        assertEquals(PruneTable.criterionCode(Criterion.MAGNITUDE), macro("JP_CRIT_MAGNITUDE"));
        assertEquals(PruneTable.criterionCode(Criterion.GRADIENT), macro("JP_CRIT_GRADIENT"));
        assertEquals(PruneTable.criterionCode(Criterion.TAYLOR), macro("JP_CRIT_TAYLOR"));
        assertEquals(PruneTable.criterionCode(Criterion.SNIP), macro("JP_CRIT_TAYLOR"));
        assertEquals(PruneTable.criterionCode(Criterion.TAYLOR_SQUARED), macro("JP_CRIT_TAYLOR_SQUARED"));
        assertEquals(PruneTable.criterionCode(Criterion.MOVEMENT), macro("JP_CRIT_MOVEMENT"));
        assertEquals(PruneTable.criterionCode(Criterion.USER), macro("JP_CRIT_BUFFER"));
        // The struct's word order: count the fields of JpPruneRef up to each named one.
        String src = Files.readString(nativeFile("prune.cuh"));
        String body = src.substring(src.indexOf("struct JpPruneRef {"),
                src.indexOf("};", src.indexOf("struct JpPruneRef {")));
        String[] names = {"w", "g", "s", "maskIn", "maskOut", "opt0", "opt1", "opt2", "n", "chunkStart",
                "globalOffset", "groups", "groupLen", "groupOffset", "rowFlags", "pad1"};
        Matcher f = Pattern.compile("[*\\s](\\w+)\\s*[;,]").matcher(body.replaceAll("//[^\n]*", ""));
        List<String> found = new ArrayList<>();
        while (f.find()) found.add(f.group(1));
        assertEquals(List.of(names), found, "JpPruneRef fields");
        assertEquals(PruneTable.W, found.indexOf("w"));
        assertEquals(PruneTable.OPT2, found.indexOf("opt2"));
        assertEquals(PruneTable.N, found.indexOf("n"));
        assertEquals(PruneTable.CHUNK_START, found.indexOf("chunkStart"));
        assertEquals(PruneTable.GLOBAL_OFFSET, found.indexOf("globalOffset"));
        assertEquals(PruneTable.GROUP_OFFSET, found.indexOf("groupOffset"));
        assertEquals(PruneTable.ROW_FLAGS, found.indexOf("rowFlags"));
        assertEquals(PruneTable.ROW_STICKY, macro("JP_ROW_STICKY"));
    }

    @Test
    void layoutOfManySizesIncludingEmptyAndHuge() {
        long huge = (1L << 31) + 5;  // > 2^31: indices must be 64-bit all the way
        long[] len = {0, 1, 7, 129, 0, 4096, 4097, huge, 0};
        PruneTable t = PruneTable.layout(len);
        long off = 0, chunk = 0;
        for (int i = 0; i < len.length; i++) {
            assertEquals(off, t.offset(i), "offset " + i);
            assertEquals(chunk, t.chunkStart(i), "chunk start " + i);
            long c = (len[i] + PruneTable.CHUNK - 1) / PruneTable.CHUNK;
            assertEquals(c, t.chunks(i));
            assertTrue(c * PruneTable.CHUNK >= len[i] && (c == 0 || (c - 1) * PruneTable.CHUNK < len[i]));
            off += len[i];
            chunk += c;
        }
        assertEquals(off, t.total());
        assertEquals(chunk, t.chunks());
        // tensorOf skips empty tensors and agrees with a linear scan at every boundary
        for (long g : new long[] {0, 1, 7, 8, 136, 137, 4096 + 137, 4096 + 137 + 4097, off - 1}) {
            int expect = -1;
            for (int i = 0; i < len.length; i++) if (g >= t.offset(i) && g < t.offset(i) + len[i]) expect = i;
            assertEquals(expect, t.tensorOf(g), "global index " + g);
        }
        long end = off;
        assertThrows(IllegalArgumentException.class, () -> t.tensorOf(end));
        assertThrows(IllegalArgumentException.class, () -> t.tensorOf(-1));
        assertThrows(IllegalArgumentException.class, () -> PruneTable.layout(new long[] {3, -1}));
    }

    @Test
    void encodeWritesPointersLengthsAndOffsetsPerRow() {
        Rng r = new Rng(7);
        int nt = 1000;
        long[] len = new long[nt];
        long[] groups = new long[nt];
        long[][] ptr = new long[nt][8];
        for (int t = 0; t < nt; t++) {
            groups[t] = t % 5 == 0 ? 0 : 1 + r.nextInt(9);
            len[t] = groups[t] * r.nextInt(300);
            for (int j = 0; j < 8; j++) ptr[t][j] = r.nextInt(2) == 0 ? 0 : 0x7f0000000000L + r.nextInt(1 << 30);
        }
        PruneTable t = PruneTable.layout(len, groups);
        long[] flags = new long[nt];
        for (int i = 0; i < nt; i++) flags[i] = i % 3 == 0 ? PruneTable.ROW_STICKY : 0;
        long[] rows = t.encode(ptr, flags);
        assertEquals(nt * PruneTable.ROW_LONGS, rows.length);
        long[] plain = t.encode(ptr);
        long goff = 0;
        for (int i = 0; i < nt; i++) {
            int b = i * PruneTable.ROW_LONGS;
            for (int j = 0; j < 8; j++) assertEquals(ptr[i][j], rows[b + j]);
            assertEquals(len[i], rows[b + PruneTable.N]);
            assertEquals(t.offset(i), rows[b + PruneTable.GLOBAL_OFFSET]);
            assertEquals(t.chunkStart(i), rows[b + PruneTable.CHUNK_START]);
            assertEquals(groups[i], rows[b + PruneTable.GROUPS]);
            assertEquals(groups[i] == 0 ? 0 : len[i] / groups[i], rows[b + PruneTable.GROUP_LEN]);
            assertEquals(goff, rows[b + PruneTable.GROUP_OFFSET]);
            assertEquals(flags[i], rows[b + PruneTable.ROW_FLAGS]);
            assertEquals(0, plain[b + PruneTable.ROW_FLAGS]);
            goff += groups[i];
        }
        assertEquals(goff, t.totalGroups());
        assertThrows(IllegalArgumentException.class, () -> t.encode(new long[nt - 1][8]));
        assertThrows(IllegalArgumentException.class, () -> t.encode(ptr, new long[nt - 1]));
        assertThrows(IllegalArgumentException.class, () -> PruneTable.layout(new long[] {10}, new long[] {3}));
        assertThrows(IllegalArgumentException.class, () -> PruneTable.layout(new long[] {10}, new long[] {0}));
    }

    @Test
    void argumentValidationNamesTheTensorAndTheFault() {
        List<PruneTensor> ts = List.of(new PruneTensor("0.weight", 10, null, null, null, null, null, null, null, null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PruneChecks.check("op", ts, Criterion.TAYLOR, false, null, null));
        assertTrue(e.getMessage().contains("0.weight") && e.getMessage().contains("needs weights"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PruneChecks.check("op", ts, Criterion.GRADIENT, false, null, null));
        assertTrue(e.getMessage().contains("needs gradients"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PruneChecks.check("op", ts, Criterion.USER, false, null, null));
        assertTrue(e.getMessage().contains("score buffer"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new PruneTensor("x", -1, null, null, null, null, null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> PruneChecks.checkKeep("op", 11, 10));
        assertThrows(IllegalArgumentException.class, () -> PruneChecks.checkKeep("op", -1, 10));
        PruneChecks.checkKeep("op", 0, 0);
        PruneChecks.checkKeep("op", 10, 10);
        assertThrows(IllegalArgumentException.class, () -> PruneChecks.checkNm("w", 12, 4, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> PruneChecks.checkNm("w", 12, 5, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> PruneChecks.checkNm("w", 12, 4, 2, 0));
        PruneChecks.checkNm("w", 12, 6, 2, 4);
        assertEquals(3, PruneChecks.flags(true, true));
        assertEquals(0, PruneChecks.flags(false, false));
    }

    /** Every public op of GpuPruneOps / GpuSparseLinear names CPU twins that exist as public methods. */
    @Test
    void everyGpuPruneOpHasACpuTwin() throws Exception {
        int ops = 0;
        for (Class<?> cls : new Class<?>[] {GpuPruneOps.class, GpuSparseLinear.class}) {
            for (Method m : cls.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers()) || m.getAnnotation(CpuTwin.class) == null) continue;
                ops++;
                for (String ref : m.getAnnotation(CpuTwin.class).value()) {
                    String[] p = ref.split("#");
                    boolean found = false;
                    for (Method cm : Class.forName(p[0]).getMethods()) found |= cm.getName().equals(p[1]);
                    assertTrue(found, "twin " + ref + " of " + cls.getSimpleName() + "." + m.getName());
                }
            }
        }
        for (Method m : GpuPruneOps.class.getDeclaredMethods()) {
            // context() and the path settings are not ops
            java.util.Set<String> notOps = java.util.Set.of("context", "setCompaction", "setSharedHistogram",
                    "setBracketing");
            if (Modifier.isPublic(m.getModifiers()) && !notOps.contains(m.getName())) {
                assertNotNull(m.getAnnotation(CpuTwin.class), "GpuPruneOps." + m.getName() + " has no @CpuTwin");
            }
        }
        assertTrue(ops >= 12, ops + " ops");
    }
}
