package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Linear;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSR inputs a user gets wrong: clear errors, no file written, never an index error from inside a loop. */
class CsrMisuseTest {
    @TempDir Path dir;

    private static Sequential net() {
        return new Sequential(new Linear(3, 2, new Rng(5)), new Linear(2, 2, false, new Rng(6)));
    }

    @Test
    void csrFilesRefusesNonFiniteWeightsAsCheckpointsAndOnnxDoAndWritesNothing() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Sequential n = net();
            n.layer(1).parameters().get(0).value.data[3] = bad;
            Path f = dir.resolve("bad.safetensors");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsrFiles.write(f, n, "m"));
            assertTrue(e.getMessage().contains("'1.weight' element 3 is " + bad), e.getMessage());
            assertFalse(Files.exists(f), "nothing written");
        }
    }

    @Test
    void csrFilesRefusesAMaskThatDisagreesWithTheWeights() {
        Sequential n = net();
        Parameter w = n.layer(0).parameters().get(0);
        Path f = dir.resolve("m.safetensors");
        w.mask = new byte[5];
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CsrFiles.write(f, n, "m")).getMessage()
                .contains("5 entries for 6 values"));
        w.mask = new byte[] {1, 1, 1, 1, 1, 0}; // pruned at 5, but the value there is not 0
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CsrFiles.write(f, n, "m")).getMessage()
                .contains("pruned (mask 0) but not zero"));
        assertFalse(Files.exists(f));
        w.applyMask();
        assertDoesNotThrow(() -> CsrFiles.write(f, n, "m"));
        assertEquals(5, assertDoesNotThrow(() -> CsrFiles.read(f)).weights().get("0.weight").nnz());
        assertThrows(IllegalArgumentException.class, () -> CsrFiles.write(f, null, "m"));
    }

    @Test
    void aRowPointerPastTheNonzerosIsRefusedNotReadOutOfBounds() {
        // rowPtr[2] = nnz = 1, but rowPtr[1] = 5 points past the single nonzero.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Csr(2, 2, new int[] {0, 5, 1}, new int[] {0}, new float[] {1}));
        assertTrue(e.getMessage().contains("rowPtr[1] = 5"), e.getMessage());
    }

    @Test
    void theReferenceSpmmChecksItsArgumentsAsTheFastOneDoes() {
        Csr w = Csr.fromDense(new float[] {1, 2, 3, 4}, 2, 2);
        float[] y = new float[4];
        IllegalArgumentException bias = assertThrows(IllegalArgumentException.class,
                () -> NaiveSpmm.linear(w, new float[4], 2, new float[1], y));
        assertTrue(bias.getMessage().contains("bias has 1 entries but W has 2 rows"), bias.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NaiveSpmm.linear(w, new float[3], 2, null, y));
        assertThrows(IllegalArgumentException.class, () -> NaiveSpmm.linear(w, new float[4], 2, null, new float[3]));
        NaiveSpmm.linear(w, new float[] {1, 0, 0, 1}, 2, new float[] {10, 20}, y);
        assertArrayEquals(new float[] {11, 23, 12, 24}, y);
    }
}
