package dev.jprune.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Sequential;
import dev.jprune.onnx.OnnxExportOptions;
import dev.jprune.onnx.OnnxExporter;
import dev.jprune.onnx.OnnxModel;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.Granularity;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.Scope;
import dev.jprune.prune.ScoreAccumulator;
import dev.jprune.prune.Structured;
import dev.jprune.sparse.SparseModel;
import dev.jprune.sparse.Workspace;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Parallel;
import dev.jprune.util.Rng;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The same pruned models in jprune's inference engine ({@link SparseModel}: forced dense kernels on the weights with
 * their zeros, and the cost model's CSR / dense mix) and in ONNX Runtime Java (the
 * file {@link OnnxExporter} writes, 1 and 2 intra-op threads), batch 1, 8, 64, 256, in one run; prints a markdown
 * table of µs per call and the ratios ORT / jprune CSR (&gt; 1: jprune is faster). ORT's second thread spin-waits
 * for work by default; the "ORT 2t no-spin" column shows what it buys. jprune's CSR runs on the calling thread (with
 * the shared pool for large layers, D58) and, in the "CSR team 2t" column, on a {@link SparseModel#newTeamWorkspace
 * team workspace} of 2 threads whose helper spins as ORT's does (D75). The target compares the faster jprune CSR
 * with the faster of ORT's default sessions (1 and 2 threads, spinning).
 * <p>A call is what an application does per request: jprune {@code forward} on a float[] wrapped as a Tensor
 * (output allocated); ORT createTensor from a direct buffer, run, copy the output out, close. Per cell: {@link #ROUNDS}
 * turns over all engines, each a warm-up, then the fastest of many ≥ 1 ms chunks of calls ({@link #time}). Before
 * timing, every model's ORT output is checked against jprune's (max |Δ| / max |y| printed).
 * <p>Run: {@code bench/onnx-vs-ort.sh} (builds, runs, appends to bench/results/DATE-onnx-vs-ort.md), or
 * {@code java -cp bench/target/jprune-bench.jar dev.jprune.bench.OnnxVsOrtBench [quick] [cifar]}.
 */
public final class OnnxVsOrtBench {
    private OnnxVsOrtBench() {}

    interface Body { void run() throws Exception; }

    /** One model under test: the network jprune runs (the exported one) and the ONNX bytes ORT runs. */
    record Case(String name, double target, Sequential net, SparseModel dense, SparseModel csr, int[] sampleShape,
                byte[] onnx) {}

    static final int[] BATCHES = {1, 8, 64, 256};
    /**
     * Each cell is measured in this many turns, every engine once per turn, keeping each engine's fastest: on the
     * shared 2-core VM two busy threads sometimes run at half speed each for seconds (their vCPUs then share a
     * core; D75), and taking turns spreads such a spell over all engines instead of one.
     */
    static final int ROUNDS = 3;

    public static void main(String[] args) throws Exception {
        Set<String> a = Set.of(args);
        double cellMs = a.contains("quick") ? 60 : 300;
        List<Case> cases = new ArrayList<>();
        cases.add(build("lenet-300-100 90%", 1.5, "lenet-300-100", spec(Granularity.UNSTRUCTURED, 0.9)));
        cases.add(build("lenet-300-100 99%", 5, "lenet-300-100", spec(Granularity.UNSTRUCTURED, 0.99)));
        cases.add(build("lenet-300-100 2:4", 0, "lenet-300-100", spec(Granularity.NM, 0.5)));
        cases.add(build("lenet-300-100 neurons 50% (shrunk)", 0, "lenet-300-100", spec(Granularity.STRUCTURED, 0.5)));
        cases.add(build("lenet-5 90%", 0, "lenet-5", spec(Granularity.UNSTRUCTURED, 0.9)));
        if (a.contains("cifar")) {
            cases.add(build("cifar-cnn-b 90%", 0, "cifar-cnn-b", spec(Granularity.UNSTRUCTURED, 0.9)));
        }

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        System.out.printf(Locale.ROOT,
                "- java %s, %d cores, jprune threads %d, ONNX Runtime %s, per cell %.0f ms in %d turns, fastest 1-ms"
                        + " chunk%n", System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                Parallel.threads(), env.getVersion(), cellMs, ROUNDS);
        System.out.println("- " + dev.jprune.cpu.Simd.describe());
        System.out.println("- load average at start: " + loadAverage());
        System.out.println();
        System.out.println("| model | batch | jprune dense µs | jprune CSR µs | jprune CSR team 2t µs | ORT 1t µs "
                + "| ORT 2t µs | ORT 2t no-spin µs | ORT 1t / CSR | ORT 2t / CSR team | target |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        List<String> checks = new ArrayList<>();
        for (Case c : cases) {
            try (OrtSession s1 = session(env, c.onnx, 1, true); OrtSession s2 = session(env, c.onnx, 2, true);
                 OrtSession s2quiet = session(env, c.onnx, 2, false); Workspace team = c.csr.newTeamWorkspace(2)) {
                checks.add(c.name + ": max |ORT - CSR| / max |CSR| = " + String.format(Locale.ROOT, "%.2g",
                        agreement(env, s1, c)));
                for (int n : BATCHES) {
                    float[] x = input(c, n);
                    int[] shape = shape(n, c.sampleShape);
                    Body[] bodies = {() -> c.dense.forward(Tensor.wrap(x, shape)),
                        () -> c.csr.forward(Tensor.wrap(x, shape)), () -> c.csr.forward(Tensor.wrap(x, shape), team),
                        ortCall(env, s1, x, shape), ortCall(env, s2, x, shape), ortCall(env, s2quiet, x, shape)};
                    double[] best = new double[bodies.length];
                    Arrays.fill(best, Double.MAX_VALUE);
                    for (int round = 0; round < ROUNDS; round++) { // the engines take turns: a slow spell hits all
                        for (int v = 0; v < bodies.length; v++) {
                            best[v] = Math.min(best[v], time(bodies[v], cellMs / ROUNDS));
                        }
                    }
                    double dense = best[0], csr = best[1], csrTeam = best[2], o1 = best[3], o2 = best[4];
                    double o2quiet = best[5];
                    String target = "";
                    if (c.target > 0 && n <= 8) {
                        double r = Math.min(o1, o2) / Math.min(csr, csrTeam);
                        target = String.format(Locale.ROOT, "%s (>= %.1fx, faster CSR vs faster ORT: %.2fx)",
                                r >= c.target ? "met" : "NOT met", c.target, r);
                    }
                    System.out.printf(Locale.ROOT,
                            "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2fx | %.2fx | %s |%n",
                            c.name, n, dense, csr, csrTeam, o1, o2, o2quiet, o1 / csr, o2 / csrTeam, target);
                }
            }
        }
        System.out.println();
        for (String s : checks) System.out.println("- " + s);
        System.out.println("- load average at end: " + loadAverage());
    }

    static PruneSpec spec(Granularity g, double sparsity) {
        return new PruneSpec(Criterion.MAGNITUDE, g, Scope.GLOBAL, sparsity, 2, 4, Structured.Norm.L2, Float.NaN,
                Set.of(), false, 0, 1, 16, ScoreAccumulator.Mode.SUM, 0.9f);
    }

    /** Model {@code model} from seed 7 pruned by magnitude (as the export tests do), exported; jprune runs that. */
    static Case build(String name, double target, String model, PruneSpec spec) {
        ModelSpec m = Models.build(model, 7);
        ModelPruner p = new ModelPruner(m.net(), spec);
        p.prune(spec.sparsity(), p.scores(null));
        OnnxModel onnx = OnnxExporter.export(m.net(), m.sampleShape(), OnnxExportOptions.defaults());
        Sequential net = onnx.exported(); // the shrunk network when neurons were pruned: jprune runs what ORT runs
        return new Case(name, target, net, SparseModel.exportDense(net), SparseModel.export(net), m.sampleShape(),
                onnx.toByteArray());
    }

    /** An ORT session; {@code spin} false turns off its workers' spin-wait (session.intra_op.allow_spinning). */
    static OrtSession session(OrtEnvironment env, byte[] model, int threads, boolean spin) throws OrtException {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            if (!spin) o.addConfigEntry("session.intra_op.allow_spinning", "0");
            return env.createSession(model, o);
        }
    }

    static Body ortCall(OrtEnvironment env, OrtSession s, float[] x, int[] shape) {
        FloatBuffer in = ByteBuffer.allocateDirect(4 * x.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        in.put(x).rewind();
        long[] dims = Arrays.stream(shape).asLongStream().toArray();
        return () -> {
            try (OnnxTensor t = OnnxTensor.createTensor(env, in, dims);
                 OrtSession.Result r = s.run(Map.of(OnnxExporter.INPUT, t))) {
                FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] y = new float[out.remaining()];
                out.get(y);
            }
        };
    }

    /** max |ORT − CSR| / max |CSR| on a batch of 8. */
    static double agreement(OrtEnvironment env, OrtSession s, Case c) throws OrtException {
        float[] x = input(c, 8);
        int[] shape = shape(8, c.sampleShape);
        float[] want = c.csr.forward(Tensor.wrap(x, shape)).data;
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x),
                Arrays.stream(shape).asLongStream().toArray());
             OrtSession.Result r = s.run(Map.of(OnnxExporter.INPUT, t))) {
            FloatBuffer got = ((OnnxTensor) r.get(0)).getFloatBuffer();
            double worst = 0, scale = 0;
            for (int i = 0; i < want.length; i++) {
                worst = Math.max(worst, Math.abs(got.get(i) - want[i]));
                scale = Math.max(scale, Math.abs(want[i]));
            }
            return worst / scale;
        }
    }

    static float[] input(Case c, int n) {
        int per = Arrays.stream(c.sampleShape).reduce(1, (p, q) -> p * q);
        float[] x = new float[n * per];
        Rng rng = new Rng(13);
        for (int i = 0; i < x.length; i++) x[i] = c.sampleShape[0] == 3 ? (float) rng.nextGaussian() : rng.nextFloat();
        return x;
    }

    static int[] shape(int n, int[] sample) {
        int[] s = new int[sample.length + 1];
        s[0] = n;
        System.arraycopy(sample, 0, s, 1, sample.length);
        return s;
    }

    /**
     * µs per call: a warm-up of a quarter of {@code cellMs}, then chunks of calls of ≥ 1 ms each until {@code cellMs}
     * has passed (at least 9 chunks); the fastest chunk's time per call. On a shared machine the fastest chunk is the
     * one least disturbed by other processes, the closest estimate of the uncontended cost (for both engines alike).
     */
    static double time(Body b, double cellMs) throws Exception {
        long warmEnd = System.nanoTime() + (long) (cellMs / 4 * 1e6);
        long calls = 0, t0 = System.nanoTime();
        do { b.run(); calls++; } while (System.nanoTime() < warmEnd || calls < 3);
        double perCall = (System.nanoTime() - t0) / (double) calls;
        long chunk = Math.max(1, (long) (1e6 / perCall));
        long end = System.nanoTime() + (long) (cellMs * 1e6);
        double best = Double.MAX_VALUE;
        for (int k = 0; k < 9 || System.nanoTime() < end; k++) {
            long s = System.nanoTime();
            for (long i = 0; i < chunk; i++) b.run();
            best = Math.min(best, (System.nanoTime() - s) / 1e3 / chunk);
        }
        return best;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return String.format(Locale.ROOT, "%.2f (1 min)",
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
