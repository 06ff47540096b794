package dev.jprune.models;

import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.ModelSpec.Task;
import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Dropout;
import dev.jprune.nn.Flatten;
import dev.jprune.nn.Linear;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.util.List;

/**
 * The architectures of our users' documents, built by name. Layer indices match the equivalent PyTorch
 * nn.Sequential, so state_dict names ("0.weight", …) carry over; Linear flattens its input itself, so MLPs
 * need no Flatten module (as in PyTorch, where the caller flattens).
 */
public final class Models {
    private Models() {}

    /**
     * A Linear layer of class logits sized by {@link ModelOptions} (default 784 inputs, 10 classes): built by
     * {@link #build(String, long, ModelOptions)} only, for tabular classification data.
     */
    public static final String LOGISTIC_REGRESSION = "logistic-regression";

    /** The names {@link #build} knows. */
    public static final List<String> NAMES = List.of("mlp-128", "lenet-300-100", "lenet-5", "cifar-cnn-a", "cifar-cnn-b",
            "linear-regression", "linear-regression-1");

    /** Builds a fresh model with weights drawn from {@code seed}. */
    public static ModelSpec build(String name, long seed) {
        Rng rng = new Rng(seed);
        long dropSeed = seed ^ 0x5DEECE66DL;
        switch (name) {
            case "mlp-128":
                // Keras-style MNIST classifier: 784-128-10, ReLU, Dropout(0.2), Adam.
                return new ModelSpec(name, new Sequential(new Linear(784, 128, rng), new ReLU(), new Dropout(0.2f, dropSeed), new Linear(128, 10, rng)),
                        new int[] {1, 28, 28}, Task.CLASSIFICATION, 10, OptimizerKind.ADAM, 1e-3f);
            case "lenet-300-100":
                return new ModelSpec(name, new Sequential(new Linear(784, 300, rng), new ReLU(), new Linear(300, 100, rng), new ReLU(), new Linear(100, 10, rng)),
                        new int[] {1, 28, 28}, Task.CLASSIFICATION, 10, OptimizerKind.SGD, 0.05f);
            case "lenet-5":
                // Caffe's LeNet: conv 20@5x5, pool 2, conv 50@5x5, pool 2, fc 500, ReLU, fc 10.
                return new ModelSpec(name, new Sequential(new Conv2d(1, 20, 5, 1, 0, rng), new MaxPool2d(2, 2), new Conv2d(20, 50, 5, 1, 0, rng),
                        new MaxPool2d(2, 2), new Flatten(), new Linear(800, 500, rng), new ReLU(), new Linear(500, 10, rng)),
                        new int[] {1, 28, 28}, Task.CLASSIFICATION, 10, OptimizerKind.SGD, 0.05f);
            case "cifar-cnn-a":
                return new ModelSpec(name, new Sequential(new Conv2d(3, 64, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2, 2),
                        new Conv2d(64, 128, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2, 2), new Flatten(),
                        new Linear(8192, 1024, rng), new ReLU(), new Linear(1024, 10, rng)),
                        // Write-up 001 trains it with plain SGD (lr 0.01, no momentum): SGD's default momentum here is
                        // 0.
                        new int[] {3, 32, 32}, Task.CLASSIFICATION, 10, OptimizerKind.SGD, 0.01f, 0f);
            case "cifar-cnn-b":
                return new ModelSpec(name, new Sequential(new Conv2d(3, 32, 3, 1, 0, rng), new ReLU(), new MaxPool2d(2, 2),
                        new Conv2d(32, 64, 3, 1, 0, rng), new ReLU(), new MaxPool2d(2, 2), new Conv2d(64, 64, 3, 1, 0, rng), new ReLU(),
                        new Flatten(), new Linear(1024, 64, rng), new ReLU(), new Linear(64, 10, rng)),
                        new int[] {3, 32, 32}, Task.CLASSIFICATION, 10, OptimizerKind.ADAM, 1e-3f);
            case "linear-regression":
                return linearRegression(10, rng);
            case "linear-regression-1":
                return linearRegression(1, rng);
            default:
                throw new IllegalArgumentException("unknown model '" + name + "'; known: " + String.join(", ", NAMES));
        }
    }

    /**
     * Builds model {@code name} under {@code options} (biases or none, initialisation; for {@code linear-regression}
     * and {@link #LOGISTIC_REGRESSION}, its input and output count), weights drawn from {@code seed}. {@code
     * ModelOptions.DEFAULT} gives exactly
     * {@link #build(String, long)}.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static ModelSpec build(String name, long seed, ModelOptions options) {
        ModelSpec m;
        if ((name.equals("linear-regression") || name.equals("linear-regression-1")) && options.inputs() > 0) {
            Rng rng = new Rng(seed);
            int out = Math.max(1, options.outputs());
            m = new ModelSpec(name, new Sequential(new Linear(options.inputs(), out, rng)),
                    new int[] {options.inputs()},
                    Task.REGRESSION, out, OptimizerKind.SGD, 0.05f);
        } else if (name.equals(LOGISTIC_REGRESSION)) {
            // Multinomial logistic regression: one Linear layer of class logits, softmax cross-entropy.
            int in = options.inputs() > 0 ? options.inputs() : 784, out = options.outputs() > 0
                    ? options.outputs() : 10;
            m = new ModelSpec(name, new Sequential(new Linear(in, out, new Rng(seed))), new int[] {in},
                    Task.CLASSIFICATION, out,
                    OptimizerKind.SGD, 0.05f);
        } else {
            m = build(name, seed);
        }
        return options.apply(m, seed);
    }

    /**
     * Saves {@code model}'s weights and masks as a safetensors checkpoint with PyTorch state_dict names and metadata
     * {"model": name, "format": "pt"} ({@link dev.jprune.io.Checkpoint#save}, atomically). Does not modify the model.
     *
     * @throws java.io.IOException when the file cannot be written, or a weight is not finite (nothing is written)
     */
    public static void save(ModelSpec model, java.nio.file.Path file) throws java.io.IOException {
        dev.jprune.io.Checkpoint.save(file, model.net(), java.util.Map.of(), java.util.Map.of("model", model.name(), "format", "pt"));
    }

    /**
     * Builds model {@code name} and loads a checkpoint into it ({@link dev.jprune.io.Checkpoint#load}: weights and
     * masks, PyTorch names).
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws java.io.IOException when the file cannot be read or does not fit the model (nothing is half-loaded)
     */
    public static ModelSpec load(String name, java.nio.file.Path file) throws java.io.IOException {
        ModelSpec m = build(name, 0);
        dev.jprune.io.Checkpoint.load(file, m.net());
        return m;
    }

    /** A linear regression model with {@code features} inputs and one output, weights drawn from {@code rng}. */
    public static ModelSpec linearRegression(int features, Rng rng) {
        return new ModelSpec(features == 1 ? "linear-regression-1" : "linear-regression", new Sequential(new Linear(features, 1, rng)),
                new int[] {features}, Task.REGRESSION, 1, OptimizerKind.SGD, 0.05f);
    }
}
