package dev.jprune.bench;

import dev.jprune.cpu.Gemm;
import dev.jprune.models.Models;
import dev.jprune.nn.Linear;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.sparse.Csr;
import dev.jprune.sparse.SparseModel;
import dev.jprune.sparse.SparseReport;
import dev.jprune.sparse.Spmm;
import dev.jprune.sparse.StructuredShrink;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Parallel;
import dev.jprune.util.Rng;
import java.util.Arrays;
import java.util.Locale;

/**
 * Plain harness (no JMH): CPU sparse inference against dense.
 * <ol>
 *   <li>Spmm paths (gather vs transposed) against dense Gemm on LeNet-300-100's first layer W [300, 784], to place
 *   {@link Spmm#TRANSPOSE_MIN_BATCH}.</li>
 *   <li>Whole model: lenet-300-100 with random unstructured masks, dense Sequential.forward vs
 *   SparseModel.forward.</li>
 *   <li>StructuredShrink: lenet-300-100 with half the hidden neurons structurally pruned, dense forward
 *   before/after.</li>
 * </ol>
 * Run: {@code java -cp bench/target/jprune-bench.jar dev.jprune.bench.SparseInferenceBench [quick]}. Median of
 * timed reps.
 */
public final class SparseInferenceBench {
    private SparseInferenceBench() {}

    interface Body { void run(); }

    static double medianMicros(Body b, int warm, int reps) {
        for (int i = 0; i < warm; i++) b.run();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            b.run();
            t[i] = (System.nanoTime() - t0) / 1e3;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    static void mask(Sequential net, double sparsity, Rng rng) {
        for (Parameter p : net.parameters()) {
            if (p.kind != Parameter.Kind.WEIGHT) continue;
            p.mask = new byte[p.size()];
            for (int i = 0; i < p.size(); i++) p.mask[i] = (byte) (rng.nextDouble() < sparsity ? 0 : 1);
            p.applyMask();
        }
    }

    public static void main(String[] args) {
        boolean quick = args.length > 0 && args[0].equals("quick");
        int reps = quick ? 5 : 21;
        System.out.printf(Locale.ROOT, "SparseInferenceBench  threads=%d  java=%s  cores=%d%n", Parallel.threads(),
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());

        // 1. kernel paths
        Rng rng = new Rng(1);
        int out = 300, in = 784;
        System.out.println("\n[1] y = x·Wᵀ + b, W [300, 784]; µs per call (median)");
        System.out.println("density  batch   gather  transposed   dense Gemm");
        for (double density : new double[] {0.1, 0.01}) {
            float[] w = new float[out * in];
            for (int i = 0; i < w.length; i++) if (rng.nextDouble() < density) w[i] = rng.uniform(-1f, 1f);
            Csr csr = Csr.fromDense(w, out, in);
            float[] b = new float[out];
            rng.fillUniform(b, -1f, 1f);
            for (int n : new int[] {1, 2, 4, 8, 16, 64, 256}) {
                float[] x = new float[n * in], y = new float[n * out];
                rng.fillUniform(x, -1f, 1f);
                int r = n >= 64 ? Math.max(3, reps / 3) : reps;
                double g = medianMicros(() -> Spmm.linearGather(csr, x, n, b, y), r, r);
                double t = medianMicros(() -> Spmm.linearTransposed(csr, x, n, b, y), r, r);
                double d = medianMicros(() -> Gemm.gemm(false, true, n, out, in, 1f, x, 0, in, w, 0, in, 0f, y, 0,
                        out), r, r);
                System.out.printf(Locale.ROOT, "%7.2f  %5d  %7.1f  %10.1f  %11.1f%n", density, n, g, t, d);
            }
        }

        // 2. whole models
        for (String model : new String[] {"lenet-300-100", "lenet-5"}) {
          System.out.println("\n[2] " + model + " forward, µs per batch (median)");
          System.out.println("sparsity  batch   dense Sequential   SparseModel   speed-up");
          for (double sp : new double[] {0.9, 0.99}) {
            Sequential net = Models.build(model, 2).net();
            mask(net, sp, new Rng(3));
            SparseModel sm = SparseModel.export(net);
            if (sp == 0.9) System.out.print(SparseReport.of(sm, new int[] {1, 28, 28}).toTable());
            for (int n : new int[] {1, 64, 256}) {
                Tensor x = Tensor.zeros(n, 1, 28, 28);
                rng.fillUniform(x.data, 0f, 1f);
                int r = n >= 64 ? Math.max(3, reps / 3) : reps;
                double d = medianMicros(() -> net.forward(x, false), r, r);
                double s = medianMicros(() -> sm.forward(x), r, r);
                System.out.printf(Locale.ROOT, "%8.2f  %5d  %17.1f  %12.1f  %8.1fx%n", sp, n, d, s, d / s);
            }
          }
        }

        // 3. structured shrink
        System.out.println("\n[3] lenet-300-100 with 150/300 and 50/100 hidden neurons pruned:"
                + " dense forward µs (median)");
        Sequential net = Models.build("lenet-300-100", 4).net();
        Rng pr = new Rng(5);
        pruneHalf((Linear) net.layer(0), pr);
        pruneHalf((Linear) net.layer(2), pr);
        StructuredShrink.Result res = StructuredShrink.shrink(net);
        System.out.println("shrunk: " + res.model().describe() + "  params " + res.parametersBefore() + " -> "
                + res.parametersAfter());
        System.out.println("batch   masked (full size)   shrunk   speed-up");
        for (int n : new int[] {1, 64, 256}) {
            Tensor x = Tensor.zeros(n, 784);
            rng.fillUniform(x.data, 0f, 1f);
            int r = n >= 64 ? Math.max(3, reps / 3) : reps;
            double a = medianMicros(() -> net.forward(x, false), r, r);
            double s = medianMicros(() -> res.model().forward(x, false), r, r);
            System.out.printf(Locale.ROOT, "%5d  %19.1f  %7.1f  %8.1fx%n", n, a, s, a / s);
        }
    }

    // Masks every second neuron: weight row and bias entry.
    static void pruneHalf(Linear l, Rng rng) {
        l.weight.mask = new byte[l.weight.size()];
        l.bias.mask = new byte[l.out];
        for (int u = 0; u < l.out; u++) {
            byte keep = (byte) (u % 2);
            Arrays.fill(l.weight.mask, u * l.in, (u + 1) * l.in, keep);
            l.bias.mask[u] = keep;
        }
        l.weight.applyMask();
        l.bias.applyMask();
    }
}
