package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.cpu.DirectConv;
import dev.jprune.cpu.Simd;
import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Linear;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * The kernel choice itself (every choice gives the same bits, so outputs cannot show it): a layer runs dense from the
 * first measured batch size whose break-even density it exceeds (strictly), on the table of the kernels in use.
 */
class KernelChoiceTest {
    static final int NEVER = Integer.MAX_VALUE;

    /** The break-even table of the kernels this JVM runs (Vector API or scalar). */
    static double[] table() {
        return Simd.vectorApi() ? KernelChoice.BREAK_EVEN_VECTOR : KernelChoice.BREAK_EVEN_SCALAR;
    }

    /** The documented rule: the smallest measured batch at which density > break-even, else never. */
    static int ruleFor(double density) {
        double[] be = table();
        for (int i = 0; i < be.length; i++) if (density > be[i]) return KernelChoice.BATCHES[i];
        return NEVER;
    }

    /** Densities at, just below and just above every break-even, plus 0 and 1. */
    static double[] probes() {
        double[] be = table();
        double[] d = new double[3 * be.length + 2];
        for (int i = 0; i < be.length; i++) {
            d[3 * i] = be[i];
            d[3 * i + 1] = Math.nextDown(be[i]);
            d[3 * i + 2] = Math.nextUp(be[i]);
        }
        d[d.length - 2] = 0;
        d[d.length - 1] = 1;
        return d;
    }

    /** The tables are what the cost model documents: one density per measured batch, batches ascending from 1. */
    @Test
    void tablesCoverEveryMeasuredBatch() {
        assertEquals(KernelChoice.BATCHES.length, KernelChoice.BREAK_EVEN_VECTOR.length);
        assertEquals(KernelChoice.BATCHES.length, KernelChoice.BREAK_EVEN_SCALAR.length);
        assertEquals(1, KernelChoice.BATCHES[0]);
        assertEquals(256, KernelChoice.BATCHES[KernelChoice.BATCHES.length - 1]);
        for (int i = 1; i < KernelChoice.BATCHES.length; i++) {
            assertTrue(KernelChoice.BATCHES[i] > KernelChoice.BATCHES[i - 1]);
        }
    }

    /** Forced modes ignore density and indices: DENSE runs dense from batch 1, SPARSE never. */
    @Test
    void forcedModesOverrideTheCostModel() {
        for (double d : new double[] {0, 0.05, 0.5, 1}) {
            for (boolean narrow : new boolean[] {true, false}) {
                assertEquals(1, KernelChoice.denseFromBatch(KernelChoice.Mode.DENSE, d, narrow));
                assertEquals(NEVER, KernelChoice.denseFromBatch(KernelChoice.Mode.SPARSE, d, narrow));
                assertTrue(KernelChoice.convRunsDense(KernelChoice.Mode.DENSE, d, narrow));
                assertFalse(KernelChoice.convRunsDense(KernelChoice.Mode.SPARSE, d, narrow));
            }
        }
    }

    /**
     * AUTO, 16-bit indices: dense from the first batch whose break-even the density exceeds; a density equal to a
     * break-even stays sparse at that batch. A 1%-dense layer is sparse at every batch, a dense one dense at batch 1.
     */
    @Test
    void autoRunsDenseFromTheFirstBatchWhoseBreakEvenIsExceeded() {
        for (double d : probes()) {
            assertEquals(ruleFor(d), KernelChoice.denseFromBatch(KernelChoice.Mode.AUTO, d, true), "density " + d);
        }
        assertEquals(NEVER, KernelChoice.denseFromBatch(KernelChoice.Mode.AUTO, 0.01, true));
        assertEquals(1, KernelChoice.denseFromBatch(KernelChoice.Mode.AUTO, 0.9, true));
        double[] be = table();
        assertNotEquals(1, KernelChoice.denseFromBatch(KernelChoice.Mode.AUTO, be[0], true), "at break-even: sparse");
        assertEquals(1, KernelChoice.denseFromBatch(KernelChoice.Mode.AUTO, Math.nextUp(be[0]), true));
    }

    /** The table in use is the one of the kernels in use: the two differ at batch 1 (0.10 vs 0.12). */
    @Test
    void theBreakEvenTableFollowsTheKernelsInUse() {
        double between = 0.11; // above the scalar break-even at batch 1, below the Vector API one
        int expected = Simd.vectorApi() ? 2 : 1;
        assertEquals(expected, KernelChoice.denseFromBatch(KernelChoice.Mode.AUTO, between, true));
    }

    /** Without 16-bit indices (over 65536 inputs) only one sample runs sparse, and only below batch 1's break-even. */
    @Test
    void wideLayersRunDenseFromBatchTwo() {
        double be1 = table()[0];
        for (double d : probes()) {
            int want = d > be1 ? 1 : 2;
            assertEquals(want, KernelChoice.denseFromBatch(KernelChoice.Mode.AUTO, d, false), "density " + d);
        }
    }

    /** A convolution is dense or sparse for every batch: dense above the largest batch's break-even or when wide. */
    @Test
    void convolutionsUseTheLargeBatchBreakEven() {
        double[] be = table();
        double last = be[be.length - 1];
        for (double d : probes()) {
            assertEquals(d > last, KernelChoice.convRunsDense(KernelChoice.Mode.AUTO, d, true), "density " + d);
            assertTrue(KernelChoice.convRunsDense(KernelChoice.Mode.AUTO, d, false), "wide, density " + d);
        }
    }

    @Test
    void describeNamesTheKernelPerBatch() {
        assertEquals("dense kernel", KernelChoice.describe(1));
        assertEquals("sparse kernel", KernelChoice.describe(NEVER));
        assertEquals("sparse kernel below batch 8, dense from it", KernelChoice.describe(8));
    }

    /**
     * The stages built by export carry the choice (and describe it): a 1%-dense Linear and Conv2d stay sparse, a
     * dense one runs dense, forced exports force it, and 16-bit indices count (a narrow sparse layer is never dense).
     */
    @Test
    void exportedStagesCarryTheChoice() {
        Rng rng = new Rng(41);
        Conv2d conv = new Conv2d(4, 6, 3, 1, 1, rng);
        Linear sparse = new Linear(6 * 5 * 5, 50, rng), dense = new Linear(50, 3, rng);
        Sequential net = new Sequential(conv, new ReLU(), new dev.jprune.nn.Flatten(), sparse, new ReLU(), dense);
        float[] cw = SparseFixtures.randomSparse(rng, 6, 36, 0.01, 0);
        cw[1] = 0.5f; // at least one nonzero
        System.arraycopy(cw, 0, conv.weight().value.data, 0, cw.length);
        float[] lw = SparseFixtures.randomSparse(rng, 50, 150, 0.01);
        System.arraycopy(lw, 0, sparse.weight.value.data, 0, lw.length);
        var stages = SparseModel.export(net).stages();
        assertEquals(NEVER, ((SparseModel.WeightStage) stages.get(0)).denseFromBatch(), "1% conv: sparse");
        assertEquals(NEVER, ((SparseModel.WeightStage) stages.get(3)).denseFromBatch(), "1% linear: sparse");
        assertEquals(1, ((SparseModel.WeightStage) stages.get(5)).denseFromBatch(), "dense linear: dense");
        String convKernel = DirectConv.FAST ? ", direct sparse kernel, no im2col)" : ", sparse kernel)";
        assertTrue(stages.get(0).describe().endsWith(convKernel), stages.get(0).describe());
        assertTrue(stages.get(5).describe().endsWith(", dense kernel)"), stages.get(5).describe());
        for (int i : new int[] {0, 3, 5}) {
            var d = (SparseModel.WeightStage) SparseModel.exportDense(net).stages().get(i);
            var s = (SparseModel.WeightStage) SparseModel.exportSparse(net).stages().get(i);
            assertEquals(1, d.denseFromBatch(), d.describe());
            assertEquals(NEVER, s.denseFromBatch(), s.describe());
        }
    }

    /**
     * With the Vector API, a stride-1 convolution runs DirectConv whatever its density (the cost model's dense choice
     * yields; a forced dense export keeps im2col + GEMM); a stride-2 one keeps the cost model's choice. Without the
     * Vector API nothing changes.
     */
    @Test
    void strideOneConvolutionsRunDirectOnTheVectorPath() {
        Rng rng = new Rng(43);
        Conv2d stride1 = new Conv2d(3, 5, 3, 1, 1, rng), stride2 = new Conv2d(5, 4, 3, 2, 0, rng); // dense weights
        Sequential net = new Sequential(stride1, new ReLU(), stride2);
        var auto = SparseModel.export(net).stages();
        var s1 = (SparseModel.WeightStage) auto.get(0);
        var s2 = (SparseModel.WeightStage) auto.get(2);
        assertEquals(DirectConv.FAST ? NEVER : 1, s1.denseFromBatch(), s1.describe());
        assertEquals(DirectConv.FAST, s1.describe().endsWith(", direct sparse kernel, no im2col)"), s1.describe());
        assertTrue(s2.describe().endsWith(", dense kernel)"), "stride 2: the cost model's choice: " + s2.describe());
        var forced = (SparseModel.WeightStage) SparseModel.exportDense(net).stages().get(0);
        assertEquals(1, forced.denseFromBatch(), forced.describe());
        assertTrue(forced.describe().endsWith(", dense kernel)"), forced.describe());
        Tensor x = Tensor.zeros(3, 3, 7, 6);
        rng.fillUniform(x.data, -1f, 1f);
        assertArrayEquals(SparseModel.exportDense(net).forward(x).data, SparseModel.export(net).forward(x).data,
                "direct and im2col + GEMM give the same bits");
    }

    /**
     * A small Linear (at most SMALL_WEIGHTS weights, at most SMALL_DENSITY dense, 16-bit indices, cost model) runs the
     * lane kernel at batches 4-32 even where the table says dense; its describe() says so, and every batch size gives
     * the dense export's bits.
     */
    @Test
    void smallLayersRunTheLaneKernelAtSmallBatches() {
        KernelChoice.Mode auto = KernelChoice.Mode.AUTO;
        assertTrue(KernelChoice.smallRunsLanes(auto, 1000, 0.46, true));
        assertTrue(KernelChoice.smallRunsLanes(auto, KernelChoice.SMALL_WEIGHTS, KernelChoice.SMALL_DENSITY, true));
        assertFalse(KernelChoice.smallRunsLanes(auto, KernelChoice.SMALL_WEIGHTS + 1, 0.46, true));
        assertFalse(KernelChoice.smallRunsLanes(auto, 1000, Math.nextUp(KernelChoice.SMALL_DENSITY), true));
        assertFalse(KernelChoice.smallRunsLanes(auto, 1000, 0.46, false));
        assertFalse(KernelChoice.smallRunsLanes(KernelChoice.Mode.DENSE, 1000, 0.46, true));
        assertFalse(KernelChoice.smallRunsLanes(KernelChoice.Mode.SPARSE, 1000, 0.46, true));

        Rng rng = new Rng(43);
        Linear small = new Linear(100, 10, rng), large = new Linear(100, 41, rng);
        System.arraycopy(SparseFixtures.randomSparse(rng, 10, 100, 0.46), 0, small.weight.value.data, 0, 1000);
        System.arraycopy(SparseFixtures.randomSparse(rng, 41, 100, 0.46), 0, large.weight.value.data, 0, 4100);
        Sequential net = new Sequential(small, new ReLU(), new Linear(10, 100, rng), large);
        SparseModel auto8 = SparseModel.export(net), dense = SparseModel.exportDense(net);
        String d0 = auto8.stages().get(0).describe(), d3 = auto8.stages().get(3).describe();
        assertEquals(1, ((SparseModel.WeightStage) auto8.stages().get(0)).denseFromBatch(), d0);
        assertTrue(d0.endsWith("dense kernel, sparse lane kernel at batches 4-32 (small layer))"), d0);
        assertTrue(d3.endsWith(", dense kernel)"), "4100 weights: not small: " + d3);
        assertFalse(SparseModel.exportDense(net).stages().get(0).describe().contains("small layer"));
        for (int n : new int[] {1, 2, 3, 4, 8, 32, 33, 64}) {
            dev.jprune.tensor.Tensor x = dev.jprune.tensor.Tensor.zeros(n, 100);
            rng.fillUniform(x.data, -1f, 1f);
            float[] want = dense.forward(x).data, got = auto8.forward(x).data;
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                        "batch " + n + " @" + i);
            }
        }
    }
}
