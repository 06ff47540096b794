package dev.jprune.bench;

import dev.jprune.cpu.Gemm;
import dev.jprune.util.Rng;

/**
 * Plain System.nanoTime harness for {@link Gemm} (no JMH): best-of-rounds GFLOP/s per shape, then the GEMM work
 * of one lenet-300-100 training epoch (60,000 images, batch 128: forward X·W^T, backward dY·W (not for the first
 * layer) and dY^T·X per layer), timed end to end. Run: java -cp bench/target/jprune-bench.jar
 * dev.jprune.bench.GemmQuick
 */
public final class GemmQuick {
    private GemmQuick() {}

    public static void main(String[] args) {
        String[] shapes = args.length > 0 ? args : new String[] {"N,T,1,300,784", "N,T,8,300,784", "N,T,64,300,784",
                "N,T,128,300,784", "T,N,300,784,128", "N,N,128,784,300", "N,T,128,100,300", "T,N,100,300,128",
                "N,N,128,300,100", "N,T,128,10,100", "N,N,20,9216,25", "N,T,20,25,9216", "N,N,50,512,500",
                "N,T,500,50,512", "T,N,500,512,50", "N,N,512,512,512"};
        Rng rng = new Rng(1);
        for (String sh : shapes) {
            String[] s = sh.split(",");
            boolean ta = s[0].equals("T"), tb = s[1].equals("T");
            int m = Integer.parseInt(s[2]), n = Integer.parseInt(s[3]), k = Integer.parseInt(s[4]);
            float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
            rng.fillUniform(a, -1f, 1f);
            rng.fillUniform(b, -1f, 1f);
            double flop = 2.0 * m * n * k;
            int reps = (int) Math.max(1, Math.min(100_000, 2e8 / flop));
            double best = 0;
            for (int round = 0; round < 15; round++) {
                long t = System.nanoTime();
                for (int r = 0; r < reps; r++) Gemm.gemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n,
                        0f, c, 0, n);
                best = Math.max(best, flop * reps / (System.nanoTime() - t));
            }
            System.out.printf("GEMM %-18s %8.2f GFLOP/s%n", sh, best);
        }
        if (args.length == 0) lenetEpoch(rng);
    }

    /** GEMMs of one lenet-300-100 epoch; prints seconds (best of 3 epochs after one warm-up epoch). */
    private static void lenetEpoch(Rng rng) {
        int[] dims = {784, 300, 100, 10};
        int batch = 128, images = 60_000;
        float[][] w = new float[3][], dw = new float[3][], act = new float[4][], grad = new float[4][];
        for (int l = 0; l < 3; l++) {
            w[l] = new float[dims[l + 1] * dims[l]];
            dw[l] = new float[w[l].length];
            rng.fillUniform(w[l], -0.05f, 0.05f);
        }
        for (int l = 0; l < 4; l++) {
            act[l] = new float[batch * dims[l]];
            grad[l] = new float[batch * dims[l]];
            rng.fillUniform(act[l], -1f, 1f);
            rng.fillUniform(grad[l], -1f, 1f);
        }
        double best = Double.MAX_VALUE;
        for (int epoch = 0; epoch < 4; epoch++) {
            long t = System.nanoTime();
            for (int start = 0; start < images; start += batch) {
                int bs = Math.min(batch, images - start);
                for (int l = 0; l < 3; l++) { // Y [bs, out] = X [bs, in] · W^T (W [out, in])
                    Gemm.gemm(false, true, bs, dims[l + 1], dims[l], 1f, act[l], 0, dims[l], w[l], 0, dims[l], 0f,
                            act[l + 1], 0, dims[l + 1]);
                }
                for (int l = 2; l >= 0; l--) {
                    // dW [out, in] += dY^T [out, bs] · X [bs, in]
                    Gemm.gemm(true, false, dims[l + 1], dims[l], bs, 1f, grad[l + 1], 0, dims[l + 1], act[l], 0,
                            dims[l], 1f, dw[l], 0, dims[l]);
                    if (l > 0) { // dX [bs, in] = dY [bs, out] · W [out, in]
                        Gemm.gemm(false, false, bs, dims[l], dims[l + 1], 1f, grad[l + 1], 0, dims[l + 1], w[l], 0,
                                dims[l], 0f, grad[l], 0, dims[l]);
                    }
                }
            }
            double sec = (System.nanoTime() - t) / 1e9;
            if (epoch > 0) best = Math.min(best, sec);
        }
        System.out.printf("lenet-300-100 epoch GEMMs (60k images, batch 128): %.2f s%n", best);
    }
}
