package dev.jprune.models;

import dev.jprune.io.Checkpoint;
import dev.jprune.io.Layout;
import dev.jprune.util.Rng;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The architectures of our users' documents, built by name from the model files bundled in the jar
 * ({@code /dev/jprune/models/NAME.json}, the one source of truth: {@link ModelFile}); any other model file by its path.
 * Layer indices match the equivalent PyTorch nn.Sequential, so state_dict names ("0.weight", …) carry over; Linear
 * flattens its input itself, so MLPs need no Flatten module (as in PyTorch, where the caller flattens).
 */
public final class Models {
    private Models() {}

    /**
     * A Linear layer of class logits sized by {@link ModelOptions} (default 784 inputs, 10 classes): built by
     * {@link #build(String, long, ModelOptions)} only, for tabular classification data.
     */
    public static final String LOGISTIC_REGRESSION = "logistic-regression";

    /** The names {@link #build} knows. */
    public static final List<String> NAMES = List.of("mlp-128", "lenet-300-100", "lenet-5", "cifar-cnn-a",
            "cifar-cnn-b", "linear-regression", "linear-regression-1");

    /** The checkpoint metadata key holding the model file's JSON (one line) of the model that wrote it. */
    public static final String METADATA_MODEL_FILE = "model_file";
    /** The checkpoint metadata key holding the model's name. */
    public static final String METADATA_MODEL = "model";

    /**
     * The bundled architecture {@code name}.
     *
     * @throws IllegalArgumentException for a name that is not one of {@link #NAMES}
     */
    public static Architecture architecture(String name) {
        if (name == null || !NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown model '" + name + "'; known: " + String.join(", ", NAMES));
        }
        String resource = "/dev/jprune/models/" + name + ".json";
        try (InputStream in = Models.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("the jar lacks its model file " + resource);
            return ModelFile.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource, name);
        } catch (IOException e) {
            throw new UncheckedIOException("bundled model file " + resource + ": " + e.getMessage(), e);
        }
    }

    /**
     * Builds a fresh built-in model with weights drawn from {@code seed} ({@link Architecture#build}).
     *
     * @throws IllegalArgumentException for a name that is not one of {@link #NAMES}
     */
    public static ModelSpec build(String name, long seed) {
        return architecture(name).build(seed);
    }

    /**
     * The architecture that {@code nameOrFile} names: a built-in name, else the path of a model file.
     *
     * @throws IllegalArgumentException when it is null or empty, logistic-regression (sized by data: see
     *     {@link #build(String, long, ModelOptions)}), or neither a built-in name nor an existing file
     * @throws IOException when the file is not a valid model file ({@link ModelFileException}) or cannot be read
     */
    public static Architecture resolve(String nameOrFile) throws IOException {
        if (nameOrFile == null || nameOrFile.isBlank()) {
            throw new IllegalArgumentException("the model is empty: expected a built-in model ("
                    + String.join(", ", NAMES) + ") or a model file (.json)");
        }
        if (NAMES.contains(nameOrFile)) return architecture(nameOrFile);
        if (nameOrFile.equals(LOGISTIC_REGRESSION)) {
            throw new IllegalArgumentException(LOGISTIC_REGRESSION + " is sized by its data (inputs, classes): build it"
                    + " with Models.build(name, seed, options) and the sizes in ModelOptions");
        }
        Path p;
        try {
            p = Path.of(nameOrFile);
        } catch (java.nio.file.InvalidPathException e) {
            p = null;
        }
        if (p == null || !Files.exists(p)) {
            throw new IllegalArgumentException("unknown model '" + nameOrFile + "': neither a built-in model ("
                    + String.join(", ", NAMES) + ") nor an existing model file (.json)");
        }
        return ModelFile.read(p);
    }

    /**
     * Builds model {@code name} under {@code options} (biases or none, initialisation; for {@code linear-regression}
     * and {@link #LOGISTIC_REGRESSION}, its input and output count), weights drawn from {@code seed}.
     * {@code ModelOptions.DEFAULT} gives exactly {@link #build(String, long)}.
     *
     * @throws IllegalArgumentException for an unknown (or null) name or null options
     */
    public static ModelSpec build(String name, long seed, ModelOptions options) {
        if (options == null) throw new IllegalArgumentException("Models.build " + name + ": null options");
        if (name == null) architecture(null); // the unknown-model error, listing the known names
        ModelSpec m;
        if ((name.equals("linear-regression") || name.equals("linear-regression-1")) && options.inputs() > 0) {
            int out = Math.max(1, options.outputs());
            m = Architecture.builder(options.inputs()).name(name).task(ModelSpec.Task.REGRESSION)
                    .linear(options.inputs(), out).build().build(seed);
        } else if (name.equals(LOGISTIC_REGRESSION)) {
            // Multinomial logistic regression: one Linear layer of class logits, softmax cross-entropy.
            int in = options.inputs() > 0 ? options.inputs() : 784;
            int out = options.outputs() > 0 ? options.outputs() : 10;
            m = Architecture.builder(in).name(name).linear(in, out).build().build(seed);
        } else {
            m = build(name, seed);
        }
        return options.apply(m, seed);
    }

    /**
     * Builds {@code architecture} under {@code options} (biases or none, initialisation; sizes are the
     * architecture's), weights drawn from {@code seed}; {@code ModelOptions.DEFAULT} gives
     * {@link Architecture#build(long)}.
     */
    public static ModelSpec build(Architecture architecture, long seed, ModelOptions options) {
        return options.apply(architecture.build(seed), seed);
    }

    /**
     * Saves {@code model}'s weights and masks as a safetensors checkpoint with PyTorch state_dict names in jprune's
     * {@link Layout#MASKED} layout ({@link #save(ModelSpec, Path, Layout, Path, Map)}). Does not modify the model.
     *
     * @throws java.io.IOException when the file cannot be written, or a weight is not finite (nothing is written)
     */
    public static void save(ModelSpec model, Path file) throws IOException {
        save(model, file, Layout.MASKED, null, Map.of());
    }

    /**
     * Saves {@code model} in {@code layout}
     * ({@link Checkpoint#save(Path, dev.jprune.nn.Sequential, Layout, Path, Map)}; for {@link Layout#PLAIN} the masks
     * go to {@code masksFile} when it is not null). The metadata holds
     * {@code metadata} plus "model" (the name), "format" "pt" and "model_file" (the model file's JSON, when the network
     * is one a model file can describe), so that a reader needs no model name. Does not modify the model.
     *
     * @throws IOException when a file cannot be written, or a weight is not finite (nothing is written)
     */
    public static void save(ModelSpec model, Path file, Layout layout, Path masksFile, Map<String, String> metadata)
            throws IOException {
        Checkpoint.save(file, model.net(), layout, masksFile, withModel(model, metadata));
    }

    /** {@code metadata} plus the model's name, "format" "pt" and its model file (what {@link #save} records). */
    public static Map<String, String> withModel(ModelSpec model, Map<String, String> metadata) {
        Map<String, String> meta = new TreeMap<>(metadata);
        meta.put(METADATA_MODEL, model.name());
        meta.putIfAbsent("format", "pt");
        Architecture a = Architecture.of(model);
        if (a != null) meta.put(METADATA_MODEL_FILE, ModelFile.toJson(a, false));
        return meta;
    }

    /**
     * Builds model {@code name} and loads a checkpoint into it ({@link dev.jprune.io.Checkpoint#load}: weights and
     * masks, PyTorch names).
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws java.io.IOException when the file cannot be read or does not fit the model (nothing is half-loaded)
     */
    public static ModelSpec load(String name, Path file) throws IOException {
        ModelSpec m = build(name, 0);
        Checkpoint.load(file, m.net());
        return m;
    }

    /**
     * Loads a checkpoint into the model it carries or implies ({@link CheckpointModels#find}): no name needed for
     * files jprune wrote, or for a PyTorch state_dict of a chain of Linear layers.
     *
     * @throws IOException when the file cannot be read, fits no model it implies, or implies none (the message asks
     *     for a model file)
     */
    public static ModelSpec load(Path file) throws IOException {
        CheckpointModels.Found f = CheckpointModels.find(file);
        if (f == null) throw CheckpointModels.noModel(file);
        ModelSpec m = f.architecture().build(0);
        Checkpoint.load(file, m.net());
        return m;
    }

    /** A linear regression model with {@code features} inputs and one output, weights drawn from {@code rng}. */
    public static ModelSpec linearRegression(int features, Rng rng) {
        String name = features == 1 ? "linear-regression-1" : "linear-regression";
        Architecture a = Architecture.builder(features).name(name)
                .task(ModelSpec.Task.REGRESSION).linear(features, 1).build();
        return new ModelSpec(a.name(), a.buildNet(rng, 0), a.inputShape(), a.task(), 1, a.optimizer(), a.lr());
    }
}
