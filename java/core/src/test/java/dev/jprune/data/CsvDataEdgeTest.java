package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.testutil.Properties;
import dev.jprune.util.Rng;
import java.io.IOException;
import java.io.StringReader;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** CsvData at its edges: whitespace and quotes, message details, the split's permutation and bounds. */
class CsvDataEdgeTest {
    private static CsvData.Table parse(String text) throws IOException {
        return CsvData.parse(new StringReader(text), "e.csv");
    }

    private static String fault(String text) {
        return assertThrows(DatasetFormatException.class, () -> parse(text)).getMessage();
    }

    @Test
    void tabsAndSpacesAroundQuotedAndPlainCellsAreIgnored() throws IOException {
        CsvData.Table t = parse("a,b,c\n\t\"1\"\t, \t\"2\" ,\t 3\t\n");
        assertArrayEquals(new float[] {1, 2, 3}, t.cells());
    }

    @Test
    void whitespaceAfterTheLastCommaIsAnEmptyCell() {
        assertEquals("e.csv: line 2, column 'b' (2): empty cell; every cell must hold a number", fault("a,b\n1, \n"));
        assertEquals("e.csv: line 2, column 'b' (2): empty cell; every cell must hold a number", fault("a,b\n1,\t\n"));
    }

    @Test
    void textAfterAQuotedCellNamesThatCell() {
        assertEquals("e.csv: line 2: text after a quoted cell (cell 1)", fault("a,b\n\"1\"x,2\n"));
        assertEquals("e.csv: line 3: text after a quoted cell (cell 2)", fault("a,b\n1,2\n3,\"4\" 5\n"));
    }

    @Test
    void aNonNumberIsQuotedWholeUpTo40CharactersThenCut() {
        String forty = "x".repeat(40);
        assertTrue(fault("a\n" + forty + "\n").endsWith("'" + forty + "' is not a number"));
        assertTrue(fault("a\n" + forty + "y\n").endsWith("'" + forty + "...' is not a number"));
    }

    /** The float list grows past its first 1024 cells without losing or reordering one. */
    @Test
    void aTableOfManyCellsKeepsEveryValueInOrder() throws IOException {
        StringBuilder b = new StringBuilder("a,b,c\n");
        int rows = 2000;
        float[] expect = new float[rows * 3];
        for (int i = 0; i < rows; i++) {
            b.append(i).append(',').append(-i).append(',').append(i).append(".5\n");
            expect[3 * i] = i;
            expect[3 * i + 1] = -i;
            expect[3 * i + 2] = i + 0.5f;
        }
        CsvData.Table t = parse(b.toString());
        assertEquals(rows, t.rows());
        assertArrayEquals(expect, t.cells());
        assertEquals(rows + 1, t.lines()[rows - 1]);
    }

    @Test
    void theTestFractionMustLieStrictlyBetween0And1() {
        new CsvData.Options(null, false, Math.ulp(0.0), 0);
        new CsvData.Options(null, false, Math.nextDown(1.0), 0);
        for (double f : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new CsvData.Options(null, false, f, 0));
            assertEquals("--test-fraction must be in (0, 1), got " + f, e.getMessage());
        }
    }

    /** Rows 0..n-1 whose first cell is the row number, the target second. */
    private static CsvData.Table numbered(int n, String target) throws IOException {
        StringBuilder b = new StringBuilder("row,y\n");
        for (int i = 0; i < n; i++) b.append(i).append(',').append(target.replace("i", Integer.toString(i)))
                .append('\n');
        return parse(b.toString());
    }

    private static int[] rowsOf(Dataset d, int features, int column) {
        int[] r = new int[d.size()];
        for (int i = 0; i < r.length; i++) r[i] = (int) d.images()[i * features + column];
        return r;
    }

    /** Reference: the documented split (new Rng(seed).shuffle of 0..n-1; the last round(f·n) rows are the test). */
    @Test
    void theSplitIsTheDocumentedSeededPermutation() throws IOException {
        int n = 23;
        CsvData.Table t = numbered(n, "7");
        for (long seed : new long[] {0, 5, -9}) {
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) perm[i] = i;
            new Rng(seed).shuffle(perm);
            int test = (int) Math.round(0.3 * n);
            Split s = CsvData.split(t, new CsvData.Options("y", false, 0.3, seed), "e.csv", "e");
            assertArrayEquals(Arrays.copyOfRange(perm, 0, n - test), rowsOf(s.train(), 1, 0), "seed " + seed);
            assertArrayEquals(Arrays.copyOfRange(perm, n - test, n), rowsOf(s.test(), 1, 0), "seed " + seed);
            assertEquals("e/train", s.train().name());
            assertEquals("e/test", s.test().name());
        }
    }

    @Test
    void theTestSplitHoldsAtLeastOneAndAtMostNMinusOneRows() throws IOException {
        CsvData.Table t = numbered(10, "i");
        assertEquals(1, CsvData.split(t, new CsvData.Options(null, false, 0.99, 3), "e.csv", "e").train().size());
        assertEquals(1, CsvData.split(t, new CsvData.Options(null, false, 0.01, 3), "e.csv", "e").test().size());
        CsvData.Table two = numbered(2, "i");
        Split s = CsvData.split(two, new CsvData.Options(null, false, 0.9, 0), "e.csv", "e");
        assertEquals(1, s.train().size());
        assertEquals(1, s.test().size());
    }

    @Test
    void theFirstColumnCanBeTheTarget() throws IOException {
        CsvData.Table t = parse("label,f\n1,10\n0,20\n1,30\n");
        Split s = CsvData.split(t, new CsvData.Options("label", true, 0.4, 0), "e.csv", "e");
        Dataset all = Dataset.concat("all", s.train(), s.test());
        for (int i = 0; i < all.size(); i++) {
            float f = all.images()[i];
            assertEquals(f == 20 ? 0 : 1, all.label(i), "row with feature " + f);
        }
        assertEquals(1, all.sampleSize());
    }

    @Test
    void classLabelsGoUpTo1000000() throws IOException {
        Split s = CsvData.split(numbered(3, "1000000"), new CsvData.Options("y", true, 0.4, 0), "e.csv", "e");
        assertEquals(1_000_001, s.train().numClasses());
        assertEquals(1_000_000, s.train().label(0));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> CsvData.split(
                numbered(3, "1000001"), new CsvData.Options("y", true, 0.4, 0), "e.csv", "e"));
        assertTrue(e.getMessage().startsWith("e.csv: line 2, column 'y' (2): 1000001.0 is not a class label"),
                e.getMessage());
    }

    /** Property: any row count, fraction and seed split the rows into two disjoint parts covering every row once,
     *  the test part holding round(f·n) rows clamped to [1, n − 1]. */
    @Test
    void everySplitIsAPartitionWithTheClampedTestSize() {
        Properties.forAll("csv split sizes", 0, Duration.ofSeconds(10), r -> {
            int n = 2 + r.nextInt(60);
            double f = r.nextBoolean() ? r.nextDouble(1e-6, 1) : (1 + r.nextInt(9)) / 10.0;
            long seed = r.nextLong();
            Split s = CsvData.split(numbered(n, "i"), new CsvData.Options("y", false, f, seed), "e.csv", "e");
            int test = (int) Math.max(1, Math.min(n - 1, Math.round(f * n)));
            assertEquals(test, s.test().size(), "n " + n + " f " + f);
            assertEquals(n - test, s.train().size());
            int[] seen = new int[n];
            for (Dataset d : new Dataset[] {s.train(), s.test()}) {
                int[] rows = rowsOf(d, 1, 0);
                for (int k = 0; k < rows.length; k++) {
                    seen[rows[k]]++;
                    assertEquals(rows[k], d.targets()[k], 0f, "row " + rows[k] + " keeps its target");
                }
            }
            for (int i = 0; i < n; i++) assertEquals(1, seen[i], "row " + i);
        });
    }
}
