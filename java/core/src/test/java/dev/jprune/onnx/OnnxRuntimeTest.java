package dev.jprune.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.jprune.data.EmbeddedMnist;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Flatten;
import dev.jprune.nn.Linear;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.Granularity;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.Scope;
import dev.jprune.prune.ScoreAccumulator;
import dev.jprune.prune.Structured;
import dev.jprune.sparse.SparseModel;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Exported models run in the real ONNX Runtime and compute what jprune computes: 64 single samples and one batch of
 * 64, against jprune's dense forward and its CSR {@link SparseModel}, max |Δ| ≤ 1e-5 of the output's scale.
 * The models are seed-fixed and pruned by magnitude (no training), so each case takes well under a second.
 */
class OnnxRuntimeTest {
    private static final double REL = 1e-5;
    private static final int N = 64;
    private static OrtEnvironment env;
    private static float[] mnist; // N test digits, [N, 1, 28, 28] in [0, 1]

    @BeforeAll
    static void setUp() throws Exception {
        env = OrtSupport.environment();
        mnist = Arrays.copyOf(EmbeddedMnist.test().images(), N * 784);
    }

    static PruneSpec spec(Granularity g, double sparsity) {
        return new PruneSpec(Criterion.MAGNITUDE, g, Scope.GLOBAL, sparsity, 2, 4, Structured.Norm.L2, Float.NaN,
                Set.of(), false, 0, 1, 16, ScoreAccumulator.Mode.SUM, 0.9f);
    }

    /** Model {@code name} from seed 7, pruned by magnitude with {@code spec}. */
    static ModelSpec pruned(String name, PruneSpec spec) {
        ModelSpec m = Models.build(name, 7);
        ModelPruner p = new ModelPruner(m.net(), spec);
        p.prune(spec.sparsity(), p.scores(null));
        return m;
    }

    /**
     * Exports {@code m}, runs the file in ONNX Runtime on 64 single inputs and on the batch, and compares with jprune's
     * dense and CSR inference of the (unshrunk) model. Returns ONNX Runtime's batch output.
     */
    static float[] assertSameOutputs(String what, ModelSpec m, float[] inputs, OnnxExportOptions o) throws Exception {
        byte[] bytes = OnnxExporter.export(m.net(), m.sampleShape(), o).toByteArray();
        int per = m.sampleSize();
        long[] batchShape = shape(N, m.sampleShape()), oneShape = shape(1, m.sampleShape());
        int[] batchDims = Arrays.stream(batchShape).mapToInt(x -> (int) x).toArray();
        int[] oneDims = Arrays.stream(oneShape).mapToInt(x -> (int) x).toArray();
        SparseModel csr = SparseModel.export(m.net());
        try (OrtSession s = OrtSupport.session(env, bytes)) {
            for (int i = 0; i < N; i++) {
                float[] x = Arrays.copyOfRange(inputs, i * per, (i + 1) * per);
                float[] ort = OrtSupport.run(env, s, x, oneShape);
                float[] dense = m.net().forward(Tensor.wrap(x, oneDims), false).data;
                OrtSupport.assertClose(what + " sample " + i + " vs dense", dense, ort, REL);
                float[] sparse = csr.forward(Tensor.wrap(x, oneDims)).data;
                OrtSupport.assertClose(what + " sample " + i + " vs CSR", sparse, ort, REL);
            }
            float[] ort = OrtSupport.run(env, s, inputs, batchShape);
            float[] dense = m.net().forward(Tensor.wrap(inputs.clone(), batchDims), false).data;
            OrtSupport.assertClose(what + " batch vs dense", dense, ort, REL);
            float[] sparse = csr.forward(Tensor.wrap(inputs.clone(), batchDims)).data;
            OrtSupport.assertClose(what + " batch vs CSR", sparse, ort, REL);
            return ort;
        }
    }

    static long[] shape(int batch, int[] sample) {
        long[] s = new long[sample.length + 1];
        s[0] = batch;
        for (int i = 0; i < sample.length; i++) s[i + 1] = sample[i];
        return s;
    }

    /** Every exported weight equals the model's, and its zeros are exactly the mask's zeros. */
    static void assertZerosAreMaskZeros(Sequential exported, OnnxDecoder.Model decoded) {
        int masked = 0;
        for (Map.Entry<String, Parameter> e : exported.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            OnnxDecoder.Tensor t = decoded.initializers().get(e.getKey());
            assertArrayEquals(Arrays.stream(p.value.shape()).asLongStream().toArray(), t.dims(), e.getKey() + " shape");
            assertArrayEquals(p.value.data, t.dense(), e.getKey() + " values");
            if (p.mask == null) continue;
            masked++;
            for (int i = 0; i < p.mask.length; i++) {
                if ((t.dense()[i] == 0f) != (p.mask[i] == 0)) {
                    throw new AssertionError(e.getKey() + "[" + i + "] = " + t.dense()[i] + " but mask " + p.mask[i]);
                }
            }
        }
        assertTrue(masked > 0, "the model has masks");
    }

    @Test
    void unstructured90MatchesDenseAndCsrAndItsZerosAreTheMasks() throws Exception {
        ModelSpec m = pruned("lenet-300-100", PruneSpec.global(Criterion.MAGNITUDE, 0.9));
        OnnxModel onnx = OnnxExporter.export(m.net(), m.sampleShape(),
                OnnxExportOptions.defaults().withCriterion("magnitude"));
        assertTrue(onnx.shrinkChanges().isEmpty(), "no unit of this 90% model is dead, so nothing shrinks");
        assertZerosAreMaskZeros(m.net(), OnnxDecoder.decode(onnx.toByteArray()));
        assertSameOutputs("lenet-300-100 90%", m, mnist, OnnxExportOptions.defaults());
    }

    @Test
    void sparseInitializersGiveIdenticalOutputsAtAThirdOfTheSize() throws Exception {
        ModelSpec m = pruned("lenet-300-100", PruneSpec.global(Criterion.MAGNITUDE, 0.9));
        OnnxModel dense = OnnxExporter.export(m.net(), m.sampleShape(), OnnxExportOptions.defaults());
        OnnxModel sparse = OnnxExporter.export(m.net(), m.sampleShape(),
                OnnxExportOptions.defaults().withSparseInitializers(true));
        double ratio = sparse.size() / (double) dense.size();
        assertTrue(ratio <= 0.35, "sparse file is " + ratio + " of the dense one");
        OnnxDecoder.Model d = OnnxDecoder.decode(sparse.toByteArray());
        assertTrue(d.initializers().get("0.weight").sparse(), "0.weight written sparse");
        assertFalse(d.initializers().get("0.bias").sparse(), "biases stay dense");
        for (OnnxDecoder.Tensor t : d.initializers().values()) {
            if (!t.sparse()) continue;
            long[] idx = t.sparseIndices();
            for (int i = 1; i < idx.length; i++) {
                assertTrue(idx[i] > idx[i - 1], t.name() + ": indices ascending, no duplicates");
            }
        }
        assertZerosAreMaskZeros(m.net(), d);
        float[] a = assertSameOutputs("lenet-300-100 90% dense file", m, mnist, OnnxExportOptions.defaults());
        float[] b = assertSameOutputs("lenet-300-100 90% sparse file", m, mnist,
                OnnxExportOptions.defaults().withSparseInitializers(true));
        assertArrayEquals(a, b, "sparse initializers give the same outputs bit for bit");
    }

    @Test
    void twoFourKeepsItsGroupsAlongTheReductionDimension() throws Exception {
        ModelSpec m = pruned("lenet-300-100", spec(Granularity.NM, 0.5));
        OnnxModel onnx = OnnxExporter.export(m.net(), m.sampleShape(), OnnxExportOptions.defaults());
        OnnxDecoder.Model d = OnnxDecoder.decode(onnx.toByteArray());
        assertZerosAreMaskZeros(m.net(), d);
        for (String w : new String[] {"0.weight", "2.weight", "4.weight"}) {
            OnnxDecoder.Tensor t = d.initializers().get(w);
            int in = (int) t.dims()[1]; // Gemm B [out, in] with transB = 1: the last axis is the reduction
            for (int g = 0; g < t.dense().length; g += 4) {
                int nz = 0;
                for (int j = g; j < g + 4; j++) nz += t.dense()[j] != 0f ? 1 : 0;
                assertEquals(2, nz, w + " group at " + (g / in) + "," + (g % in));
            }
        }
        assertEquals("n:m", d.metadata().get("granularity"));
        assertEquals("2:4", d.metadata().get("nm_pattern"));
        assertSameOutputs("lenet-300-100 2:4", m, mnist, OnnxExportOptions.defaults());
    }

    @Test
    void neuronPrunedModelIsWrittenShrunkAndComputesTheSame() throws Exception {
        ModelSpec m = pruned("lenet-300-100", spec(Granularity.STRUCTURED, 0.5));
        OnnxModel onnx = OnnxExporter.export(m.net(), m.sampleShape(), OnnxExportOptions.defaults());
        OnnxDecoder.Model d = OnnxDecoder.decode(onnx.toByteArray());
        long kept0 = keptRows(m.net().namedParameters().get("0.weight")),
                kept2 = keptRows(m.net().namedParameters().get("2.weight"));
        assertTrue(kept0 < 300 && kept2 < 100, "some neurons were pruned in both hidden layers");
        assertArrayEquals(new long[] {kept0, 784}, d.initializers().get("0.weight").dims());
        assertArrayEquals(new long[] {kept2, kept0}, d.initializers().get("2.weight").dims());
        assertArrayEquals(new long[] {10, kept2}, d.initializers().get("4.weight").dims());
        assertEquals("structured", d.metadata().get("granularity"));
        assertZerosAreMaskZeros(onnx.exported(), d);
        assertSameOutputs("lenet-300-100 neurons", m, mnist, OnnxExportOptions.defaults());
        OnnxModel unshrunk = OnnxExporter.export(m.net(), m.sampleShape(),
                OnnxExportOptions.defaults().withShrink(false));
        assertTrue(onnx.size() < 0.6 * unshrunk.size(), "shrunk file " + onnx.size() + " bytes vs " + unshrunk.size());
    }

    @Test
    void filterPrunedLenet5IsWrittenShrunkAndComputesTheSame() throws Exception {
        ModelSpec m = pruned("lenet-5", spec(Granularity.STRUCTURED, 0.5));
        OnnxModel onnx = OnnxExporter.export(m.net(), m.sampleShape(), OnnxExportOptions.defaults());
        OnnxDecoder.Model d = OnnxDecoder.decode(onnx.toByteArray());
        long f0 = keptRows(m.net().namedParameters().get("0.weight")),
                f2 = keptRows(m.net().namedParameters().get("2.weight"));
        long n5 = keptRows(m.net().namedParameters().get("5.weight"));
        assertTrue(f0 < 20 || f2 < 50, "some filters were pruned");
        assertArrayEquals(new long[] {f0, 1, 5, 5}, d.initializers().get("0.weight").dims());
        assertArrayEquals(new long[] {f2, f0, 5, 5}, d.initializers().get("2.weight").dims());
        assertArrayEquals(new long[] {n5, f2 * 16}, d.initializers().get("5.weight").dims(), "Linear after Flatten");
        assertZerosAreMaskZeros(onnx.exported(), d);
        assertSameOutputs("lenet-5 filters", m, mnist, OnnxExportOptions.defaults());
    }

    private static long keptRows(Parameter w) {
        int rows = w.value.dim(0), len = w.size() / rows;
        long kept = 0;
        for (int r = 0; r < rows; r++) {
            for (int j = r * len; j < (r + 1) * len; j++) if (w.mask[j] != 0) { kept++; break; }
        }
        return kept;
    }

    @Test
    void lenet5MatchesDenseAndCsr() throws Exception {
        ModelSpec m = pruned("lenet-5", PruneSpec.global(Criterion.MAGNITUDE, 0.9));
        assertSameOutputs("lenet-5 90%", m, mnist, OnnxExportOptions.defaults());
    }

    @Test
    void cifarCnnBMatchesDenseAndCsrOnRandomInputs() throws Exception {
        ModelSpec m = pruned("cifar-cnn-b", PruneSpec.global(Criterion.MAGNITUDE, 0.9));
        float[] x = new float[N * 3 * 32 * 32];
        Rng rng = new Rng(11);
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        OnnxModel onnx = OnnxExporter.export(m.net(), m.sampleShape(), OnnxExportOptions.defaults());
        assertZerosAreMaskZeros(onnx.exported(), OnnxDecoder.decode(onnx.toByteArray()));
        assertSameOutputs("cifar-cnn-b 90%", m, x, OnnxExportOptions.defaults());
    }

    @Test
    void dropoutIsOmittedAndTheModelStillMatches() throws Exception {
        ModelSpec m = pruned("mlp-128", PruneSpec.global(Criterion.MAGNITUDE, 0.8));
        OnnxModel onnx = OnnxExporter.export(m.net(), m.sampleShape(), OnnxExportOptions.defaults());
        assertEquals(java.util.List.of("Flatten", "Gemm", "Relu", "Gemm"),
                OnnxDecoder.decode(onnx.toByteArray()).opTypes());
        assertSameOutputs("mlp-128 80%", m, mnist, OnnxExportOptions.defaults());
    }

    /** Layers without bias become Conv / Gemm nodes without their optional B / C input, and compute the same. */
    @Test
    void layersWithoutBiasOmitTheBiasInputAndMatch() throws Exception {
        for (Granularity g : new Granularity[] {Granularity.UNSTRUCTURED, Granularity.STRUCTURED}) {
            Rng rng = new Rng(17);
            Sequential net = new Sequential(new Conv2d(1, 4, 5, 1, 0, false, rng), new ReLU(), new MaxPool2d(2, 2),
                    new Flatten(), new Linear(576, 32, false, rng), new ReLU(), new Linear(32, 10, rng));
            ModelSpec m = new ModelSpec("no-bias", net, new int[] {1, 28, 28}, ModelSpec.Task.CLASSIFICATION, 10,
                    ModelSpec.OptimizerKind.SGD, 0.05f);
            PruneSpec spec = spec(g, g == Granularity.STRUCTURED ? 0.5 : 0.8);
            ModelPruner pr = new ModelPruner(net, spec);
            pr.prune(spec.sparsity(), pr.scores(null));
            OnnxDecoder.Model decoded = OnnxDecoder.decode(OnnxExporter.export(net, m.sampleShape(),
                    OnnxExportOptions.defaults()).toByteArray());
            assertEquals(Set.of("0.weight", "4.weight", "6.weight", "6.bias"),
                    decoded.initializers().keySet(), g.name());
            assertSameOutputs("no bias, " + g, m, mnist, OnnxExportOptions.defaults());
        }
    }

    @Test
    void runtimeSeesNamesDynamicBatchAndMetadata() throws Exception {
        ModelSpec m = pruned("lenet-5", PruneSpec.global(Criterion.MAGNITUDE, 0.9));
        byte[] bytes = OnnxExporter.export(m.net(), m.sampleShape(),
                OnnxExportOptions.defaults().withCriterion("magnitude")
                .withModelName("lenet-5")).toByteArray();
        try (OrtSession s = OrtSupport.session(env, bytes)) {
            TensorInfo in = (TensorInfo) s.getInputInfo().get(OnnxExporter.INPUT).getInfo();
            TensorInfo out = (TensorInfo) s.getOutputInfo().get(OnnxExporter.OUTPUT).getInfo();
            assertArrayEquals(new long[] {-1, 1, 28, 28}, in.getShape(), "input [batch, 1, 28, 28], batch symbolic");
            assertArrayEquals(new long[] {-1, 10}, out.getShape(), "output [batch, 10]");
            Map<String, String> meta = s.getMetadata().getCustomMetadata();
            assertEquals("jprune", meta.get("producer"));
            assertEquals("jprune", s.getMetadata().getProducerName());
            assertEquals("magnitude", meta.get("criterion"));
            assertEquals("lenet-5", meta.get("model"));
            assertEquals("unstructured", meta.get("granularity"));
            assertEquals(OnnxExporter.maskHash(m.net()), meta.get("mask_sha256"));
            assertTrue(meta.get("sparsity").contains("\"0.weight\":"), meta.get("sparsity"));
            float[] three = OrtSupport.run(env, s, Arrays.copyOf(mnist, 3 * 784), 3, 1, 28, 28);
            assertEquals(30, three.length, "any batch size runs");
        }
    }
}
