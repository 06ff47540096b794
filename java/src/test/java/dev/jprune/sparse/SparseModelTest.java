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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

    @ParameterizedTest(name = "{0} batch {1}")
    @CsvSource({"lenet-300-100,1", "lenet-300-100,7", "lenet-300-100,129", "mlp-128,1", "mlp-128,33"})
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
        assertArrayEquals(before, x.data, "input not modified");
        assertArrayEquals(ref.shape(), sm.outputShape(x.shape()));
        // ~10% of the weights survive
        long w = 0;
        for (var p : spec.net().parameters()) if (p.kind == dev.jprune.nn.Parameter.Kind.WEIGHT) w += p.size();
        assertEquals(0.1, (double) sm.nnz() / w, 0.01);
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

    @Test
    void nestedSequentialIsInlined() {
        Rng rng = new Rng(6);
        Linear a = new Linear(9, 6, rng), b = new Linear(6, 2, rng);
        Sequential net = new Sequential(a, new Sequential(new ReLU(), b));
        Tensor x = input(rng, 3, new int[] {9});
        Close.assertClose("nested", net.forward(x, false).data, SparseModel.export(net).forward(x).data, RTOL, ATOL);
        assertEquals(3, SparseModel.export(net).size());
        assertTrue(SparseModel.export(net).describe().get(2).startsWith("1.1: SparseLinear"), SparseModel.export(net).describe().toString());
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
        assertTrue(e.getMessage().contains("layer 1 Softsign") && e.getMessage().contains("not supported"), e.getMessage());
    }

    @Test
    void wrongInputShapeIsNamed() {
        SparseModel sm = SparseModel.export(Models.build("lenet-300-100", 1).net());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sm.forward(Tensor.zeros(2, 3, 32, 32)));
        assertTrue(e.getMessage().contains("0: SparseLinear(784 -> 300") && e.getMessage().contains("[2, 3, 32, 32]"), e.getMessage());
    }
}
