package dev.jprune.sparse;

import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;

/**
 * Prints a digest of every bit of: SparseModel outputs (lenet-300-100 and lenet-5 at 90% sparsity, the cost model's
 * kernels and both forced kinds, batches that run serially and in parallel), and one lenet-5 training step's forward
 * output and parameter gradients. Run with different -Djprune.threads; the digests must be equal.
 */
public final class ThreadCountProbe {
    public static void main(String[] args) {
        long h = 1125899906842597L;
        for (String name : new String[] {"lenet-300-100", "lenet-5"}) {
            ModelSpec spec = Models.build(name, 12);
            Masks.randomWeightMasks(spec.net(), 0.9, new Rng(13));
            SparseModel[] models = {SparseModel.export(spec.net()), SparseModel.exportSparse(spec.net()),
                    SparseModel.exportDense(spec.net())};
            for (SparseModel sm : models) {
                for (int n : new int[] {1, 7, 300}) {
                    Tensor x = SparseModelTest.input(new Rng(n), n, spec.sampleShape());
                    for (float f : sm.forward(x).data) h = 31 * h + Float.floatToRawIntBits(f);
                }
            }
        }
        ModelSpec lenet = Models.build("lenet-5", 14);
        Tensor x = SparseModelTest.input(new Rng(15), 128, lenet.sampleShape());
        Tensor y = lenet.net().forward(x, true);
        for (float f : y.data) h = 31 * h + Float.floatToRawIntBits(f);
        Tensor dy = Tensor.zeros(y.shape());
        new Rng(16).fillUniform(dy.data, -1f, 1f);
        lenet.net().backward(dy, false);
        for (Parameter p : lenet.net().parameters()) {
            for (float f : p.grad.data) h = 31 * h + Float.floatToRawIntBits(f);
        }
        System.out.println(Long.toHexString(h));
    }
}
