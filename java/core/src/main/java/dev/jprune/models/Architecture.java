package dev.jprune.models;

import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.ModelSpec.Task;
import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Dropout;
import dev.jprune.nn.Flatten;
import dev.jprune.nn.Layer;
import dev.jprune.nn.Linear;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A network as data: the input shape of one sample and an ordered list of layers, indexed like PyTorch's
 * {@code nn.Sequential} (layer i's parameters are "i.weight", "i.bias"), plus how it is trained by default. A model
 * file ({@link ModelFile}) is its JSON form; {@link #builder} its Java form; the built-in models are bundled model
 * files.
 * <p>The constructor checks the shapes layer by layer, so an instance always builds: a layer whose input does not fit
 * is refused naming its index and both shapes, and the last layer must output a vector (the model's outputs).
 *
 * @param name what the model is called (results, metadata)
 * @param inputShape one sample without the batch dimension, e.g. [1, 28, 28]
 * @param layers the layers in order (their index is their PyTorch name prefix)
 * @param task classification (softmax cross-entropy) or regression (mean squared error)
 * @param optimizer the default optimizer
 * @param lr the default learning rate
 * @param momentum the default SGD momentum ({@link #DEFAULT_MOMENTUM} unless a model says otherwise: write-up 001
 *     trains with plain SGD)
 */
public record Architecture(String name, int[] inputShape, List<LayerSpec> layers, Task task, OptimizerKind optimizer,
                           float lr, float momentum) {
    /** SGD momentum unless a model file says otherwise. */
    public static final float DEFAULT_MOMENTUM = 0.9f;

    /** An architecture with the default momentum ({@link #DEFAULT_MOMENTUM}). */
    public Architecture(String name, int[] inputShape, List<LayerSpec> layers, Task task, OptimizerKind optimizer,
                        float lr) {
        this(name, inputShape, layers, task, optimizer, lr, DEFAULT_MOMENTUM);
    }

    /**
     * Checks and copies everything.
     *
     * @throws IllegalArgumentException naming the layer index and both shapes when a layer cannot take its input, or
     *     naming the field for an empty name or layer list, a non-positive input size or learning rate
     */
    public Architecture {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("model name must not be empty");
        if (inputShape == null || inputShape.length == 0) {
            throw new IllegalArgumentException("input shape must have at least one dimension");
        }
        inputShape = inputShape.clone();
        for (int d : inputShape) {
            if (d < 1) throw new IllegalArgumentException("input shape " + LayerSpec.shape(inputShape)
                    + ": sizes must be >= 1");
        }
        if (LayerSpec.count(inputShape) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("input shape " + LayerSpec.shape(inputShape) + " has more than "
                    + Integer.MAX_VALUE + " elements");
        }
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("a model needs at least one layer");
        layers = List.copyOf(layers);
        if (task == null || optimizer == null) throw new IllegalArgumentException("task and optimizer are required");
        if (!(lr > 0 && Float.isFinite(lr))) throw new IllegalArgumentException("lr must be a positive number, got "
                + lr);
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        int[] out = shapes(inputShape, layers)[layers.size()];
        if (out.length != 1) {
            throw new IllegalArgumentException("layer " + (layers.size() - 1) + " "
                    + layers.get(layers.size() - 1).describe()
                    + " outputs " + LayerSpec.shape(out) + "; the last layer must output a vector [outputs]"
                    + " (add a flatten and a linear layer)");
        }
    }

    /** Shapes through {@code layers}: [0] the input, [i + 1] layer i's output; checked (see the constructor). */
    private static int[][] shapes(int[] input, List<LayerSpec> layers) {
        int[][] s = new int[layers.size() + 1][];
        s[0] = input;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            if (l == null) throw new IllegalArgumentException("layer " + i + " is null");
            String from = i == 0 ? "the model input is " : "layer " + (i - 1) + " " + layers.get(i - 1).kind()
                    + " outputs ";
            try {
                s[i + 1] = l.outputShape(s[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer " + i + " " + l.describe() + ": " + e.getMessage() + ", but "
                        + from + LayerSpec.shape(s[i]), e);
            }
            if (LayerSpec.count(s[i + 1]) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("layer " + i + " " + l.describe() + " outputs "
                        + LayerSpec.shape(s[i + 1])
                        + ": more than " + Integer.MAX_VALUE + " elements per sample");
            }
        }
        return s;
    }

    /** The input shape (a copy). */
    @Override public int[] inputShape() { return inputShape.clone(); }

    /** The shape of one sample's output, e.g. [10]. */
    public int[] outputShape() { return shapes(inputShape, layers)[layers.size()]; }

    /** Number of outputs: classes (classification) or values (regression). */
    public int outputs() { return outputShape()[0]; }

    /**
     * Builds the model with weights drawn from {@code seed}: one {@link Rng} for all layers in order (weight, then
     * bias, PyTorch's init bounds); dropout layer k (counting dropout layers from 0) draws its masks from
     * (seed ^ 0x5DEECE66D) + k.
     */
    public ModelSpec build(long seed) {
        return new ModelSpec(name, buildNet(new Rng(seed), seed ^ 0x5DEECE66DL), inputShape.clone(), task, outputs(),
                optimizer, lr, momentum);
    }

    /** The network alone, weights from {@code rng}, dropout layer k seeded {@code dropoutSeed + k}. Advances rng. */
    public Sequential buildNet(Rng rng, long dropoutSeed) {
        List<Layer> out = new ArrayList<>();
        int dropouts = 0;
        for (LayerSpec l : layers) {
            out.add(l.build(rng, dropoutSeed + dropouts));
            if (l instanceof LayerSpec.Dropout) dropouts++;
        }
        return new Sequential(out);
    }

    /** The same architecture under another name. */
    public Architecture withName(String newName) {
        return new Architecture(newName, inputShape, layers, task, optimizer, lr, momentum);
    }

    /**
     * The architecture of {@code model}'s network (its layer kinds and fields, its defaults), or null when the network
     * holds a layer a model file cannot describe (nested Sequentials, layers of other kinds).
     */
    public static Architecture of(ModelSpec model) {
        List<LayerSpec> specs = new ArrayList<>();
        for (Layer l : model.net().layers()) {
            LayerSpec s = specOf(l);
            if (s == null) return null;
            specs.add(s);
        }
        try {
            return new Architecture(model.name(), model.sampleShape(), specs, model.task(), model.defaultOptimizer(),
                    model.defaultLr(), model.defaultMomentum());
        } catch (IllegalArgumentException e) {
            return null; // a hand-made ModelSpec whose shapes do not chain: not describable as a file
        }
    }

    private static LayerSpec specOf(Layer l) {
        if (l instanceof Linear lin) return new LayerSpec.Linear(lin.in, lin.out, lin.hasBias());
        if (l instanceof Conv2d c) {
            return new LayerSpec.Conv2d(c.inChannels(), c.outChannels(), c.kernelSize(), c.stride(), c.padding(),
                    c.hasBias());
        }
        if (l instanceof MaxPool2d p) return new LayerSpec.MaxPool2d(p.kernel(), p.stride());
        if (l instanceof ReLU) return new LayerSpec.ReLU();
        if (l instanceof Flatten) return new LayerSpec.Flatten();
        if (l instanceof Dropout d) return new LayerSpec.Dropout(d.p);
        return null;
    }

    /**
     * Null when {@code other} has the same input shape and layers (kinds and fields; name and training defaults are
     * not compared), else the first difference, e.g. "layer 0 is linear(in=784, ...) in A but conv2d(...) in B" for
     * the labels A (this) and B (other).
     */
    public String difference(Architecture other, String thisLabel, String otherLabel) {
        if (!Arrays.equals(inputShape, other.inputShape)) {
            return "the input is " + LayerSpec.shape(inputShape) + " in " + thisLabel + " but "
                    + LayerSpec.shape(other.inputShape) + " in " + otherLabel;
        }
        for (int i = 0; i < Math.max(layers.size(), other.layers.size()); i++) {
            String a = i < layers.size() ? layers.get(i).describe() : "absent";
            String b = i < other.layers.size() ? other.layers.get(i).describe() : "absent";
            if (!a.equals(b)) return "layer " + i + " is " + a + " in " + thisLabel + " but " + b + " in " + otherLabel;
        }
        return null;
    }

    /** Architectures are equal when every component is (the input shape by content). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Architecture a && name.equals(a.name) && Arrays.equals(inputShape, a.inputShape)
                && layers.equals(a.layers) && task == a.task && optimizer == a.optimizer
                && Float.floatToIntBits(lr) == Float.floatToIntBits(a.lr);
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(inputShape) * 17 + layers.hashCode(); }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name + ": input " + LayerSpec.shape(inputShape));
        for (int i = 0; i < layers.size(); i++) sb.append(", ").append(i).append(": ").append(layers.get(i).describe());
        return sb.toString();
    }

    /**
     * A builder for a model whose samples have {@code inputShape}, e.g. {@code builder(1, 28, 28)}; defaults: name
     * "model", classification, SGD with lr 0.05 (Adam: 0.001 unless set), as the command line's.
     */
    public static Builder builder(int... inputShape) { return new Builder(inputShape); }

    /** Adds layers in order (each one's index is its position); {@link #build} checks the shapes. */
    public static final class Builder {
        private final int[] input;
        private final List<LayerSpec> layers = new ArrayList<>();
        private String name = "model";
        private Task task = Task.CLASSIFICATION;
        private OptimizerKind optimizer = OptimizerKind.SGD;
        private Float lr;
        private float momentum = DEFAULT_MOMENTUM;

        private Builder(int[] input) { this.input = input == null ? null : input.clone(); }

        /** The model's name. */
        public Builder name(String n) { name = n; return this; }
        /** Classification (default) or regression. */
        public Builder task(Task t) { task = t; return this; }
        /** The default optimizer (SGD unless set). */
        public Builder optimizer(OptimizerKind o) { optimizer = o; return this; }
        /** The default learning rate (0.05 for SGD, 0.001 for Adam unless set). */
        public Builder lr(float rate) { lr = rate; return this; }
        /** The default SGD momentum ({@link #DEFAULT_MOMENTUM} unless set). */
        public Builder momentum(float m) { momentum = m; return this; }
        /** Appends a layer. */
        public Builder layer(LayerSpec l) { layers.add(l); return this; }
        /** Appends {@code nn.Linear(in, out)} with bias. */
        public Builder linear(int in, int out) { return layer(new LayerSpec.Linear(in, out, true)); }
        /** Appends {@code nn.Linear(in, out, bias)}. */
        public Builder linear(int in, int out, boolean bias) { return layer(new LayerSpec.Linear(in, out, bias)); }
        /** Appends {@code nn.Conv2d(in, out, kernel, stride, padding)} with bias. */
        public Builder conv2d(int in, int out, int kernel, int stride, int padding) {
            return layer(new LayerSpec.Conv2d(in, out, kernel, stride, padding, true));
        }
        /** Appends {@code nn.Conv2d(in, out, kernel, stride, padding, bias)}. */
        public Builder conv2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
            return layer(new LayerSpec.Conv2d(in, out, kernel, stride, padding, bias));
        }
        /** Appends {@code nn.MaxPool2d(kernel, stride)}. */
        public Builder maxpool2d(int kernel, int stride) { return layer(new LayerSpec.MaxPool2d(kernel, stride)); }
        /** Appends a ReLU. */
        public Builder relu() { return layer(new LayerSpec.ReLU()); }
        /** Appends a Flatten. */
        public Builder flatten() { return layer(new LayerSpec.Flatten()); }
        /** Appends a Dropout with drop probability p. */
        public Builder dropout(float p) { return layer(new LayerSpec.Dropout(p)); }

        /**
         * The architecture.
         *
         * @throws IllegalArgumentException as the {@link Architecture} constructor (layer index and both shapes)
         */
        public Architecture build() {
            float rate = lr != null ? lr : optimizer == OptimizerKind.ADAM ? 1e-3f : 0.05f;
            return new Architecture(name, input, layers, task, optimizer, rate, momentum);
        }
    }
}
