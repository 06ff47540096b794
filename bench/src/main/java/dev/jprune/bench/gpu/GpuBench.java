package dev.jprune.bench.gpu;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuDoctor;
import dev.jprune.gpu.GpuOps;
import dev.jprune.gpu.GpuProbe;
import dev.jprune.util.Rng;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * GPU benchmarks (run by bench/gpu-check.sh on a GPU machine): our SGEMM / TF32 GEMM at 4096³ and at the shapes of
 * LeNet-300-100 training (batch 256), the memory-bound kernels, and a device-to-device copy as the bandwidth
 * ceiling. Timing: CUDA events around {@code inner} back-to-back launches (so launch gaps of tiny kernels count as
 * they would in training), 3 warm-up samples, median of {@code samples}. Inputs are random, never zeros.
 * Prints one table; {@code --doctor} prints the doctor report first. {@code --smoke} runs every benchmark at a tiny
 * size with few samples: a check that the harness works (e.g. on the CUDA emulator), not a measurement.
 */
public final class GpuBench {
    private GpuBench() {}

    private static final List<String> rows = new ArrayList<>();
    private static int samples = 15;

    private static float median(float[] a) {
        float[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** Median milliseconds of one run of {@code work}. */
    private static double time(GpuContext ctx, int samples, int inner, Runnable work) {
        for (int i = 0; i < 3; i++) ctx.timeMillis(() -> { for (int j = 0; j < inner; j++) work.run(); });
        float[] t = new float[samples];
        for (int i = 0; i < samples; i++) t[i] = ctx.timeMillis(() -> { for (int j = 0; j < inner; j++) work.run(); });
        return median(t) / inner;
    }

    private static DeviceBuffer random(GpuContext ctx, Rng r, long n) {
        float[] a = new float[Math.toIntExact(n)];
        r.fillUniform(a, -1, 1);
        return ctx.upload(a);
    }

    private static void gemm(GpuContext ctx, GpuOps ops, Rng r, String label, boolean tf32, boolean ta, boolean tb,
                             int m, int n, int k, int inner) {
        try (DeviceBuffer a = random(ctx, r, (long) m * k); DeviceBuffer b = random(ctx, r, (long) k * n);
             DeviceBuffer c = random(ctx, r, (long) m * n)) {
            int lda = ta ? m : k, ldb = tb ? k : n;
            double ms = time(ctx, samples, inner, () -> {
                if (tf32) ops.gemm().gemmTf32(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
                else ops.gemm().gemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
            });
            double gflops = 2.0 * m * n * k / (ms * 1e6);
            rows.add(String.format(Locale.ROOT, "%-44s %-16s %10.4f %10.1f GFLOP/s", label + (tf32 ? " tf32" : " fp32"),
                    (ta ? "T" : "N") + (tb ? "T" : "N") + " " + m + "x" + n + "x" + k, ms, gflops));
        }
    }

    /**
     * {label, transA, transB, m, n, k} of every GEMM in a training step of lenet-300-100 and cifar-cnn-a at batch
     * bs.
     */
    static Object[][] modelGemms(int bs) {
        java.util.List<Object[]> g = new java.util.ArrayList<>();
        for (int[] l : new int[][] {{784, 300}, {300, 100}, {100, 10}}) {
            int in = l[0], out = l[1];
            g.add(new Object[] {"lenet fwd " + in + "->" + out, false, true, bs, out, in});
            g.add(new Object[] {"lenet dX " + in + "->" + out, false, false, bs, in, out});
            g.add(new Object[] {"lenet dW " + in + "->" + out, true, false, out, in, bs});
        }
        // cifar-cnn-a: conv 3->64 on 32x32, pool, conv 64->128 on 16x16, pool, fc 8192->1024, fc 1024->10 (3x3, pad 1).
        int np1 = bs * 32 * 32, np2 = bs * 16 * 16;
        g.add(new Object[] {"cnn-a conv1 fwd", false, false, 64, np1, 27});
        g.add(new Object[] {"cnn-a conv1 dW", false, true, 64, 27, np1});
        g.add(new Object[] {"cnn-a conv2 fwd", false, false, 128, np2, 576});
        g.add(new Object[] {"cnn-a conv2 dW", false, true, 128, 576, np2});
        g.add(new Object[] {"cnn-a conv2 dX", true, false, 576, np2, 128});
        for (int[] l : new int[][] {{8192, 1024}, {1024, 10}}) {
            int in = l[0], out = l[1];
            g.add(new Object[] {"cnn-a fc fwd " + in + "->" + out, false, true, bs, out, in});
            g.add(new Object[] {"cnn-a fc dX " + in + "->" + out, false, false, bs, in, out});
            g.add(new Object[] {"cnn-a fc dW " + in + "->" + out, true, false, out, in, bs});
        }
        return g.toArray(new Object[0][]);
    }

    private static void bandwidth(String label, String shape, double ms, double bytes) {
        rows.add(String.format(Locale.ROOT, "%-44s %-16s %10.4f %10.1f GB/s", label, shape, ms, bytes / (ms * 1e6)));
    }

    public static void main(String[] args) {
        if (Arrays.asList(args).contains("--doctor")) System.out.println(GpuDoctor.report());
        boolean smoke = Arrays.asList(args).contains("--smoke");
        if (smoke) samples = 2;
        int big = smoke ? 256 : 4096, reps = smoke ? 1 : 50;
        long copyElems = smoke ? 1L << 16 : 1L << 28;
        int adamElems = smoke ? 1 << 14 : 1 << 26;
        GpuProbe p = GpuProbe.get();
        if (!p.available()) {
            System.out.println("GpuBench: no usable GPU: " + p.reason());
            return;
        }
        Rng r = new Rng(42);
        try (GpuContext ctx = GpuContext.open(0, false)) {
            GpuOps ops = new GpuOps(ctx);
            boolean tc = ctx.computeCapabilityMajor() >= 8;
            // Large square: the compute ceiling of the kernel.
            for (int v : new int[] {1, 0, 2}) {  // NT (Linear forward), NN (dX), TN (dW)
                boolean ta = v == 2, tb = v == 1;
                gemm(ctx, ops, r, "gemm " + big + "^3", false, ta, tb, big, big, big, 1);
                if (tc) gemm(ctx, ops, r, "gemm " + big + "^3", true, ta, tb, big, big, big, 1);
            }
            // The GEMMs of a training step of lenet-300-100 and cifar-cnn-a at batch 128 (the shapes; the
            // torch peer, bench/peers/torch_gpu_peer.py, times the same list): forward, dX and dW of each Linear, and
            // the im2col GEMMs of each conv. Each with the automatic kernel choice, then forced to the 128x128 tiles
            // and to the 32x32 tiles with automatic split-K, so the first GPU run shows what the rule should be.
            int bs = smoke ? 8 : 128;
            for (Object[] g : modelGemms(bs)) {
                String label = (String) g[0];
                boolean ta = (Boolean) g[1], tb = (Boolean) g[2];
                int m = (Integer) g[3], n = (Integer) g[4], k = (Integer) g[5];
                for (GpuContext.GemmKernel kern : GpuContext.GemmKernel.values()) {
                    ctx.setGemmKernel(kern, 0);
                    gemm(ctx, ops, r, label + " [" + kern.name().toLowerCase(Locale.ROOT) + "]", false, ta, tb, m, n,
                            k, reps);
                }
                ctx.setGemmKernel(GpuContext.GemmKernel.AUTO, 0);
            }
            // Memory floor: D2D copy of 1 GiB counts bytes read + written.
            long n = copyElems;
            try (DeviceBuffer a = random(ctx, r, n); DeviceBuffer b = ctx.allocFloat(n)) {
                double ms = time(ctx, Math.min(samples, 10), 1, () -> b.copyFrom(a));
                bandwidth("D2D copy (memory floor)", (4 * n >= 1 << 20 ? (4 * n >> 20) + " MiB"
                        : (4 * n >> 10) + " KiB"), ms, 2.0 * 4 * n);
                int ni = (int) n;
                ms = time(ctx, Math.min(samples, 10), 1, () -> ops.elementwise().reluForward(a, b, ni));
                bandwidth("reluForward", "2^" + Long.numberOfTrailingZeros(n), ms, 2.0 * 4 * n);
            }
            // Adam on 2^26 parameters: reads g, w, m, v and writes w, m, v (28 bytes per parameter).
            int np = adamElems;
            try (DeviceBuffer w = random(ctx, r, np); DeviceBuffer g = random(ctx, r, np);
                 DeviceBuffer m = random(ctx, r, np); DeviceBuffer v = ctx.allocFloat(np)) {
                ops.elementwise().fill(v, np, 0.01f);
                double ms = time(ctx, Math.min(samples, 10), 1,
                        () -> ops.optimizers().adamStep(w, g, m, v, null, np, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1, 1f,
                                0f));
                bandwidth("adamStep", "2^" + Integer.numberOfTrailingZeros(np), ms, 28.0 * np);
                ms = time(ctx, Math.min(samples, 10), 1, () -> ops.reductions().sumSquares(g, 0, np));
                bandwidth("sumSquares (incl. readback)", "2^" + Integer.numberOfTrailingZeros(np), ms, 4.0 * np);
            }
            System.out.println("== jprune GPU benchmarks on " + ctx.deviceName() + " (sm_"
                    + ctx.computeCapabilityMajor() + ctx.computeCapabilityMinor() + ", " + ctx.multiprocessors()
                    + " SMs), CUDA events, median ==");
            System.out.printf(Locale.ROOT, "%-44s %-16s %10s %10s%n", "what", "shape", "ms", "rate");
            for (String row : rows) System.out.println(row);
        }
    }
}
