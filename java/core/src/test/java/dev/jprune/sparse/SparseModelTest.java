package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Layer;
import dev.jprune.nn.Linear;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.tensor.Tensor;
import dev.jprune.testutil.Close;
import dev.jprune.util.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SparseModelTest {
    static final double RTOL = 1e-5, ATOL = 2e-5;

    static Tensor input(Rng rng, int n, int[] sample) {
        int[] s = new int[sample.length + 1];
        s[0] = n;
        System.arraycopy(sample, 0, s, 1, sample.length);
        Tensor x = Tensor.zeros(s);
        rng.fillUniform(x.data, -1f, 1f);
        return x;
    }

    /**
     * The exported model's logits are the masked dense model's bit for bit (finite inputs): the sparse kernels run the
     * dense GEMM's fma sequence minus the zero weights. Checked on the cost model's choice and with every layer forced
     * onto the sparse and onto the dense kernels, at odd batch sizes (300 spans two chunks of samples).
     */
    @ParameterizedTest(name = "{0} batch {1}")
    @CsvSource({"lenet-300-100,1", "lenet-300-100,7", "lenet-300-100,129", "lenet-300-100,300", "mlp-128,1",
            "mlp-128,33"})
    void logitsEqualMaskedDenseModel(String name, int n) {
        ModelSpec spec = Models.build(name, 11);
        Rng rng = new Rng(name.hashCode() * 31L + n);
        Masks.randomWeightMasks(spec.net(), 0.9, rng);
        SparseModel sm = SparseModel.export(spec.net());
        Tensor x = input(rng, n, spec.sampleShape());
        float[] before = x.data.clone();
        Tensor ref = spec.net().forward(x, false);
        Tensor y = sm.forward(x);
        assertArrayEquals(ref.shape(), y.shape());
        Close.assertClose(name + " sparse vs masked dense", ref.data, y.data, RTOL, ATOL);
        assertArrayEquals(ref.data, y.data, name + ": bit for bit");
        SparseModel[] forcedModels = {SparseModel.exportSparse(spec.net()), SparseModel.exportDense(spec.net())};
        for (SparseModel forced : forcedModels) {
            Tensor out = Tensor.zeros(ref.shape());
            java.util.Arrays.fill(out.data, Float.NaN); // poisoned: every element must be written
            forced.forwardInto(x, out);
            assertArrayEquals(ref.data, out.data, name + " " + forced.describe());
        }
        assertArrayEquals(before, x.data, "input not modified");
        assertArrayEquals(ref.shape(), sm.outputShape(x.shape()));
        // ~10% of the weights survive
        long w = 0;
        for (var p : spec.net().parameters()) if (p.kind == dev.jprune.nn.Parameter.Kind.WEIGHT) w += p.size();
        assertEquals(0.1, (double) sm.nnz() / w, 0.01);
    }

    /**
     * A dense layer after a sparse lane-block layer (the cost model's mix for a 90%-pruned LeNet-300-100: 784 -> 300
     * sparse, 300 -> 100 dense) reads the lane blocks directly as a transposed A: the logits are still the masked
     * dense model's bits, at the lane kernel's batch sizes (4-32, one and two lane blocks).
     */
    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {4, 7, 8, 16, 17, 32})
    void denseLayerAfterLaneBlocksGivesTheMaskedDenseBits(int n) {
        ModelSpec spec = Models.build("lenet-300-100", 3);
        Rng rng = new Rng(77 + n);
        Masks.randomWeightMasks(spec.net(), new double[] {0.95, 0.1, 0.1}, rng);
        SparseModel sm = SparseModel.export(spec.net());
        String how = String.join("; ", sm.describe());
        assertTrue(how.contains("784 -> 300") && how.contains("300 -> 100, nnz") && how.contains("dense kernel"), how);
        Tensor x = input(rng, n, spec.sampleShape());
        Tensor ref = spec.net().forward(x, false);
        Tensor out = Tensor.zeros(ref.shape());
        java.util.Arrays.fill(out.data, Float.NaN);
        sm.forwardInto(x, out);
        assertArrayEquals(ref.data, out.data, how);
    }

    @ParameterizedTest(name = "{0} batch {1}")
    @CsvSource({"lenet-5,1", "lenet-5,7", "lenet-5,33", "cifar-cnn-b,1", "cifar-cnn-b,5", "cifar-cnn-a,2"})
    void convModelLogitsEqualMaskedDenseModel(String name, int n) {
        logitsEqualMaskedDenseModel(name, n);
    }

    @ParameterizedTest(name = "Conv2d C={0} F={1} k={2} s={3} p={4} H={5} W={6} N={7} density {8}")
    @CsvSource({"1,1,1,1,0,1,1,1,1.0", "1,1,3,1,1,129,7,2,0.5", "3,7,3,2,1,9,11,3,0.1", "7,5,5,1,2,7,7,1,0.01",
            "2,9,4,3,0,13,10,4,0.5", "4,6,3,1,0,5,5,129,0.1", "3,4,2,2,0,8,8,3,0.0"})
    void singleConvMatchesDense(int c, int f, int k, int s, int p, int h, int w, int n, double density) {
        Rng rng = new Rng(c * 1000L + f * 100L + k * 10L + s + p + h + w + n);
        dev.jprune.nn.Conv2d conv = new dev.jprune.nn.Conv2d(c, f, k, s, p, rng);
        float[] wd = SparseFixtures.randomSparse(rng, f, c * k * k, density, 0);
        System.arraycopy(wd, 0, conv.weight().value.data, 0, wd.length);
        Sequential net = new Sequential(conv);
        Tensor x = Tensor.zeros(n, c, h, w);
        rng.fillUniform(x.data, -1f, 1f);
        Tensor ref = net.forward(x, false);
        Tensor y = SparseModel.export(net).forward(x);
        assertArrayEquals(ref.shape(), y.shape());
        Close.assertClose("sparse conv", ref.data, y.data, RTOL, ATOL);
        assertArrayEquals(ref.data, y.data, "bit for bit");
        assertArrayEquals(ref.data, SparseModel.exportSparse(net).forward(x).data, "sparse kernel");
        assertArrayEquals(ref.data, SparseModel.exportDense(net).forward(x).data, "dense kernel");
        // Filter 0 is empty: its output plane is exactly its bias.
        int plane = ref.dim(2) * ref.dim(3);
        for (int i = 0; i < plane; i++) assertEquals(conv.bias().value.data[0], y.data[i]);
    }

    /**
     * Serving: after warm-up calls, forwardInto with the caller's tensors allocates nothing on the calling thread
     * (ThreadMXBean): with a non-forking workspace at every batch size, sparse and dense kernels, MLP and CNN; and
     * with the per-thread pool for a call small enough to stay on the calling thread.
     */
    @Test
    @org.junit.jupiter.api.Tag("allocation") // not under PIT: its agent defeats the JIT's escape analysis (1120 B)
    void steadyStreamOfCallsAllocatesNothing() {
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(
                mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(),
                "this JVM does not measure per-thread allocation");
        for (String name : new String[] {"lenet-300-100", "lenet-5"}) {
            ModelSpec spec = Models.build(name, 3);
            Masks.randomWeightMasks(spec.net(), 0.9, new Rng(4));
            SparseModel[] models = {SparseModel.export(spec.net()), SparseModel.exportDense(spec.net())};
            for (SparseModel sm : models) {
                for (int n : new int[] {1, 7, 33}) {
                    Tensor x = input(new Rng(n), n, spec.sampleShape());
                    Tensor y = Tensor.zeros(sm.outputShape(x.shape()));
                    Workspace ws = sm.newWorkspace(false);
                    boolean pooled = n == 1 && name.startsWith("lenet-300");
                    long tid = Thread.currentThread().getId(), bytes = -1;
                    // Rounds of 10 calls until one allocates nothing: the first rounds grow the buffers, and the Vector
                    // API boxes its vectors until the JIT has compiled the kernels (in a busy test JVM that took over
                    // 1000 calls once; under PIT at load 10, over 30 s). Bounded by rounds and time, so a real per-call
                    // allocation still fails (after 1000 fast rounds; the time bound only stops slow ones).
                    long deadline = System.nanoTime() + 120_000_000_000L;
                    for (int round = 0; round < 1000 && bytes != 0 && System.nanoTime() < deadline; round++) {
                        long before = mx.getThreadAllocatedBytes(tid);
                        for (int i = 0; i < 10; i++) {
                            sm.forwardInto(x, y, ws);
                            if (pooled) sm.forwardInto(x, y);
                        }
                        bytes = mx.getThreadAllocatedBytes(tid) - before;
                    }
                    assertEquals(0, bytes, name + " batch " + n + " " + sm.describe() + ": bytes by 10 calls");
                }
            }
        }
    }

    /** Many threads share one model: each gets the single-threaded result for its own inputs, bit for bit. */
    @Test
    void concurrentCallersGetTheirOwnResults() throws Exception {
        ModelSpec spec = Models.build("lenet-5", 5);
        Masks.randomWeightMasks(spec.net(), 0.9, new Rng(6));
        SparseModel sm = SparseModel.export(spec.net());
        int threads = 4, calls = 20;
        Tensor[] xs = new Tensor[threads], expect = new Tensor[threads];
        for (int t = 0; t < threads; t++) {
            xs[t] = input(new Rng(100 + t), 1 + 3 * t, spec.sampleShape());
            expect[t] = spec.net().forward(xs[t], false);
        }
        java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<String>> fs = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                fs.add(ex.submit(() -> {
                    Tensor y = Tensor.zeros(expect[id].shape());
                    for (int i = 0; i < calls; i++) {
                        java.util.Arrays.fill(y.data, Float.NaN);
                        sm.forwardInto(xs[id], y);
                        if (!java.util.Arrays.equals(expect[id].data, y.data)) {
                            return "thread " + id + " call " + i + " differs";
                        }
                    }
                    return "";
                }));
            }
            for (var f : fs) assertEquals("", f.get());
        } finally {
            ex.shutdownNow();
        }
    }

    /**
     * Sparse and dense inference and a lenet-5 training step give the same bits with 1 and 3 threads (fresh JVMs:
     * the thread count is fixed per JVM), on the Vector API kernels and on the scalar ones.
     */
    @Test
    void resultsDoNotDependOnThreadCountOrKernelPath() throws Exception {
        String one = runProbe(1, true), three = runProbe(3, true), scalar = runProbe(3, false);
        assertFalse(one.isBlank());
        assertEquals(one, three, "1 vs 3 threads");
        assertEquals(one, scalar, "Vector API vs scalar kernels");
    }

    static String runProbe(int threads, boolean vector) throws Exception {
        java.nio.file.Path javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(javaBin.toString(), "-Djprune.threads=" + threads,
                "-Djprune.vector=" + vector, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), ThreadCountProbe.class.getName());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "probe failed: " + out);
        String[] lines = out.trim().split("\n");
        return lines[lines.length - 1].trim(); // the JVM may warn about the incubator module first
    }

    @Test
    void workspaceAndOutputAreChecked() {
        SparseModel a = SparseModel.export(Models.build("lenet-300-100", 1).net());
        SparseModel b = SparseModel.export(Models.build("lenet-300-100", 2).net());
        Tensor x = Tensor.zeros(2, 784);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.forwardInto(x, Tensor.zeros(2, 10), b.newWorkspace()));
        assertTrue(e.getMessage().contains("another model"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.forwardInto(x, Tensor.zeros(3, 10)));
        assertTrue(e.getMessage().contains("[3, 10]") && e.getMessage().contains("[2, 10]"), e.getMessage());
    }

    @Test
    void maxPoolMatchesDenseIncludingNaNAndTies() {
        Rng rng = new Rng(8);
        Sequential net = new Sequential(new dev.jprune.nn.MaxPool2d(3, 2));
        Tensor x = Tensor.zeros(2, 3, 9, 8);
        for (int i = 0; i < x.size(); i++) x.data[i] = rng.nextInt(4) - 2; // many ties
        x.data[5] = Float.NaN;
        x.data[100] = Float.NEGATIVE_INFINITY;
        Tensor ref = net.forward(x, false), y = SparseModel.export(net).forward(x);
        assertArrayEquals(ref.shape(), y.shape());
        assertArrayEquals(ref.data, y.data);
        assertTrue(Float.isNaN(y.data[2]), "NaN at (0, 5) propagates to the window at ox = 2");
        // the branch-free 2x2 path: ties, signed zeros and NaNs, bit for bit as nn.MaxPool2d
        Sequential two = new Sequential(new dev.jprune.nn.MaxPool2d(2, 2));
        Tensor z = Tensor.zeros(2, 3, 8, 10);
        float[] vals = {-0.0f, 0.0f, 1f, -1f, Float.NaN, Float.intBitsToFloat(0x7fc00001), 1f, 0.0f};
        for (int i = 0; i < z.size(); i++) z.data[i] = vals[rng.nextInt(vals.length)];
        float[] want = two.forward(z, false).data, got = SparseModel.export(two).forward(z).data;
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), "2x2 window " + i);
        }
    }

    @Test
    void exportCopiesTheWeights() {
        Rng rng = new Rng(5);
        Sequential net = new Sequential(new Linear(7, 5, rng), new ReLU(), new Linear(5, 3, rng));
        SparseModel sm = SparseModel.export(net);
        Tensor x = input(rng, 4, new int[] {7});
        Tensor y0 = sm.forward(x);
        for (var p : net.parameters()) java.util.Arrays.fill(p.value.data, 0.5f);
        assertArrayEquals(y0.data, sm.forward(x).data);
        assertNotEquals(net.forward(x, false).data[0], y0.data[0]);
    }

    /** A layer without bias runs as one with a zero bias: the sparse model computes the masked dense one. */
    @Test
    void layersWithoutBiasExportAndMatch() {
        Rng rng = new Rng(8);
        Sequential net = new Sequential(new dev.jprune.nn.Conv2d(2, 3, 3, 1, 1, false, rng), new ReLU(),
                new dev.jprune.nn.Flatten(), new Linear(3 * 7 * 7, 5, false, rng), new ReLU(), new Linear(5, 4, rng));
        Masks.randomWeightMasks(net, 0.7, rng);
        SparseModel sm = SparseModel.export(net);
        Tensor x = input(rng, 3, new int[] {2, 7, 7});
        Close.assertClose("no bias", net.forward(x, false).data, sm.forward(x).data, RTOL, ATOL);
    }

    @Test
    void nestedSequentialIsInlined() {
        Rng rng = new Rng(6);
        Linear a = new Linear(9, 6, rng), b = new Linear(6, 2, rng);
        Sequential net = new Sequential(a, new Sequential(new ReLU(), b));
        Tensor x = input(rng, 3, new int[] {9});
        Close.assertClose("nested", net.forward(x, false).data, SparseModel.export(net).forward(x).data, RTOL, ATOL);
        assertEquals(3, SparseModel.export(net).size());
        assertTrue(SparseModel.export(net).describe().get(2).startsWith("1.1: SparseLinear"),
                SparseModel.export(net).describe().toString());
        List<String> d = SparseModel.export(net).describe();
        assertTrue(d.get(0).contains("ReLU fused"), d.toString());
    }

    @Test
    void unsupportedLayerIsNamed() {
        Layer odd = new Layer() {
            public Tensor forward(Tensor x, boolean t) { return x; }
            public Tensor backward(Tensor dy) { return dy; }
            public int[] outputShape(int[] s) { return s; }
            public String describe() { return "Softsign"; }
        };
        Sequential net = new Sequential(new Linear(3, 3, new Rng(1)), odd);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparseModel.export(net));
        assertTrue(e.getMessage().contains("layer 1 Softsign") && e.getMessage().contains("not supported"),
                e.getMessage());
    }

    @Test
    void wrongInputShapeIsNamed() {
        SparseModel sm = SparseModel.export(Models.build("lenet-300-100", 1).net());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sm.forward(Tensor.zeros(2, 3, 32, 32)));
        assertTrue(e.getMessage().contains("0: SparseLinear(784 -> 300") && e.getMessage().contains("[2, 3, 32, 32]"),
                e.getMessage());
        SparseModel conv = SparseModel.export(Models.build("lenet-5", 1).net());
        e = assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(2, 3, 28, 28)));
        assertTrue(e.getMessage().contains("0: SparseConv2d(1 -> 20") && e.getMessage().contains("[2, 3, 28, 28]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(2, 1, 4, 4)));
        assertTrue(e.getMessage().contains("SparseConv2d") && e.getMessage().contains("[2, 1, 4, 4]"), e.getMessage());
    }
}
