package dev.jprune.models;

import dev.jprune.io.Checkpoint;
import dev.jprune.io.CheckpointException;
import dev.jprune.io.SafeTensorHeader;
import dev.jprune.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which model a checkpoint holds, from its header alone: the model file in its metadata (what jprune writes), a
 * built-in model named in its metadata (older jprune files), or a PyTorch state_dict of a chain of Linear layers
 * recognised from its tensor names and shapes.
 */
public final class CheckpointModels {
    private CheckpointModels() {}

    /** Where {@link #find} found the model. */
    public enum Source {
        /** The model file in the metadata ("model_file"). */
        METADATA_MODEL_FILE,
        /** A built-in model named in the metadata ("model"). */
        METADATA_NAME,
        /** Recognised from the names and shapes of a chain of Linear layers. */
        LINEAR_CHAIN
    }

    /**
     * A checkpoint's model and how it was found.
     *
     * @param architecture the model
     * @param source where it came from
     * @param description one line for the user, e.g. "a chain of Linear layers with ReLU between them, recognised ..."
     */
    public record Found(Architecture architecture, Source source, String description) {}

    private static final Pattern PARAM = Pattern.compile("(0|[1-9][0-9]{0,8})\\.(weight|bias)");

    /**
     * The model {@code file} carries or implies, or null when it neither carries one nor is a chain of Linear layers.
     * Reads the header only.
     *
     * @throws IOException when the file is not valid safetensors, or its metadata holds an invalid model file
     *     ({@link ModelFileException} naming the file)
     */
    public static Found find(Path file) throws IOException {
        SafeTensorHeader h = SafeTensors.readHeader(file);
        Map<String, String> meta = h.metadata();
        String json = meta.get(Models.METADATA_MODEL_FILE);
        if (json != null) {
            String source = file + " (metadata '" + Models.METADATA_MODEL_FILE + "')";
            String name = meta.getOrDefault(Models.METADATA_MODEL, "model");
            return new Found(ModelFile.parse(json, source, name), Source.METADATA_MODEL_FILE,
                    "the model file in its metadata");
        }
        String name = meta.get(Models.METADATA_MODEL);
        if (name != null && Models.NAMES.contains(name)) {
            return new Found(Models.architecture(name), Source.METADATA_NAME, "built-in model " + name
                    + ", named in its metadata");
        }
        Map<String, int[]> shapes = new TreeMap<>();
        for (SafeTensorHeader.Tensor t : h.tensors().values()) shapes.put(t.name(), t.shape());
        Architecture chain = linearChain(shapes);
        if (chain == null) return null;
        return new Found(chain, Source.LINEAR_CHAIN, "a chain of Linear layers recognised from its tensor names and"
                + " shapes, with ReLU between them (assumed: a state_dict holds no activations)");
    }

    /** The error for a checkpoint that implies no model: it asks for a model file. */
    public static CheckpointException noModel(Path file) {
        return new CheckpointException(file, "carries no model (no '" + Models.METADATA_MODEL_FILE + "' metadata)"
                + " and is not a chain of Linear layers (N.weight [out, in], optional N.bias [out], every other index);"
                + " give its architecture with --model NAME or --model FILE.json (docs/MODELS.md)");
    }

    /**
     * The architecture of a PyTorch {@code nn.Sequential} of Linear layers with one module (a ReLU) between them, from
     * its state_dict's names and shapes ({@code N.weight [out, in]}, optional {@code N.bias [out]}; the pruning
     * reparametrisation's "_orig" and the "_mask" / "_score" tensors are read as their parameter), or null when the
     * tensors are anything else. Indices step by 2; the first is 0, or 1 for a Sequential that starts with a Flatten.
     * Input [in of the first layer]; classification, SGD, lr 0.05.
     */
    public static Architecture linearChain(Map<String, int[]> shapes) {
        Map<Integer, int[]> weights = new TreeMap<>(), biases = new TreeMap<>();
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            String n = e.getKey();
            if (n.endsWith(Checkpoint.MASK_SUFFIX) || n.endsWith(Checkpoint.SCORE_SUFFIX)) continue; // checked by load
            if (n.endsWith(Checkpoint.ORIG_SUFFIX)) n = n.substring(0, n.length() - Checkpoint.ORIG_SUFFIX.length());
            Matcher m = PARAM.matcher(n);
            if (!m.matches()) return null;
            int index = Integer.parseInt(m.group(1));
            Map<Integer, int[]> into = m.group(2).equals("weight") ? weights : biases;
            if (into.put(index, e.getValue()) != null) return null; // both N.weight and N.weight_orig
        }
        if (weights.isEmpty() || !weights.keySet().containsAll(biases.keySet())) return null;
        List<Integer> idx = new ArrayList<>(weights.keySet());
        if (idx.get(0) > 1) return null;
        Architecture.Builder b = Architecture.builder(inputOf(weights.get(idx.get(0)))).name("linear-chain");
        if (idx.get(0) == 1) b.flatten();
        int prevOut = -1;
        StringBuilder sizes = new StringBuilder();
        for (int k = 0; k < idx.size(); k++) {
            int[] w = weights.get(idx.get(k)), bias = biases.get(idx.get(k));
            if (w.length != 2 || w[0] < 1 || w[1] < 1) return null;
            if (bias != null && (bias.length != 1 || bias[0] != w[0])) return null;
            if (k > 0 && (idx.get(k) != idx.get(k - 1) + 2 || w[1] != prevOut)) return null;
            if (k > 0) b.relu();
            b.linear(w[1], w[0], bias != null);
            sizes.append(k == 0 ? w[1] : "").append('-').append(w[0]);
            prevOut = w[0];
        }
        try {
            return b.name("linear-chain-" + sizes).build();
        } catch (IllegalArgumentException e) {
            return null; // sizes no tensor can hold
        }
    }

    private static int inputOf(int[] firstWeight) {
        return firstWeight.length == 2 && firstWeight[1] >= 1 ? firstWeight[1] : 1;
    }
}
