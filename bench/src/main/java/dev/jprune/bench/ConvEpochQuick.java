package dev.jprune.bench;

import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Layer;
import dev.jprune.nn.Parameter;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Parallel;
import dev.jprune.util.Rng;
import java.util.List;
import java.util.Locale;

/**
 * Per-layer forward and backward wall time of a model's training step on random inputs (no data set, no optimizer),
 * and the implied samples/s of forward+backward. Plain System.nanoTime harness; the minimum over the rounds is
 * reported per layer (the shared-machine noise only ever adds time).
 * Usage: ConvEpochQuick [model=lenet-5] [batch=128] [rounds=10].
 */
public final class ConvEpochQuick {
    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "lenet-5";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        ModelSpec m = Models.build(model, 1);
        List<Layer> layers = m.net().layers();
        int[] shape = new int[m.sampleShape().length + 1];
        shape[0] = batch;
        System.arraycopy(m.sampleShape(), 0, shape, 1, m.sampleShape().length);
        Tensor x0 = Tensor.zeros(shape);
        new Rng(7).fillUniform(x0.data, -1f, 1f);
        int L = layers.size();
        long[] fwd = new long[L], bwd = new long[L];
        java.util.Arrays.fill(fwd, Long.MAX_VALUE);
        java.util.Arrays.fill(bwd, Long.MAX_VALUE);
        long bestStep = Long.MAX_VALUE;
        Rng rng = new Rng(11);
        for (int r = 0; r < rounds + 2; r++) { // 2 warm-up rounds
            for (Parameter p : m.net().parameters()) p.zeroGrad();
            Tensor[] acts = new Tensor[L + 1];
            acts[0] = x0;
            long t0 = System.nanoTime();
            for (int i = 0; i < L; i++) {
                long s = System.nanoTime();
                acts[i + 1] = layers.get(i).forward(acts[i], true);
                if (r >= 2) fwd[i] = Math.min(fwd[i], System.nanoTime() - s);
            }
            Tensor g = Tensor.zeros(acts[L].shape());
            rng.fillUniform(g.data, -1e-2f, 1e-2f);
            for (int i = L - 1; i >= 0; i--) {
                long s = System.nanoTime();
                g = layers.get(i).backward(g, i > 0);
                if (r >= 2) bwd[i] = Math.min(bwd[i], System.nanoTime() - s);
            }
            if (r >= 2) bestStep = Math.min(bestStep, System.nanoTime() - t0);
        }
        System.out.printf(Locale.ROOT, "%s batch %d, %d threads, min over %d rounds%n", model, batch,
                Parallel.threads(), rounds);
        long sumF = 0, sumB = 0;
        for (int i = 0; i < L; i++) {
            System.out.printf(Locale.ROOT, "  %2d %-34s fwd %8.2f ms  bwd %8.2f ms%n", i, layers.get(i).describe(),
                    fwd[i] / 1e6, bwd[i] / 1e6);
            sumF += fwd[i];
            sumB += bwd[i];
        }
        System.out.printf(Locale.ROOT, "  sum of layer minima: fwd %.2f ms, bwd %.2f ms -> %.0f samples/s;"
                + " best whole step %.2f ms -> %.0f samples/s%n",
                sumF / 1e6, sumB / 1e6, batch / ((sumF + sumB) / 1e9), bestStep / 1e6, batch / (bestStep / 1e9));
    }
}
