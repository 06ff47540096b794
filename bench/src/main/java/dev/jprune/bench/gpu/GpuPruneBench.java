package dev.jprune.bench.gpu;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuOps;
import dev.jprune.gpu.GpuProbe;
import dev.jprune.gpu.prune.GpuPruneOps;
import dev.jprune.gpu.prune.GpuSelection;
import dev.jprune.gpu.prune.GpuSparseLinear;
import dev.jprune.gpu.prune.PruneTensor;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.GlobalSelector;
import dev.jprune.util.Rng;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * GPU pruning benchmarks (bench/gpu-check.sh runs it on a GPU machine): the device-to-device copy floor measured in
 * the same run; the fused global prune step (TAYLOR |w·g|, 90% sparsity, masks + zeroed weights) on 1e8 parameters
 * in 100 tensors; the multi-tensor sum of squares over the same 1e8; sparse inference 4096×4096 at 70/90/95/99%
 * sparsity, batch 1, 8, 64, 256: our CSR kernel vs cuSPARSE vs dense GEMM. Timing: CUDA events, warm-up, median.
 * Bytes of the prune step = w + g read once + mask written + w written where pruned (the minimum traffic); % of floor =
 * achieved GB/s ÷ copy GB/s. Args: [params (default 1e8)] [tensors (default 100)].
 */
public final class GpuPruneBench {
    private GpuPruneBench() {}

    private static double median(float[] a) {
        float[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static DeviceBuffer random(GpuContext ctx, Rng r, long n, float scale) {
        float[] a = new float[Math.toIntExact(n)];
        r.fillUniform(a, -scale, scale);
        return ctx.upload(a);
    }

    public static void main(String[] args) {
        GpuProbe p = GpuProbe.get();
        if (!p.available()) {
            System.out.println("GpuPruneBench: no usable GPU: " + p.reason());
            return;
        }
        // --smoke: the sparse layer is 256x256 instead of 4096x4096 (a harness check, e.g. on the CUDA emulator).
        boolean smoke = java.util.Arrays.asList(args).contains("--smoke");
        args = java.util.Arrays.stream(args).filter(a -> !a.equals("--smoke")).toArray(String[]::new);
        long params = args.length > 0 ? (long) Double.parseDouble(args[0]) : 100_000_000L;
        int tensors = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        long per = params / tensors;
        List<String> rows = new ArrayList<>();
        String sparseCsv = null;
        Rng r = new Rng(1);
        try (GpuContext ctx = GpuContext.open()) {
            GpuPruneOps prune = new GpuPruneOps(ctx);
            GpuOps ops = new GpuOps(ctx);
            rows.add("device: " + ctx.deviceName() + ", sm_" + ctx.computeCapabilityMajor()
                    + ctx.computeCapabilityMinor());
            List<DeviceBuffer> w = new ArrayList<>(), w0 = new ArrayList<>(), g = new ArrayList<>(),
                    m = new ArrayList<>();
            List<PruneTensor> ts = new ArrayList<>();
            try {
                for (int t = 0; t < tensors; t++) {
                    w0.add(random(ctx, r, per, 1f));
                    g.add(random(ctx, r, per, 1e-3f));
                    w.add(ctx.allocFloat(per));
                    m.add(ctx.allocBytes(per));
                    ts.add(PruneTensor.of("t" + t, w.get(t), g.get(t)).withMasks(null, m.get(t)));
                }
                // Copy floor: one D2D copy of all of w per sample (read + write 4·params bytes).
                float[] tc = new float[7];
                for (int s = -2; s < tc.length; s++) {
                    float ms = ctx.timeMillis(() -> {
                        for (int t = 0; t < tensors; t++) w.get(t).copyFrom(w0.get(t));
                    });
                    if (s >= 0) tc[s] = ms;
                }
                double copyMs = median(tc), copyGBs = 2.0 * 4 * per * tensors / (copyMs * 1e6);
                rows.add(String.format(Locale.ROOT, "%-44s %10.3f ms %8.1f GB/s",
                        "D2D copy floor (" + tensors + " x " + per + " floats)", copyMs, copyGBs));

                long total = per * tensors, keep = GlobalSelector.keepForSparsity(total, 0.9);
                // As the pipeline runs it (GpuBackend: the one-read bracket path first, its masks being fresh), the
                // op's default (the shared-histogram path, falling back when its boundary bucket overflows), the
                // 16-bit compacting path, then the three-pass path forced: the same result, timed four ways.
                for (String variant : new String[] {"pipeline", "auto", "compact16", "3-pass"}) {
                    prune.setCompaction(variant.equals("3-pass") ? 0 : -1);
                    prune.setSharedHistogram(variant.equals("auto") || variant.equals("pipeline"));
                    prune.setBracketing(variant.equals("pipeline"));
                    float[] tp = new float[5];
                    GpuSelection sel = null;
                    for (int s = -1; s < tp.length; s++) {
                        for (int t = 0; t < tensors; t++) w.get(t).copyFrom(w0.get(t));  // restore (not timed)
                        GpuSelection[] out = new GpuSelection[1];
                        float ms = ctx.timeMillis(() -> out[0] = prune.select(ts, Criterion.TAYLOR, keep, true, false));
                        sel = out[0];
                        if (s >= 0) tp[s] = ms;
                    }
                    long kept = Arrays.stream(sel.keptPerTensor()).sum();
                    double bytes = 4.0 * total * 2 + total + 4.0 * (total - kept);
                    double pruneMs = median(tp), pruneGBs = bytes / (pruneMs * 1e6);
                    rows.add(String.format(Locale.ROOT,
                            "%-44s %10.3f ms %8.1f GB/s %5.1f%% of floor (kept %d = keep %d)",
                            "fused global prune TAYLOR 90% (" + tensors + ", " + variant + ")", pruneMs, pruneGBs,
                            100 * pruneGBs / copyGBs, kept, keep));
                    // Where the step's time goes (one more run with phase marks): kernels vs host round trips.
                    for (int t = 0; t < tensors; t++) w.get(t).copyFrom(w0.get(t));
                    ctx.synchronize();
                    ctx.startMarks();
                    prune.select(ts, Criterion.TAYLOR, keep, true, false);
                    StringBuilder ph = new StringBuilder("  phases:");
                    for (GpuContext.Phase phase : ctx.stopMarks()) ph.append(String.format(Locale.ROOT, " %s %.3f ms;",
                            phase.name().replace("select: ", ""), phase.millis()));
                    rows.add(ph.toString());
                }
                prune.setCompaction(-1);
                prune.setSharedHistogram(true);
                prune.setBracketing(false);

                float[] tn = new float[7];
                for (int s = -2; s < tn.length; s++) {
                    float ms = ctx.timeMillis(() -> prune.sumSquares(g, new double[tensors]));
                    if (s >= 0) tn[s] = ms;
                }
                double normMs = median(tn), normGBs = 4.0 * total / (normMs * 1e6);
                rows.add(String.format(Locale.ROOT, "%-44s %10.3f ms %8.1f GB/s %5.1f%% of floor",
                        "multi-tensor sumsq + per-tensor (" + tensors + ")", normMs, normGBs, 100 * normGBs / copyGBs));
            } finally {
                for (List<DeviceBuffer> l : List.of(w, w0, g, m)) for (DeviceBuffer b : l) b.close();
            }

            int dim = smoke ? 256 : 4096;
            List<String> csv = new ArrayList<>();
            String[] cusparseNote = {null};
            csv.add("device,dim,sparsity,batch,ours_ms,cusparse_ms,dense_ms");
            for (double sparsity : new double[] {0.7, 0.9, 0.95, 0.99}) {
                float[] wd = new float[dim * dim];
                for (int i = 0; i < wd.length; i++) wd[i] = r.nextDouble() < sparsity ? 0f : r.uniform(-1, 1);
                try (DeviceBuffer wDev = ctx.upload(wd); DeviceBuffer bias = random(ctx, r, dim, 1f);
                     GpuSparseLinear sl = GpuSparseLinear.fromDense(ctx, wDev, 0, dim, dim, bias)) {
                    for (int n : new int[] {1, 8, 64, 256}) {
                        try (DeviceBuffer x = random(ctx, r, (long) n * dim, 1f);
                             DeviceBuffer y = ctx.allocFloat((long) n * dim)) {
                            double ours = timeIt(ctx, () -> sl.forward(x, n, y, GpuSparseLinear.Activation.NONE,
                                    GpuSparseLinear.Path.OURS));
                            double cus = sl.cusparseReason() == null
                                    ? timeIt(ctx, () -> sl.forward(x, n, y, GpuSparseLinear.Activation.NONE,
                                            GpuSparseLinear.Path.CUSPARSE)) : Double.NaN;
                            double dense = timeIt(ctx, () -> ops.gemm().gemmBiasRelu(false, true, n, dim, dim, x, 0,
                                    dim, wDev, 0, dim, y, 0, dim, bias, false, false));
                            csv.add(String.format(Locale.ROOT, "\"%s\",%d,%.2f,%d,%.6f,%.6f,%.6f", ctx.deviceName(),
                                    dim, sparsity, n, ours, cus, dense));
                            rows.add(String.format(Locale.ROOT, "sparse %dx%d %4.0f%% batch %3d: ours %8.4f ms"
                                    + "  cuSPARSE %8.4f ms  dense %8.4f ms%s",
                                    dim, dim, 100 * sparsity, n, ours, cus, dense, ""));
                            if (sl.cusparseReason() != null && cusparseNote[0] == null) cusparseNote[0] =
                                    "cuSPARSE not timed: " + sl.cusparseReason();
                        }
                    }
                }
            }
            if (cusparseNote[0] != null) rows.add(cusparseNote[0]);
            String dir = System.getenv("GPU_CHECK_OUT");
            if (dir != null) {
                java.nio.file.Path f = java.nio.file.Path.of(dir, "sparse-crossover.csv");
                try {
                    java.nio.file.Files.write(f, csv);
                    sparseCsv = f.toString();
                } catch (java.io.IOException e) {
                    rows.add("could not write " + f + ": " + e.getMessage());
                }
            }
        }
        System.out.println("== jprune GPU prune benchmarks");
        if (sparseCsv != null) System.out.println("sparse timings: " + sparseCsv
                + " (chart: dev.jprune.bench.gpu.SparsePlot)");
        for (String s : rows) System.out.println(s);
    }

    private static double timeIt(GpuContext ctx, Runnable work) {
        int inner = 10;
        for (int i = 0; i < 2; i++) ctx.timeMillis(() -> { for (int j = 0; j < inner; j++) work.run(); });
        float[] t = new float[7];
        for (int i = 0; i < t.length; i++) t[i] = ctx.timeMillis(() -> { for (int j = 0; j < inner; j++) work.run(); });
        return median(t) / inner;
    }
}
