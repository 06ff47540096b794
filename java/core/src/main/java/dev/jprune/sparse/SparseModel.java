package dev.jprune.sparse;

import dev.jprune.cpu.CpuKernels;
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
 * An inference-only copy of a (pruned) {@link Sequential} whose weights are stored in CSR: every Linear becomes a
 * sparse {@link Spmm#linear} (+ bias), every Conv2d a CSR weight [F, C·kh·kw] times im2col columns (+ bias); ReLU,
 * Flatten and Dropout (identity at evaluation) are kept as they are, MaxPool2d runs dense.
 * <p>Export copies the exact nonzero weights (masked weights are 0 by the Parameter invariant), so later changes to
 * the source model do not affect it. {@link #forward} keeps no state and may be called from several threads.
 */
public final class SparseModel {

    /** One inference step; shapes include the batch dimension. */
    interface Stage {
        Tensor forward(Tensor x);
        int[] outputShape(int[] in);
        String describe();
    }

    private final List<Stage> stages;

    private SparseModel(List<Stage> stages) {
        this.stages = List.copyOf(stages);
    }

    /**
     * Exports {@code model} (not modified). Nested Sequentials are inlined.
     *
     * @throws IllegalArgumentException naming the layer when a layer kind is not supported
     */
    public static SparseModel export(Sequential model) {
        if (model == null) throw new IllegalArgumentException("SparseModel.export: null model");
        List<Stage> out = new ArrayList<>();
        addLayers(model, "", out);
        return new SparseModel(out);
    }

    private static void addLayers(Sequential seq, String prefix, List<Stage> out) {
        List<Layer> layers = seq.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String name = prefix + i;
            if (l instanceof Sequential) addLayers((Sequential) l, name + ".", out);
            else out.add(stageOf(l, name));
        }
    }

    private static Stage stageOf(Layer l, String name) {
        if (l instanceof Linear) {
            Linear lin = (Linear) l;
            float[] bias = lin.bias == null ? new float[lin.out] : lin.bias.value.data.clone(); // no bias: zeros
            return new LinearStage(name, Csr.fromDense(lin.weight.value.data, lin.out, lin.in), bias);
        }
        if (l instanceof ReLU) return new ReluStage(name);
        if (l instanceof Flatten) return new FlattenStage(name);
        if (l instanceof Dropout) return new IdentityStage(name, l.describe() + " (eval: identity)");
        Stage conv = ConvStages.stageOf(l, name);
        if (conv != null) return conv;
        throw new IllegalArgumentException("SparseModel.export: layer " + name + " " + l.describe() + " (" + l.getClass().getName()
                + ") is not supported; supported: Linear, Conv2d, ReLU, Flatten, Dropout, MaxPool2d, Sequential");
    }

    /**
     * Logits (or whatever the last layer computes) for the batch {@code x} [N, ...]; {@code x} is not modified.
     *
     * @throws IllegalArgumentException when {@code x}'s shape does not fit the model, naming the stage
     */
    public Tensor forward(Tensor x) {
        if (x == null) throw new IllegalArgumentException("SparseModel.forward: null input");
        Tensor h = x;
        for (Stage s : stages) h = s.forward(h);
        return h;
    }

    /**
     * Accuracy and mean loss on a classification data set ({@link SparseEvaluation#evaluate}, batches of 500).
     *
     * @throws IllegalArgumentException for an empty data set or samples that do not fit the model
     */
    public dev.jprune.train.Evaluation evaluate(dev.jprune.data.Dataset test) {
        return SparseEvaluation.evaluate(this, test, SparseEvaluation.DEFAULT_BATCH);
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

    /** Stage descriptions in order, e.g. "0: SparseLinear(784 -> 300, nnz 23520)". */
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
        for (Stage s : stages) if (s instanceof WeightStage) n += ((WeightStage) s).weight().bytes() + 4L * ((WeightStage) s).bias().length;
        return n;
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
    }

    static String shapeError(String stage, int[] expected, int[] got) {
        return stage + ": expected input " + Arrays.toString(expected) + " but got " + Arrays.toString(got);
    }

    // ---- stages ----------------------------------------------------------------------------------------------

    static final class LinearStage implements WeightStage {
        private final String name;
        private final Csr w; // [out, in]
        private final float[] b; // [out]

        LinearStage(String name, Csr w, float[] b) { this.name = name; this.w = w; this.b = b; }

        private int batchOf(int[] s) {
            long f = 1;
            for (int i = 1; i < s.length; i++) f *= s[i];
            boolean ok = s.length == 1 ? s[0] == w.cols : s.length >= 1 && f == w.cols;
            if (!ok) {
                throw new IllegalArgumentException(describe() + ": expected input [N, " + w.cols + "] (or [N, ...] with " + w.cols
                        + " features) but got " + Arrays.toString(s));
            }
            return s.length == 1 ? 1 : s[0];
        }

        // x [N, in] (or [N, ...] flattening to in) -> y [N, out]
        @Override
        public Tensor forward(Tensor x) {
            int n = batchOf(x.shape());
            Tensor y = Tensor.zeros(n, w.rows);
            Spmm.linear(w, x.data, n, b, y.data);
            return y;
        }

        @Override public int[] outputShape(int[] in) { return new int[] {batchOf(in), w.rows}; }
        @Override public String describe() { return name + ": SparseLinear(" + w.cols + " -> " + w.rows + ", nnz " + w.nnz() + ")"; }
        @Override public String name() { return name; }
        @Override public Csr weight() { return w; }
        @Override public float[] bias() { return b; }
        @Override public long positions(int[] inputShape) { return 1; }
        @Override public int[] denseWeightShape() { return new int[] {w.rows, w.cols}; }
    }

    static final class ReluStage implements Stage {
        private final String name;
        ReluStage(String name) { this.name = name; }
        @Override
        public Tensor forward(Tensor x) {
            Tensor y = Tensor.zeros(x.shape());
            CpuKernels.reluForward(x.data, y.data, x.size());
            return y;
        }
        @Override public int[] outputShape(int[] in) { return in.clone(); }
        @Override public String describe() { return name + ": ReLU"; }
    }

    static final class FlattenStage implements Stage {
        private final String name;
        FlattenStage(String name) { this.name = name; }
        @Override public Tensor forward(Tensor x) { return x.reshape(outputShape(x.shape())); } // a view, as nn.Flatten
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
        @Override public Tensor forward(Tensor x) { return x; }
        @Override public int[] outputShape(int[] in) { return in.clone(); }
        @Override public String describe() { return name + ": " + what; }
    }
}
