package dev.jprune.bench;

import dev.jprune.cpu.Simd;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Linear;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.sparse.SparseModel;
import dev.jprune.sparse.StructuredShrink;
import dev.jprune.sparse.Workspace;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Parallel;
import dev.jprune.util.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plain harness (one forward per call is too coarse for JMH's per-invocation overhead to matter; the JMH benches
 * cover the kernels): CPU inference of the built-in models, the twin of bench/peers/torch_cpu_infer_peer.py. Prints
 * {@code RESULT <model> <variant> <batch> <microseconds>} lines (median of timed calls after warm-up), which
 * bench/cpu-speed.sh pairs with the peer's. Variants: {@code dense} (SparseModel of the unpruned model: the dense
 * kernels), {@code seq} (Sequential.forward(x, false), the training engine), {@code csr0.9} / {@code csr0.99}
 * (uniformly random unstructured masks, the cost model's choice), {@code shrunk} (lenet-300-100 with half of its hidden
 * neurons pruned structurally, StructuredShrink then SparseModel).
 * <p>Usage: {@code CpuInferBench [infer|serve|kernels] [--models a,b] [--batches 1,8] [--reps R]}.
 * {@code serve}: calls per second with 1, 2 and 4 calling threads, each with its own non-forking workspace.
 * {@code kernels}: forced sparse vs forced dense on one Linear layer across densities (the cost model's data).
 */
public final class CpuInferBench {
    private CpuInferBench() {}

    interface Body { void run(); }

    /** Median of reps timed calls after a warm-up of at least reps/4 calls and 200 ms (the JIT compiles meanwhile). */
    static double medianMicros(Body b, int reps) {
        long warmEnd = System.nanoTime() + (quiet ? 100_000_000L : 200_000_000L);
        for (int i = 0; i < Math.max(3, reps / 4) || System.nanoTime() < warmEnd; i++) b.run();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            b.run();
            t[i] = (System.nanoTime() - t0) / 1e3;
        }
        Arrays.sort(t);
        return MIN ? t[0] : t[reps / 2];
    }

    /** -Dbench.stat=min reports the fastest call instead of the median (development on a loaded machine). */
    private static final boolean MIN = "min".equals(System.getProperty("bench.stat"));

    static int repsFor(String model, int batch, int base) {
        int perSample = model.equals("cifar-cnn-a") ? 20 : model.startsWith("cifar") || model.equals("lenet-5") ? 4 : 1;
        int work = batch * perSample;
        return Math.max(5, Math.min(base, base * 64 / Math.max(1, work)));
    }

    static void mask(Sequential net, double sparsity, Rng rng) {
        for (Parameter p : net.parameters()) {
            if (p.kind != Parameter.Kind.WEIGHT) continue;
            p.mask = new byte[p.size()];
            for (int i = 0; i < p.size(); i++) p.mask[i] = (byte) (rng.nextDouble() < sparsity ? 0 : 1);
            p.applyMask();
        }
    }

    static Tensor input(int batch, int[] sample, Rng rng) {
        int[] s = new int[sample.length + 1];
        s[0] = batch;
        System.arraycopy(sample, 0, s, 1, sample.length);
        Tensor x = Tensor.zeros(s);
        rng.fillUniform(x.data, 0f, 1f);
        return x;
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 && !args[0].startsWith("--") ? args[0] : "infer";
        String models = "mlp-128,lenet-300-100,lenet-5,cifar-cnn-a,cifar-cnn-b", batches = "1,8,64,256";
        String sparsities = "0.9,0.99", csrModels = "lenet-300-100";
        int reps = 200;
        for (int i = 0; i < args.length - 1; i++) {
            switch (args[i]) {
                case "--models": models = args[++i]; break;
                case "--batches": batches = args[++i]; break;
                case "--sparsities": sparsities = args[++i]; break;
                case "--csr-models": csrModels = args[++i]; break;
                case "--reps": reps = Integer.parseInt(args[++i]); break;
                default: break;
            }
        }
        System.out.printf(Locale.ROOT, "jprune CpuInferBench threads=%d java=%s %s%n", Parallel.threads(),
                System.getProperty("java.version"), Simd.describe());
        int[] bs = Arrays.stream(batches.split(",")).mapToInt(Integer::parseInt).toArray();
        switch (mode) {
            case "infer":
                // A silent first pass: the JIT compiles the kernels (the Vector API ones take seconds) before timing.
                quiet = true;
                infer(models.split(","), bs, sparsities, Arrays.asList(csrModels.split(",")), Math.max(5, reps / 8));
                quiet = false;
                infer(models.split(","), bs, sparsities, Arrays.asList(csrModels.split(",")), reps);
                break;
            case "serve": serve(); break;
            case "kernels": kernels(bs); break;
            default: throw new IllegalArgumentException("mode must be infer, serve or kernels, not " + mode);
        }
    }

    private static void infer(String[] models, int[] batches, String sparsities, List<String> csrModels, int reps) {
        for (String name : models) {
            ModelSpec spec = Models.build(name, 1);
            SparseModel dense = SparseModel.export(spec.net());
            for (int b : batches) {
                Tensor x = input(b, spec.sampleShape(), new Rng(b));
                Tensor y = Tensor.zeros(dense.outputShape(x.shape()));
                result(name, "dense", b, medianMicros(() -> dense.forwardInto(x, y), repsFor(name, b, reps)));
            }
            for (int b : batches) {
                Tensor x = input(b, spec.sampleShape(), new Rng(b));
                int r = repsFor(name, b, Math.max(5, reps / 4));
                result(name, "seq", b, medianMicros(() -> spec.net().forward(x, false), r));
            }
            if (!csrModels.contains(name)) continue;
            for (String sp : sparsities.split(",")) {
                if (sp.isEmpty()) continue;
                ModelSpec pruned = Models.build(name, 1);
                mask(pruned.net(), Double.parseDouble(sp), new Rng(3));
                SparseModel sm = SparseModel.export(pruned.net());
                if (!quiet) System.out.println("# " + name + " csr" + sp + ": " + String.join("; ", sm.describe()));
                for (int b : batches) {
                    Tensor x = input(b, spec.sampleShape(), new Rng(b));
                    Tensor y = Tensor.zeros(sm.outputShape(x.shape()));
                    result(name, "csr" + sp, b, medianMicros(() -> sm.forwardInto(x, y), repsFor(name, b, reps)));
                }
            }
            if (name.equals("lenet-300-100")) {
                Sequential half = Models.build(name, 4).net();
                pruneHalf((Linear) half.layer(0));
                pruneHalf((Linear) half.layer(2));
                StructuredShrink.Result res = StructuredShrink.shrink(half);
                SparseModel shrunk = SparseModel.export(res.model());
                if (!quiet) System.out.println("# shrunk: " + res.model().describe());
                for (int b : batches) {
                    Tensor x = input(b, spec.sampleShape(), new Rng(b));
                    Tensor y = Tensor.zeros(shrunk.outputShape(x.shape()));
                    result(name, "shrunk", b, medianMicros(() -> shrunk.forwardInto(x, y), repsFor(name, b, reps)));
                }
            }
        }
    }

    private static boolean quiet;

    static void result(String model, String variant, int batch, double us) {
        if (!quiet) System.out.printf(Locale.ROOT, "RESULT %s %s %d %.1f%n", model, variant, batch, us);
    }

    /** Masks every second neuron of l (weight row and bias entry): a structural prune to half width. */
    static void pruneHalf(Linear l) {
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

    /** Calls per second from 1, 2 and 4 threads sharing one model, each thread with its own non-forking workspace. */
    private static void serve() throws Exception {
        for (String name : new String[] {"lenet-300-100", "lenet-5"}) {
            for (double sp : new double[] {0, 0.9}) {
                ModelSpec spec = Models.build(name, 1);
                if (sp > 0) mask(spec.net(), sp, new Rng(3));
                SparseModel sm = SparseModel.export(spec.net());
                for (int batch : new int[] {1, 8}) {
                    for (int threads : new int[] {1, 2, 4}) {
                        double perSec = throughput(sm, spec.sampleShape(), batch, threads, 1500);
                        System.out.printf(Locale.ROOT, "SERVE %s %s batch %d threads %d: %.0f calls/s "
                                + "(%.0f samples/s)%n", name, sp > 0 ? "csr" + sp : "dense", batch, threads, perSec,
                                perSec * batch);
                    }
                }
            }
        }
    }

    private static double throughput(SparseModel sm, int[] sample, int batch, int threads, long millis)
            throws Exception {
        AtomicLong calls = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(threads), start = new CountDownLatch(1);
        long[] end = new long[1];
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                Workspace ws = sm.newWorkspace(false);
                Tensor x = input(batch, sample, new Rng(id)), y = Tensor.zeros(sm.outputShape(x.shape()));
                long warm = System.nanoTime() + 300_000_000L;
                for (int i = 0; i < 50 || System.nanoTime() < warm; i++) sm.forwardInto(x, y, ws); // JIT warm-up
                ready.countDown();
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                long n = 0, stop = end[0];
                while (System.nanoTime() < stop) {
                    sm.forwardInto(x, y, ws);
                    n++;
                }
                calls.addAndGet(n);
            });
            ts.add(th);
            th.start();
        }
        ready.await(); // every caller warmed up, then one common window
        end[0] = System.nanoTime() + millis * 1_000_000L;
        start.countDown();
        for (Thread th : ts) th.join();
        return calls.get() / (millis / 1000.0);
    }

    /**
     * Forced sparse vs forced dense on Linear(784 -> 300), (800 -> 500), and the smaller (300 -> 100), (100 -> 10)
     * (where fixed per-call costs weigh) across densities.
     */
    private static void kernels(int[] batches) {
        for (int[] shape : new int[][] {{784, 300}, {800, 500}, {300, 100}, {100, 10}}) {
            for (double density : new double[] {0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5}) {
                Sequential net = new Sequential(new Linear(shape[0], shape[1], new Rng(1)));
                mask(net, 1 - density, new Rng(2));
                SparseModel sparse = SparseModel.exportSparse(net), dense = SparseModel.exportDense(net);
                for (int b : batches) {
                    Tensor x = input(b, new int[] {shape[0]}, new Rng(b));
                    Tensor y = Tensor.zeros(b, shape[1]);
                    int reps = Math.max(10, 400 / b);
                    double s = medianMicros(() -> sparse.forwardInto(x, y), reps);
                    double d = medianMicros(() -> dense.forwardInto(x, y), reps);
                    System.out.printf(Locale.ROOT, "KERNEL %dx%d density %.2f batch %d: sparse %.1f us, dense %.1f us, "
                            + "dense/sparse %.2f%n", shape[1], shape[0], density, b, s, d, d / s);
                }
            }
        }
    }
}
