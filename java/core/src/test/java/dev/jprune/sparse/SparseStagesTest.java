package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Dropout;
import dev.jprune.nn.Flatten;
import dev.jprune.nn.Linear;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Parallel;
import dev.jprune.util.Rng;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The stages of a SparseModel one by one (unfused ReLU, Flatten, Dropout, MaxPool2d, wide Linear, growing scratch)
 * against the masked dense model's forward, bit for bit, with poisoned outputs.
 */
class SparseStagesTest {

    static Tensor input(Rng rng, int... shape) {
        Tensor x = Tensor.zeros(shape);
        rng.fillUniform(x.data, -1f, 1f);
        return x;
    }

    static boolean hasNegative(float[] a) {
        for (float v : a) if (v < 0) return true;
        return false;
    }

    /** forwardInto a NaN-poisoned output with the given workspace equals net.forward bit for bit. */
    static void assertSameBits(String what, Sequential net, SparseModel sm, Workspace ws, Tensor x) {
        Tensor ref = net.forward(x, false);
        Tensor y = Tensor.zeros(ref.shape());
        Arrays.fill(y.data, Float.NaN);
        sm.forwardInto(x, y, ws);
        assertArrayEquals(ref.data, y.data, what);
    }

    static void assertSameBits(String what, Sequential net, SparseModel sm, Tensor x) {
        assertSameBits(what, net, sm, sm.newWorkspace(), x);
    }

    /**
     * A ReLU no weighted layer absorbs (first layer, after a ReLU) runs as its own stage on flat input (offset chunk
     * of a 300-sample batch included) and on the feature-major output of the sparse batch kernel; a trailing ReLU
     * after a fused one is legal.
     */
    @Test
    void unfusedReluRunsOnBothLayoutsAndATrailingReluIsLegal() {
        Rng rng = new Rng(51);
        Sequential net = new Sequential(new ReLU(), new Linear(9, 6, rng), new ReLU(), new ReLU());
        Masks.randomWeightMasks(net, 0.5, rng);
        for (SparseModel sm : new SparseModel[] {SparseModel.export(net), SparseModel.exportSparse(net)}) {
            for (int n : new int[] {1, 5, 300}) assertSameBits("batch " + n, net, sm, input(rng, n, 9));
        }
        List<String> d = SparseModel.export(net).describe();
        assertEquals("0: ReLU", d.get(0));
        assertTrue(d.get(1).startsWith("1: SparseLinear(9 -> 6") && d.get(1).contains("ReLU fused"), d.toString());
        assertEquals("2: ReLU (fused into the layer before)", d.get(2));
        assertEquals("3: ReLU", d.get(3));
    }

    /**
     * A ReLU is fused into the Conv2d or Linear before it, never into a pool or Flatten: one after a MaxPool2d still
     * clips the pool's negative maxima. Stages describe themselves by index and kind.
     */
    @Test
    void reluFusesOnlyIntoWeightedLayers() {
        Rng rng = new Rng(52);
        Sequential net = new Sequential(new Conv2d(2, 3, 3, 1, 1, rng), new ReLU(), new Conv2d(3, 4, 3, 1, 0, rng),
                new MaxPool2d(3, 2), new ReLU(), new Flatten(), new Dropout(0.5f, 7), new Linear(36, 5, rng));
        Masks.randomWeightMasks(net, 0.6, rng);
        Tensor x = input(rng, 3, 2, 9, 9);
        Tensor pooled = new Sequential(net.layers().subList(0, 4)).forward(x, false);
        assertTrue(hasNegative(pooled.data), "the pool has negative maxima for the ReLU to clip");
        for (SparseModel sm : new SparseModel[] {SparseModel.export(net), SparseModel.exportSparse(net),
                SparseModel.exportDense(net)}) {
            assertSameBits(sm.describe().toString(), net, sm, x);
        }
        List<String> d = SparseModel.export(net).describe();
        assertTrue(d.get(0).startsWith("0: SparseConv2d(2 -> 3, 3x3, stride 1, pad 1"), d.get(0));
        assertTrue(d.get(0).contains("ReLU fused"), d.get(0));
        assertEquals("1: ReLU (fused into the layer before)", d.get(1));
        assertFalse(d.get(2).contains("ReLU"), d.get(2));
        assertEquals("3: MaxPool2d(3, stride 2) dense", d.get(3));
        assertEquals("4: ReLU", d.get(4));
        assertEquals("5: Flatten", d.get(5));
        assertTrue(d.get(6).startsWith("6: ") && d.get(6).endsWith("(eval: identity)"), d.get(6));
    }

    /** A pool window as large as the input (H = k, W = k) is accepted and gives one output per plane. */
    @Test
    void maxPoolWindowAsLargeAsTheInput() {
        Rng rng = new Rng(53);
        Sequential net = new Sequential(new MaxPool2d(3, 3));
        SparseModel sm = SparseModel.export(net);
        for (int[] s : new int[][] {{2, 2, 3, 3}, {1, 1, 3, 7}, {1, 1, 7, 3}}) {
            assertSameBits(Arrays.toString(s), net, sm, input(rng, s));
        }
        assertArrayEquals(new int[] {2, 2, 1, 1}, sm.outputShape(new int[] {2, 2, 3, 3}));
    }

    /**
     * The general pool (3x3 stride 2, 2x2 stride 1) equals nn.MaxPool2d bit for bit: on equal values (+0.0 and -0.0)
     * the first in the window wins, and on strictly decreasing input each window's own first element is the maximum.
     */
    @Test
    void generalMaxPoolKeepsTheFirstOfEqualValuesAndReadsOnlyItsWindow() {
        Rng rng = new Rng(54);
        for (MaxPool2d pool : new MaxPool2d[] {new MaxPool2d(3, 2), new MaxPool2d(2, 1)}) {
            Sequential net = new Sequential(pool);
            SparseModel sm = SparseModel.export(net);
            Tensor zeros = Tensor.zeros(2, 3, 9, 8);
            for (int i = 0; i < zeros.size(); i++) zeros.data[i] = rng.nextDouble() < 0.5 ? -0.0f : 0.0f;
            Tensor ref = net.forward(zeros, false);
            Tensor y = sm.forward(zeros);
            for (int i = 0; i < ref.size(); i++) {
                int want = Float.floatToRawIntBits(ref.data[i]);
                assertEquals(want, Float.floatToRawIntBits(y.data[i]), "signed zero " + i);
            }
            Tensor down = Tensor.zeros(1, 2, 9, 9);
            for (int i = 0; i < down.size(); i++) down.data[i] = -i;
            assertSameBits("decreasing", net, sm, down);
            assertSameBits("random", net, sm, input(rng, 2, 3, 7, 6));
        }
    }

    /** 2x2 stride 2 with a NaN in the very last window of the input: the NaN wins, nothing past the window is read. */
    @Test
    void twoByTwoPoolWithNaNInTheLastWindow() {
        Rng rng = new Rng(55);
        Sequential net = new Sequential(new MaxPool2d(2, 2));
        SparseModel sm = SparseModel.export(net);
        for (int corner = 0; corner < 4; corner++) {
            Tensor x = input(rng, 1, 2, 4, 6);
            int last = x.size() - 1; // bottom-right of the last window
            int at = last - (corner / 2) * 6 - corner % 2;
            x.data[at] = Float.NaN;
            Tensor y = sm.forward(x);
            assertTrue(Float.isNaN(y.data[y.size() - 1]), "corner " + corner);
            assertSameBits("corner " + corner, net, sm, x);
        }
    }

    /** Flatten and Linear take shapes as nn does: Flatten of [N] is [N, 1]; Linear takes one sample of rank 1. */
    @Test
    void flattenAndLinearShapes() {
        assertArrayEquals(new Flatten().outputShape(new int[] {5}),
                SparseModel.export(new Sequential(new Flatten())).outputShape(new int[] {5}));
        SparseModel lin = SparseModel.export(new Sequential(new Linear(7, 5, new Rng(1))));
        assertArrayEquals(new int[] {1, 5}, lin.outputShape(new int[] {7}));
        assertArrayEquals(new int[] {4, 5}, lin.outputShape(new int[] {4, 7}));
        SparseModel one = SparseModel.export(new Sequential(new Linear(1, 3, new Rng(1))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> one.outputShape(new int[0]));
        assertTrue(e.getMessage().contains("SparseLinear(1 -> 3") && e.getMessage().contains("[]"), e.getMessage());
    }

    /**
     * A Linear over 65537 inputs (no 16-bit column indices) runs the scalar loop, ReLU included: the same bits as
     * the dense model for one sample and a batch, forced sparse and on the cost model's choice (dense from batch 2).
     */
    @Test
    void linearWiderThan16BitIndices() {
        Rng rng = new Rng(56);
        Linear wide = new Linear(65537, 3, rng);
        Sequential net = new Sequential(wide, new ReLU());
        Masks.randomWeightMasks(net, 0.99, rng);
        SparseModel auto = SparseModel.export(net), sparse = SparseModel.exportSparse(net);
        assertNull(((SparseModel.WeightStage) auto.stages().get(0)).weight().colIdx16, "no 16-bit indices");
        assertEquals(2, ((SparseModel.WeightStage) auto.stages().get(0)).denseFromBatch());
        for (int n : new int[] {1, 5}) {
            Tensor x = input(rng, n, 65537);
            if (n > 1) assertTrue(hasNegative(new Sequential(wide).forward(x, false).data), "the ReLU clips some");
            assertSameBits("auto batch " + n, net, auto, x);
            assertSameBits("sparse batch " + n, net, sparse, x);
        }
    }

    /**
     * Small batches run on lane blocks: a large layer split over a 3-thread context's pool, a medium one on the
     * calling thread, a first layer that reads only some input features (the others are never moved: a second call
     * with other inputs on the same workspace must not see the first call's values) and one with no nonzero at all
     * (output = ReLU(bias)).
     */
    @Test
    void laneBlocksForkAndMoveOnlyTheFeaturesALayerReads() {
        Rng rng = new Rng(59);
        Sequential wide = new Sequential(new Linear(1500, 700, rng), new ReLU(), new Linear(700, 3, rng));
        Masks.randomWeightMasks(wide, 0.5, rng); // 525k nonzeros x 8 samples: above the pool's threshold
        Sequential medium = new Sequential(new Linear(300, 200, rng), new ReLU(), new Linear(200, 3, rng));
        Masks.randomWeightMasks(medium, 0.5, rng); // 30k nonzeros x 4..32 samples: below the pool's threshold
        Sequential narrow = new Sequential(new Linear(40, 30, rng), new ReLU(), new Linear(30, 20, rng), new ReLU(),
                new Linear(20, 5, rng));
        Masks.randomWeightMasks(narrow, 0.5, rng);
        float[] w0 = narrow.parameters().get(0).value.data; // [30, 40]: features 10..39 never read
        for (int j = 0; j < 30; j++) Arrays.fill(w0, j * 40 + 10, j * 40 + 40, 0f);
        float[] w1 = narrow.parameters().get(2).value.data; // [20, 30]: no nonzero
        Arrays.fill(w1, 0f);
        try (Parallel.Context three = Parallel.Context.ofThreads(3)) {
            three.run(() -> {
                for (Sequential net : new Sequential[] {wide, medium, narrow}) {
                    SparseModel sm = SparseModel.exportSparse(net);
                    Workspace ws = sm.newWorkspace();
                    int in = ((Linear) net.layers().get(0)).in;
                    for (int n : new int[] {8, 4, 8, 32, 17})
                        assertSameBits("batch " + n, net, sm, ws, input(rng, n, in));
                }
            });
        }
    }

    /** One non-forking workspace serves batches that grow and shrink (scratch rows widen), same bits each time. */
    @Test
    void oneWorkspaceServesGrowingBatches() {
        Rng rng = new Rng(57);
        Sequential net = new Sequential(new Linear(20, 30, rng), new ReLU(), new Linear(30, 4, rng));
        Masks.randomWeightMasks(net, 0.9, rng);
        SparseModel sm = SparseModel.exportSparse(net);
        Workspace ws = sm.newWorkspace(false);
        for (int n : new int[] {4, 200, 7, 256, 5}) assertSameBits("batch " + n, net, sm, ws, input(rng, n, 20));
    }

    /**
     * The sparse convolution's per-thread output rows grow on a fresh thread from a narrow first call (one output
     * position, 4 filters) to a wider one with fewer filters.
     */
    @Test
    void convScratchGrowsOnAFreshThread() throws Exception {
        Rng rng = new Rng(58);
        Sequential small = new Sequential(new Conv2d(1, 4, 1, 1, 0, rng));
        Sequential wide = new Sequential(new Conv2d(1, 2, 3, 1, 1, rng));
        Masks.randomWeightMasks(small, 0.5, rng);
        Masks.randomWeightMasks(wide, 0.5, rng);
        Tensor x1 = input(rng, 1, 1, 1, 1), x2 = input(rng, 2, 1, 12, 12);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                SparseModel a = SparseModel.exportSparse(small), b = SparseModel.exportSparse(wide);
                assertSameBits("narrow", small, a, a.newWorkspace(false), x1);
                assertSameBits("wider", wide, b, b.newWorkspace(false), x2);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) throw new AssertionError("on a fresh thread", failure.get());
    }

    /** bytes() is the CSR storage (4·(rows + 1) + 8·nnz per weight) plus 4 bytes per bias entry, over all layers. */
    @Test
    void bytesCountCsrArraysAndBiases() {
        Rng rng = new Rng(59);
        Sequential net = new Sequential(new Conv2d(1, 2, 3, 1, 0, rng), new Flatten(), new Linear(18, 5, rng),
                new ReLU(), new Linear(5, 3, false, rng));
        Masks.randomWeightMasks(net, 0.7, rng);
        long want = 0;
        for (Parameter p : net.parameters()) {
            if (p.kind == Parameter.Kind.WEIGHT) {
                long nnz = 0;
                for (float v : p.value.data) if (v != 0f) nnz++;
                want += 4L * (p.value.dim(0) + 1) + 8L * nnz;
            } else {
                want += 4L * p.size();
            }
        }
        want += 4L * 3; // the bias-free layer runs with a zero bias of 3 entries
        assertEquals(want, SparseModel.export(net).bytes());
    }

    /** A convolution stage refuses a weight that is not [F, C·kh·kw] or a bias not [F], naming both sizes. */
    @Test
    void convStageRejectsInconsistentWeightAndBias() {
        Csr w = Csr.fromDense(new float[2 * 7], 2, 7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ConvStages.SparseConvStage(
                "c", w, new float[2], 2, 2, 2, 1, 0, false, KernelChoice.Mode.AUTO));
        assertTrue(e.getMessage().contains("7 columns") && e.getMessage().contains("C·kh·kw = 8"), e.getMessage());
        Csr ok = Csr.fromDense(new float[2 * 8], 2, 8);
        e = assertThrows(IllegalArgumentException.class, () -> new ConvStages.SparseConvStage(
                "c", ok, new float[3], 2, 2, 2, 1, 0, false, KernelChoice.Mode.AUTO));
        assertTrue(e.getMessage().contains("bias has 3 entries for 2 filters"), e.getMessage());
    }
}
