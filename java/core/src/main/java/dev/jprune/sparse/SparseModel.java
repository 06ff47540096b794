package dev.jprune.sparse;

import dev.jprune.cpu.Epilogue;
import dev.jprune.cpu.SparseKernels;
import dev.jprune.nn.Dropout;
import dev.jprune.nn.Flatten;
import dev.jprune.nn.Layer;
import dev.jprune.nn.Linear;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An inference-only, immutable copy of a (pruned or dense) {@link Sequential}: every Linear and Conv2d keeps its
 * weight in CSR and, where dense is faster, also packed for the dense GEMM, chosen per layer and batch size when the
 * model is built ({@link KernelChoice}); ReLU is fused into the layer before it; Flatten and Dropout (identity at
 * evaluation) cost nothing; MaxPool2d runs dense. Structurally shrunk or unpruned models therefore run on the dense
 * kernels, pruned ones on the sparse kernels where those win.
 * <h2>Results</h2>
 * For finite inputs, the output is bit for bit the masked source model's {@code forward(x, false)}: the sparse kernels
 * perform the dense GEMM's fma sequence minus the zero weights (see {@link dev.jprune.cpu.SparseKernels}). Batches are
 * processed in chunks of at most {@link #CHUNK_SAMPLES} samples, each sample independently, so a sample's result
 * depends neither on the batch size nor on the thread count.
 * <h2>Threads and memory</h2>
 * The model is immutable and {@link #forward} / {@link #forwardInto} may be called from any number of threads at once.
 * Scratch memory lives in a {@link Workspace}: the caller's ({@link #newWorkspace()}), or one per calling thread kept
 * by the model. A steady stream of calls with the same input shape then allocates nothing on the calling thread when
 * a call runs on it alone: always with a workspace from {@link #newWorkspace(boolean) newWorkspace(false)}, else for
 * small work; larger calls of a forking workspace hand pieces to the shared pool, which allocates its task objects.
 * A team workspace ({@link #newTeamWorkspace}) splits layers over threads it owns instead, for low latency at small
 * batches (D75).
 * Export copies the exact nonzero weights (masked weights are 0 by the Parameter invariant), so later changes to the
 * source model do not affect it.
 */
public final class SparseModel {
    /** Samples per chunk of a batch: bounds the workspace (feature-major rows, im2col columns). */
    static final int CHUNK_SAMPLES = 256;

    /** One inference step; shapes include the batch dimension. */
    interface Stage {
        /** Output shape for an input shape (batch included); throws naming the stage when it does not fit. */
        int[] outputShape(int[] in);
        String describe();
        /**
         * Runs on {@code in} (n samples of per-sample shape {@code inDims}); returns the output, in the workspace's
         * buffer pair {@code in.outBuf()} or {@code in} itself for stages that change nothing.
         */
        Act run(Act in, int[] inDims, Workspace ws);
    }

    /** A stage with a CSR weight; what the report reads. */
    interface WeightStage extends Stage {
        String name();
        Csr weight();
        float[] bias();
        /** Output positions per sample each weight row is applied at (1 for Linear, OH·OW for Conv2d). */
        long positions(int[] inputShape);
        /** Shape of the dense weight as the layer stores it, e.g. [300, 784] or [20, 1, 5, 5]. */
        int[] denseWeightShape();
        /** The smallest batch size run on the dense kernel ({@link Integer#MAX_VALUE}: never). */
        int denseFromBatch();
    }

    private final List<Stage> stages;
    private final ThreadLocal<Workspace> pool = ThreadLocal.withInitial(this::newWorkspace);

    private SparseModel(List<Stage> stages) {
        this.stages = List.copyOf(stages);
    }

    /**
     * Exports {@code model} (not modified), choosing dense or sparse kernels per layer with the cost model. Nested
     * Sequentials are inlined.
     *
     * @throws IllegalArgumentException naming the layer when a layer kind is not supported
     */
    public static SparseModel export(Sequential model) {
        return export(model, KernelChoice.Mode.AUTO);
    }

    /** {@link #export(Sequential)} with every weighted layer forced onto the sparse kernels (benchmarks, tests). */
    public static SparseModel exportSparse(Sequential model) {
        return export(model, KernelChoice.Mode.SPARSE);
    }

    /** {@link #export(Sequential)} with every weighted layer on the dense kernels (benchmarks, tests). */
    public static SparseModel exportDense(Sequential model) {
        return export(model, KernelChoice.Mode.DENSE);
    }

    static SparseModel export(Sequential model, KernelChoice.Mode mode) {
        if (model == null) throw new IllegalArgumentException("SparseModel.export: null model");
        List<Layer> flat = new ArrayList<>();
        List<String> names = new ArrayList<>();
        inline(model, "", flat, names);
        List<Stage> out = new ArrayList<>();
        for (int i = 0; i < flat.size(); i++) {
            boolean reluNext = i + 1 < flat.size() && flat.get(i + 1) instanceof ReLU;
            boolean fusedHere = i > 0 && flat.get(i) instanceof ReLU && (flat.get(i - 1) instanceof Linear
                    || ConvStages.isConv(flat.get(i - 1)));
            out.add(stageOf(flat.get(i), names.get(i), reluNext, fusedHere, mode));
        }
        return new SparseModel(out);
    }

    private static void inline(Sequential seq, String prefix, List<Layer> flat, List<String> names) {
        List<Layer> layers = seq.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (l instanceof Sequential) {
                inline((Sequential) l, prefix + i + ".", flat, names);
            } else {
                flat.add(l);
                names.add(prefix + i);
            }
        }
    }

    private static Stage stageOf(Layer l, String name, boolean reluNext, boolean fusedRelu, KernelChoice.Mode mode) {
        if (l instanceof Linear) {
            Linear lin = (Linear) l;
            Csr w = Csr.fromDense(lin.weight.value.data, lin.out, lin.in);
            float[] bias = lin.bias == null ? new float[lin.out] : lin.bias.value.data.clone(); // no bias: zeros
            return new LinearStage(name, w, bias, reluNext, mode);
        }
        if (l instanceof ReLU) {
            return fusedRelu ? new IdentityStage(name, "ReLU (fused into the layer before)") : new ReluStage(name);
        }
        if (l instanceof Flatten) return new FlattenStage(name);
        if (l instanceof Dropout) return new IdentityStage(name, l.describe() + " (eval: identity)");
        Stage conv = ConvStages.stageOf(l, name, reluNext, mode);
        if (conv != null) return conv;
        throw new IllegalArgumentException("SparseModel.export: layer " + name + " " + l.describe() + " ("
                + l.getClass().getName()
                + ") is not supported; supported: Linear, Conv2d, ReLU, Flatten, Dropout, MaxPool2d, Sequential");
    }

    /**
     * Logits (or whatever the last layer computes) for the batch {@code x} [N, ...]; {@code x} is not modified.
     * Allocates only the result (scratch comes from this thread's workspace).
     *
     * @throws IllegalArgumentException when {@code x}'s shape does not fit the model, naming the stage
     */
    public Tensor forward(Tensor x) {
        if (x == null) throw new IllegalArgumentException("SparseModel.forward: null input");
        Tensor y = Tensor.zeros(outputShape(x.shape()));
        forwardInto(x, y, pool.get());
        return y;
    }

    /**
     * {@link #forward(Tensor)} with the caller's workspace, e.g. a {@link #newTeamWorkspace team workspace}
     * (one call at a time per workspace); {@code x} is not modified. Allocates only the result.
     *
     * @throws IllegalArgumentException when {@code x}'s shape does not fit the model, or the workspace belongs to
     *                                  another model
     * @throws IllegalStateException    when the workspace was closed
     */
    public Tensor forward(Tensor x, Workspace ws) {
        if (x == null || ws == null) throw new IllegalArgumentException("SparseModel.forward: null argument");
        Tensor y = Tensor.zeros(outputShape(x.shape()));
        forwardInto(x, y, ws);
        return y;
    }

    /**
     * Accuracy and mean loss on a classification data set ({@link SparseEvaluation#evaluate}, batches of 500).
     *
     * @throws IllegalArgumentException for an empty data set or samples that do not fit the model
     */
    public dev.jprune.train.Evaluation evaluate(dev.jprune.data.Dataset test) {
        return SparseEvaluation.evaluate(this, test, SparseEvaluation.DEFAULT_BATCH);
    }

    /**
     * Writes the output for {@code x} [N, ...] into {@code y} (shape {@link #outputShape}), using this thread's
     * workspace. Modifies only {@code y}.
     *
     * @throws IllegalArgumentException when a shape does not fit, naming the stage or the output
     */
    public void forwardInto(Tensor x, Tensor y) {
        forwardInto(x, y, pool.get());
    }

    /**
     * {@link #forwardInto(Tensor, Tensor)} with the caller's workspace (one call at a time per workspace).
     *
     * @throws IllegalArgumentException when a shape does not fit, or the workspace belongs to another model
     */
    public void forwardInto(Tensor x, Tensor y, Workspace ws) {
        String op = "SparseModel.forwardInto: ";
        if (x == null || y == null || ws == null) throw new IllegalArgumentException(op + "null argument");
        if (ws.owner != this) throw new IllegalArgumentException(op + "the workspace belongs to another model");
        ws.requireOpen(op);
        if (x.rank() < 1) throw new IllegalArgumentException(op + "input must have a batch dimension");
        plan(x, ws);
        int n = x.dim(0), inF = ws.sampleFeatures[0], outF = ws.sampleFeatures[stages.size()];
        int[] outDims = ws.sampleDims[stages.size()];
        if (y.rank() != outDims.length + 1 || y.dim(0) != n || y.size() != (long) n * outF) {
            throw new IllegalArgumentException("SparseModel.forwardInto: output " + Arrays.toString(y.shape())
                    + " does not match the model's output " + Arrays.toString(outputShape(x.shape())));
        }
        for (int s0 = 0; s0 < n; s0 += CHUNK_SAMPLES) {
            int cnt = Math.min(CHUNK_SAMPLES, n - s0);
            Act a = ws.input.setFlat(cnt, inF, x.data, s0 * inF, -1);
            for (int i = 0; i < stages.size(); i++) a = stages.get(i).run(a, ws.sampleDims[i], ws);
            a = ws.asFlat(a);
            System.arraycopy(a.flat, a.off, y.data, s0 * outF, cnt * outF);
        }
    }

    /**
     * Per-sample shapes after every stage for x's sample shape, cached in the workspace (no allocation if unchanged).
     */
    private void plan(Tensor x, Workspace ws) {
        int[][] d = ws.sampleDims;
        if (d != null && d[0].length == x.rank() - 1) {
            boolean same = true;
            for (int i = 0; i < d[0].length && same; i++) same = d[0][i] == x.dim(i + 1);
            if (same) return;
        }
        int[] shape = x.shape();
        int[][] dims = new int[stages.size() + 1][];
        int[] feats = new int[stages.size() + 1];
        shape[0] = 1;
        int[] s = shape;
        for (int i = 0; ; i++) {
            dims[i] = Arrays.copyOfRange(s, 1, s.length);
            long f = 1;
            for (int v : dims[i]) f *= v;
            feats[i] = Math.toIntExact(f);
            if (i == stages.size()) break;
            try {
                s = stages.get(i).outputShape(s);
            } catch (IllegalArgumentException e) {
                int[] real = s.clone();
                real[0] = x.dim(0);
                stages.get(i).outputShape(real); // the same error, naming the caller's batch size
                throw e;
            }
        }
        ws.sampleDims = dims;
        ws.sampleFeatures = feats;
    }

    /** A new workspace for this model whose calls may use the shared thread pool (see {@link Workspace}). */
    public Workspace newWorkspace() { return new Workspace(this, true); }

    /**
     * A new workspace whose calls run on the calling thread only when {@code mayFork} is false: what a server with
     * its own request threads wants (no hand-offs, and no allocation at all in steady state, whatever the batch).
     * Results are the same either way.
     */
    public Workspace newWorkspace(boolean mayFork) { return new Workspace(this, mayFork); }

    /** The most threads a team workspace may have ({@link #newTeamWorkspace}). */
    public static final int MAX_TEAM = 64;

    /**
     * A workspace for low-latency calls that splits each large enough layer over {@code threads} threads: the calling
     * thread and {@code threads - 1} helper threads the workspace owns, never the shared pool (rows of a sparse
     * Linear, whose parts each convert the input they read; columns of a dense one; images, filters or output
     * positions of a convolution). Results are the same bits as with any other workspace.
     * <p>Waking a pooled thread costs more than a small layer (D58), so the helpers spin-wait for the next piece for
     * up to 200 µs after each one (system property {@code jprune.spin.micros}), as ONNX Runtime's intra-op threads
     * do, then park; a call never waits for a parked helper (it runs that piece itself). A steady stream of calls
     * therefore keeps {@code threads - 1} more cores busy.
     * <p>{@link Workspace#close() Close} the workspace to stop its helpers (an unreachable one is stopped when
     * garbage-collected). One call at a time per workspace, as for every workspace. {@code threads = 1} gives an
     * ordinary workspace that never forks.
     *
     * @throws IllegalArgumentException when threads is not in [1, {@link #MAX_TEAM}]
     */
    public Workspace newTeamWorkspace(int threads) {
        if (threads < 1 || threads > MAX_TEAM) {
            throw new IllegalArgumentException("SparseModel.newTeamWorkspace: threads must be in [1, " + MAX_TEAM
                    + "], got " + threads);
        }
        return threads == 1 ? new Workspace(this, false) : new Workspace(this, threads);
    }

    /** Output shape for an input shape (batch dimension included). */
    public int[] outputShape(int[] inputShape) {
        int[] s = inputShape.clone();
        for (Stage st : stages) s = st.outputShape(s);
        return s;
    }

    /** Number of stages (one per exported layer). */
    public int size() { return stages.size(); }

    List<Stage> stages() { return stages; }

    /** Stage descriptions in order, e.g. "0: SparseLinear(784 -> 300, nnz 23520, ReLU fused, sparse kernel)". */
    public List<String> describe() {
        List<String> d = new ArrayList<>();
        for (Stage s : stages) d.add(s.describe());
        return d;
    }

    /** Stored nonzero weights over all sparse layers. */
    public long nnz() {
        long n = 0;
        for (Stage s : stages) if (s instanceof WeightStage) n += ((WeightStage) s).weight().nnz();
        return n;
    }

    /** Storage of all weights: CSR bytes plus 4 bytes per (dense) bias entry. */
    public long bytes() {
        long n = 0;
        for (Stage s : stages) if (s instanceof WeightStage) n += ((WeightStage) s).weight().bytes()
                + 4L * ((WeightStage) s).bias().length;
        return n;
    }

    // ---- element stages --------------------------------------------------------------------------------------

    /** A ReLU that no weighted layer absorbed (e.g. the first layer): y = x &gt; 0 ? x : 0, same layout. */
    static final class ReluStage implements Stage {
        private final String name;
        ReluStage(String name) { this.name = name; }

        @Override
        public Act run(Act in, int[] inDims, Workspace ws) {
            int o = in.outBuf(), n = in.n, f = in.features;
            if (in.layout == Act.Layout.ROWS) {
                float[][] r = ws.rows(o, f, n);
                for (int j = 0; j < f; j++) {
                    float[] src = in.rows[j], dst = r[j];
                    for (int s = 0; s < n; s++) dst[s] = Epilogue.relu(src[s]);
                }
                return ws.acts[o].setRows(n, f, r, o);
            }
            if (in.layout == Act.Layout.LANES) {
                int len = f * SparseKernels.lanesStride(n);
                float[] y = ws.lanes(o, len), x = in.flat;
                for (int i = 0; i < len; i++) y[i] = Epilogue.relu(x[i]);
                return ws.acts[o].setLanes(n, f, y, o);
            }
            float[] y = ws.flat(o, (long) n * f), x = in.flat;
            for (int i = 0, xo = in.off; i < n * f; i++) y[i] = Epilogue.relu(x[xo + i]);
            return ws.acts[o].setFlat(n, f, y, 0, o);
        }

        @Override public int[] outputShape(int[] in) { return in.clone(); }
        @Override public String describe() { return name + ": ReLU"; }
    }

    static final class FlattenStage implements Stage {
        private final String name;
        FlattenStage(String name) { this.name = name; }
        @Override public Act run(Act in, int[] inDims, Workspace ws) { return in; } // both layouts are flat per sample
        @Override
        public int[] outputShape(int[] s) {
            if (s.length < 1) throw new IllegalArgumentException(describe() + ": input must have a batch dimension");
            int f = 1;
            for (int i = 1; i < s.length; i++) f *= s[i];
            return new int[] {s[0], f};
        }
        @Override public String describe() { return name + ": Flatten"; }
    }

    static final class IdentityStage implements Stage {
        private final String name, what;
        IdentityStage(String name, String what) { this.name = name; this.what = what; }
        @Override public Act run(Act in, int[] inDims, Workspace ws) { return in; }
        @Override public int[] outputShape(int[] in) { return in.clone(); }
        @Override public String describe() { return name + ": " + what; }
    }
}
