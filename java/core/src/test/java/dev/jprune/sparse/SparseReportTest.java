package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.Models;
import dev.jprune.nn.Linear;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SparseReportTest {

    @Test
    void figuresOfAHandBuiltModel() {
        Rng rng = new Rng(1);
        Linear a = new Linear(4, 3, rng), b = new Linear(3, 2, rng);
        // a: 5 nonzero weights of 12, bias dense (3 nonzero); b: no weights, one of 2 bias entries zero.
        Arrays.fill(a.weight.value.data, 0f);
        for (int i : new int[] {0, 3, 5, 6, 11}) a.weight.value.data[i] = 0.25f + i;
        Arrays.fill(b.weight.value.data, 0f);
        b.bias.value.data[1] = 0f;
        b.bias.value.data[0] = 0.5f;
        SparseReport r = SparseReport.of(new Sequential(a, new ReLU(), b), new int[] {4});
        assertEquals(2, r.layers().size());
        SparseReport.Row ra = r.layers().get(0), rb = r.layers().get(1);
        assertEquals(new SparseReport.Row("0", "Linear [3, 4]", 15, 8, 24, 10, 60, 4 * 4 + 8 * 5 + 4 * 3), ra);
        assertEquals(new SparseReport.Row("2", "Linear [2, 3]", 8, 1, 12, 0, 32, 4 * 3 + 4 * 2), rb);
        assertEquals(new SparseReport.Row("total", "", 23, 9, 36, 10, 92, 68 + 20), r.total());
        assertEquals(8.0 / 15, ra.density(), 1e-12);
        assertEquals(1 - 1.0 / 8, rb.sparsity(), 1e-12);

        String t = r.toTable();
        assertTrue(t.contains("params") && t.contains("CSR bytes"), t);
        String totalLine = t.lines().filter(l -> l.startsWith("total")).findFirst().orElseThrow();
        assertEquals(Arrays.asList("total", "23", "9", "0.3913", "36", "10", "92", "88"),
                Arrays.asList(totalLine.trim().split("\\s+")));
        assertTrue(t.endsWith("\n"));
    }

    @Test
    void lenet300At90PercentSparsity() {
        var spec = Models.build("lenet-300-100", 3);
        Masks.randomWeightMasks(spec.net(), 0.9, new Rng(4));
        SparseReport r = SparseReport.of(spec.net(), spec.sampleShape());
        long weights = 784 * 300 + 300 * 100 + 100 * 10, biases = 300 + 100 + 10;
        assertEquals(weights + biases, r.total().params());
        assertEquals(2 * weights, r.total().denseFlops());
        long wnz = 0;
        for (var p : spec.net().parameters())
            if (p.kind == dev.jprune.nn.Parameter.Kind.WEIGHT) for (float v : p.value.data) if (v != 0f) wnz++;
        assertEquals(2 * wnz, r.total().sparseFlops());
        assertEquals(wnz + biases, r.total().nonzeros()); // biases drawn uniformly: none exactly zero
        assertEquals(4 * (301 + 101 + 11) + 8 * wnz + 4 * biases, r.total().sparseBytes());
        assertTrue(r.total().sparseBytes() < r.total().denseBytes() / 4);
    }

    @Test
    void lenet5ConvRowsUseOutputSpatialSize() {
        var spec = Models.build("lenet-5", 5);
        SparseReport dense = SparseReport.of(spec.net(), spec.sampleShape());
        assertEquals(4, dense.layers().size());
        SparseReport.Row c0 = dense.layers().get(0), c2 = dense.layers().get(1), f5 = dense.layers().get(2);
        // conv 20@5x5 on 28x28 -> 24x24 = 576 positions; conv 50@5x5 on 12x12 -> 8x8 = 64 positions.
        assertEquals(new SparseReport.Row("0", "Conv2d [20, 1, 5, 5]", 520, 520, 2L * 500 * 576, 2L * 500 * 576,
                4 * 520, 4 * 21 + 8 * 500 + 4 * 20), c0);
        assertEquals(new SparseReport.Row("2", "Conv2d [50, 20, 5, 5]", 25050, 25050, 2L * 25000 * 64,
                2L * 25000 * 64, 4 * 25050, 4 * 51 + 8 * 25000 + 4 * 50), c2);
        assertEquals("5", f5.name());
        assertEquals(2L * 800 * 500, f5.denseFlops());

        Masks.randomWeightMasks(spec.net(), 0.9, new Rng(6));
        SparseReport sparse = SparseReport.of(spec.net(), spec.sampleShape());
        long nz2 = 0;
        for (float v : spec.net().layer(2).parameters().get(0).value.data) if (v != 0f) nz2++;
        assertEquals(2 * nz2 * 64, sparse.layers().get(1).sparseFlops());
        assertEquals(dense.total().denseFlops(), sparse.total().denseFlops());
        assertTrue(sparse.toTable().contains("Conv2d [50, 20, 5, 5]"));
    }

    @Test
    void wrongSampleShapeIsRejected() {
        var spec = Models.build("lenet-300-100", 3);
        assertThrows(IllegalArgumentException.class, () -> SparseReport.of(spec.net(), new int[] {3, 32, 32}));
    }
}
