package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.testutil.Mutations;
import dev.jprune.testutil.Properties;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CSV tabular data: the format, every fault named by line and column, the split, and properties of the parser. */
class CsvDataTest {
    @BeforeAll
    static void tmp() throws IOException {
        DataFixtures.ensureTmpDir();
    }

    static CsvData.Table parse(String text) throws IOException {
        return CsvData.parse(new StringReader(text), "t.csv");
    }

    static String fault(String text) {
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> parse(text));
        assertTrue(e.getMessage().startsWith("t.csv: "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void parsesHeaderQuotesSpacesCrlfBomAndBlankLines() throws IOException {
        CsvData.Table t = parse("\uFEFF x , \"y, the target\"\r\n1, 2.5\r\n\r\n \"-3e2\" ,.5\n");
        assertEquals(List.of("x", "y, the target"), t.columns());
        assertEquals(2, t.rows());
        assertArrayEquals(new float[] {1, 2.5f, -300, 0.5f}, t.cells());
        assertArrayEquals(new int[] {2, 4}, t.lines());
        assertEquals(List.of("a\"b"), parse("\"a\"\"b\"\n1\n").columns());
    }

    @Test
    void everyFaultNamesItsLineAndColumn() {
        assertTrue(fault("").contains("empty file"));
        assertTrue(fault("\n  \n").contains("empty file"));
        assertTrue(fault("a,b\n").contains("no data rows"));
        assertTrue(fault("a,b\n1,2\n3\n").contains("line 3 has 1 cells but the header has 2 columns"));
        assertTrue(fault("a,b\n1,2,3\n").contains("line 2 has 3 cells"));
        assertTrue(fault("a,b\n1,\n").contains("line 2, column 'b' (2): empty cell"));
        assertTrue(fault("a,b\n1,2\n,4\n").contains("line 3, column 'a' (1): empty cell"));
        assertTrue(fault("a,b\n1,x\n").contains("line 2, column 'b' (2): 'x' is not a number"));
        for (String junk : new String[] {"NaN", "Infinity", "-Infinity", "1f", "0x10", "1d", "1e", "--1", "1.2.3",
                "١"}) {
            assertTrue(fault("a,b\n1," + junk + "\n").contains("'" + junk + "' is not a number"), junk);
        }
        assertTrue(fault("a,b\n1,1e39\n").contains("beyond the float range"));
        assertTrue(fault("a,a\n1,2\n").contains("column name 'a' appears twice (columns 1 and 2)"));
        assertTrue(fault("a,\n1,2\n").contains("column 2 has no name"));
        assertTrue(fault("a,b\n\"1,2\n").contains("line 2: a quoted cell has no closing quote"));
        assertTrue(fault("a,b\n\"1\"x,2\n").contains("line 2: text after a quoted cell"));
    }

    @org.junit.jupiter.api.io.TempDir
    Path dir;

    @Test
    void theTargetColumnTaskAndSplitAreAsAsked() throws IOException {
        Path f = dir.resolve("split.csv");
        StringBuilder b = new StringBuilder("f1,label,f2\n");
        for (int i = 0; i < 50; i++) b.append(i).append(',').append(i % 3).append(',').append(-i).append('\n');
        Files.writeString(f, b.toString());
        Split s = CsvData.read(f, new CsvData.Options("label", true, 0.2, 0));
        assertEquals(40, s.train().size());
        assertEquals(10, s.test().size());
        assertArrayEquals(new int[] {2}, s.train().sampleShape());
        assertEquals(3, s.train().numClasses());
        assertFalse(s.train().isRegression());
        // Every row lands in exactly one split, with its features (f1, f2) and its label.
        List<Integer> seen = new ArrayList<>();
        for (Dataset d : new Dataset[] {s.train(), s.test()}) {
            for (int i = 0; i < d.size(); i++) {
                int row = (int) d.images()[2 * i];
                assertEquals(-row, d.images()[2 * i + 1]);
                assertEquals(row % 3, d.labels()[i]);
                seen.add(row);
            }
        }
        seen.sort(null);
        for (int i = 0; i < 50; i++) assertEquals(i, seen.get(i));
        // The same file, fraction and seed give the same split; regression on the default (last) column.
        Split again = CsvData.read(f, new CsvData.Options("label", true, 0.2, 0));
        assertArrayEquals(s.test().images(), again.test().images());
        Split reg = CsvData.read(f, CsvData.Options.DEFAULT);
        assertTrue(reg.train().isRegression());
        assertEquals(s.test().size(), reg.test().size());
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> CsvData.read(f, new CsvData.Options("price", false, 0.2, 0)));
        assertTrue(e.getMessage().contains("no column named 'price' (--target); columns: f1, label, f2"),
                e.getMessage());
        Files.writeString(f, "a,label\n1,2.5\n2,1\n");
        e = assertThrows(DatasetFormatException.class, () -> CsvData.read(f, new CsvData.Options("label", true, 0.5,
                0)));
        assertTrue(e.getMessage().contains("line 2, column 'label' (2): 2.5 is not a class label"), e.getMessage());
        Files.writeString(f, "a,b\n1,2\n");
        e = assertThrows(DatasetFormatException.class, () -> CsvData.read(f, CsvData.Options.DEFAULT));
        assertTrue(e.getMessage().contains("1 data row; need at least 2"), e.getMessage());
        Files.writeString(f, "a\n1\n2\n");
        e = assertThrows(DatasetFormatException.class, () -> CsvData.read(f, CsvData.Options.DEFAULT));
        assertTrue(e.getMessage().contains("need a target column and at least one feature"), e.getMessage());
    }

    /** A random well-formed table and its text, with random quoting, spacing, line ends and blank lines. */
    record Sample(String text, int cols, float[] cells) {}

    static Sample randomTable(SplittableRandom r) {
        int cols = 1 + r.nextInt(5), rows = 1 + r.nextInt(6);
        StringBuilder b = new StringBuilder();
        String eol = r.nextBoolean() ? "\n" : "\r\n";
        for (int c = 0; c < cols; c++) b.append(c == 0 ? "" : ",").append(cell("c" + c, r));
        b.append(eol);
        float[] cells = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            if (r.nextInt(5) == 0) b.append(eol);
            for (int c = 0; c < cols; c++) {
                float v = (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(9) - 4));
                String text = r.nextBoolean() ? Float.toString(v).replace("E", "e") : String.format(Locale.ROOT,
                        "%.3f", v);
                cells[i * cols + c] = (float) Double.parseDouble(text);
                b.append(c == 0 ? "" : ",").append(cell(text, r));
            }
            b.append(eol);
        }
        return new Sample(b.toString(), cols, cells);
    }

    private static String cell(String s, SplittableRandom r) {
        String sp = r.nextInt(4) == 0 ? " " : "";
        return sp + (r.nextInt(4) == 0 ? "\"" + s + "\"" : s) + sp;
    }

    @Test
    void wellFormedTablesParseToTheirValues() {
        Properties.forAll("csv round trip", 0, Duration.ofSeconds(10), r -> {
            Sample s = randomTable(r);
            CsvData.Table t = parse(s.text());
            assertEquals(s.cols(), t.columns().size());
            assertArrayEquals(s.cells(), t.cells(), s.text());
        });
    }

    @Test
    void damagedTablesFailOnlyWithAFormatErrorNamingTheSource() {
        Properties.forAll("csv mutations", 0, Duration.ofSeconds(10), r -> {
            Sample s = randomTable(r);
            byte[] bad = Mutations.mutate(s.text().getBytes(StandardCharsets.UTF_8), 1 + r.nextInt(3), r, 0, 0);
            String text = new String(bad, StandardCharsets.UTF_8);
            try {
                CsvData.Table t = parse(text);
                assertEquals((long) t.rows() * t.columns().size(), t.cells().length);
                for (float v : t.cells()) assertTrue(Float.isFinite(v), text);
                // A parsed table also splits, or fails with a format error (one column, one row).
                try {
                    CsvData.split(t, CsvData.Options.DEFAULT, "t.csv", "t");
                } catch (DatasetFormatException e) {
                    assertTrue(e.getMessage().startsWith("t.csv: "), e.getMessage());
                }
            } catch (DatasetFormatException e) {
                assertTrue(e.getMessage().startsWith("t.csv: "), e.getMessage());
                assertFalse(e.getMessage().contains("null"), e.getMessage());
            }
        });
    }
}
