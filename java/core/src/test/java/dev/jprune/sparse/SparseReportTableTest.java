package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Linear;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The layout of SparseReport's table: aligned columns, rules under the header and above the total. */
class SparseReportTableTest {

    static SparseReport report() {
        Rng rng = new Rng(81);
        Sequential net = new Sequential(new Linear(7, 5, rng), new ReLU(), new Linear(5, 3, rng));
        Masks.randomWeightMasks(net, 0.5, rng);
        return SparseReport.of(net, new int[] {7});
    }

    /**
     * After the title every line (header, rules, rows, total) has the same width; the rules are exactly the lines
     * under the header and above the total and span that width.
     */
    @Test
    void linesShareOneWidthAndRulesFrameTheRows() {
        List<String> lines = report().toTable().lines().toList();
        assertTrue(lines.get(0).startsWith("sparse report for samples of shape [7]"), lines.get(0));
        int width = lines.get(1).length();
        for (int i = 1; i < lines.size(); i++) assertEquals(width, lines.get(i).length(), "line " + i + ": " + lines);
        assertEquals(7, lines.size(), "title, header, rule, 2 layers, rule, total: " + lines);
        for (int i = 0; i < lines.size(); i++) {
            boolean rule = lines.get(i).matches("-+");
            assertEquals(i == 2 || i == 5, rule, "line " + i + " is a rule: " + lines);
        }
        assertTrue(lines.get(6).startsWith("total"), lines.get(6));
    }

    /** Text columns (layer, kind) are left-aligned under their headers; number columns end under theirs. */
    @Test
    void textLeftNumbersRight() {
        SparseReport r = report();
        List<String> lines = r.toTable().lines().toList();
        String head = lines.get(1), row = lines.get(3);
        assertTrue(row.startsWith("0 "), row);
        int kind = head.indexOf("kind");
        assertTrue(row.startsWith("Linear [5, 7]", kind), row);
        int paramsEnd = head.indexOf("params") + "params".length();
        String params = Long.toString(r.layers().get(0).params()); // 40: shorter than its header
        assertEquals(params, row.substring(paramsEnd - params.length(), paramsEnd), row);
        assertEquals(' ', row.charAt(paramsEnd - params.length() - 1), row);
        assertTrue(row.endsWith(" " + r.layers().get(0).sparseBytes()), row);
    }

    /** The sample shape is reported as given and copied both ways. */
    @Test
    void sampleShapeIsCopied() {
        int[] shape = {7};
        Rng rng = new Rng(82);
        SparseReport r = SparseReport.of(new Sequential(new Linear(7, 2, rng)), shape);
        shape[0] = 99;
        assertArrayEquals(new int[] {7}, r.sampleShape());
        r.sampleShape()[0] = 42;
        assertArrayEquals(new int[] {7}, r.sampleShape());
    }
}
