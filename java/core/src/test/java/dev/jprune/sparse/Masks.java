package dev.jprune.sparse;

import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;

/** Random unstructured masks for tests: each weight kept with probability 1 − sparsity; biases stay dense. */
final class Masks {
    private Masks() {}

    static void randomWeightMasks(Sequential net, double sparsity, Rng rng) {
        for (Parameter p : net.parameters()) {
            if (p.kind != Parameter.Kind.WEIGHT) continue;
            byte[] m = new byte[p.size()];
            for (int i = 0; i < m.length; i++) m[i] = (byte) (rng.nextDouble() < sparsity ? 0 : 1);
            p.mask = m;
            p.applyMask();
        }
    }

    /** Weight masks with the i-th weight tensor's own sparsity (sparsities[i], in parameter order). */
    static void randomWeightMasks(Sequential net, double[] sparsities, Rng rng) {
        int i = 0;
        for (Parameter p : net.parameters()) {
            if (p.kind != Parameter.Kind.WEIGHT) continue;
            byte[] m = new byte[p.size()];
            for (int j = 0; j < m.length; j++) m[j] = (byte) (rng.nextDouble() < sparsities[i] ? 0 : 1);
            i++;
            p.mask = m;
            p.applyMask();
        }
    }
}
