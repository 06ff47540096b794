package dev.jprune.models;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model's architecture as one JSON string in a checkpoint's metadata (key {@value #KEY}), so that a checkpoint of
 * a model that no name describes — a physically shrunk one — can be loaded and evaluated on its own. The one place
 * this form is defined (to be replaced by the model-file format when that exists):
 * <pre>{"format": "jprune-architecture/1", "name": ..., "task": "classification" | "regression",
 *  "sample_shape": [...], "outputs": N, "optimizer": "sgd" | "adam", "lr": x, "momentum": x,
 *  "layers": [{"type": "linear", "in": I, "out": O, "bias": true}, {"type": "conv2d", "in": C, "out": F,
 *  "kernel": K, "stride": S, "padding": P, "bias": true}, {"type": "relu"}, {"type": "maxpool2d", "kernel": K,
 *  "stride": S}, {"type": "flatten"}, {"type": "dropout", "p": p}]}</pre>
 * Layer i of the list is Sequential index i, so parameter names ("0.weight") match the checkpoint's.
 */
public final class ArchitectureMetadata {
    /** The metadata key. */
    public static final String KEY = "jprune_architecture";
    /** The format tag. */
    public static final String FORMAT = "jprune-architecture/1";

    private ArchitectureMetadata() {}

    /**
     * The JSON description of {@code m}.
     *
     * @throws IllegalArgumentException for a layer type the form does not describe
     */
    public static String describe(ModelSpec m) {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("name", m.name());
        o.addProperty("task", m.task().name().toLowerCase(Locale.ROOT));
        JsonArray shape = new JsonArray();
        for (int d : m.sampleShape()) shape.add(d);
        o.add("sample_shape", shape);
        o.addProperty("outputs", m.outputs());
        o.addProperty("optimizer", m.defaultOptimizer().name().toLowerCase(Locale.ROOT));
        o.addProperty("lr", m.defaultLr());
        o.addProperty("momentum", m.defaultMomentum());
        JsonArray layers = new JsonArray();
        for (Layer l : m.net().layers()) layers.add(layer(l));
        o.add("layers", layers);
        return new Gson().toJson(o);
    }

    private static JsonObject layer(Layer l) {
        JsonObject o = new JsonObject();
        if (l instanceof Linear lin) {
            o.addProperty("type", "linear");
            o.addProperty("in", lin.in);
            o.addProperty("out", lin.out);
            o.addProperty("bias", lin.hasBias());
        } else if (l instanceof Conv2d c) {
            o.addProperty("type", "conv2d");
            o.addProperty("in", c.inChannels());
            o.addProperty("out", c.outChannels());
            o.addProperty("kernel", c.kernelSize());
            o.addProperty("stride", c.stride());
            o.addProperty("padding", c.padding());
            o.addProperty("bias", c.hasBias());
        } else if (l instanceof ReLU) {
            o.addProperty("type", "relu");
        } else if (l instanceof MaxPool2d p) {
            o.addProperty("type", "maxpool2d");
            o.addProperty("kernel", p.kernel());
            o.addProperty("stride", p.stride());
        } else if (l instanceof Flatten) {
            o.addProperty("type", "flatten");
        } else if (l instanceof Dropout d) {
            o.addProperty("type", "dropout");
            o.addProperty("p", d.p);
        } else {
            throw new IllegalArgumentException("architecture metadata: cannot describe layer " + l.describe());
        }
        return o;
    }

    /** The description in {@code metadata}, or null when there is none. */
    public static String of(Map<String, String> metadata) { return metadata.get(KEY); }

    /**
     * A fresh model (weights drawn from seed 0, to be replaced by a checkpoint's) from a description.
     *
     * @param source names the file in messages
     * @throws IllegalArgumentException naming {@code source} and the fault when the description is malformed
     */
    public static ModelSpec build(String json, String source) {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            if (!FORMAT.equals(str(o, "format"))) {
                throw new IllegalArgumentException("format is '" + str(o, "format") + "', expected " + FORMAT);
            }
            Rng rng = new Rng(0);
            List<Layer> layers = new ArrayList<>();
            for (var e : o.getAsJsonArray("layers")) {
                JsonObject l = e.getAsJsonObject();
                String type = str(l, "type");
                layers.add(switch (type) {
                    case "linear" -> new Linear(num(l, "in"), num(l, "out"), l.get("bias").getAsBoolean(), rng);
                    case "conv2d" -> new Conv2d(num(l, "in"), num(l, "out"), num(l, "kernel"), num(l, "stride"),
                            num(l, "padding"),
                            l.get("bias").getAsBoolean(), rng);
                    case "relu" -> new ReLU();
                    case "maxpool2d" -> new MaxPool2d(num(l, "kernel"), num(l, "stride"));
                    case "flatten" -> new Flatten();
                    case "dropout" -> new Dropout(l.get("p").getAsFloat(), 0);
                    default -> throw new IllegalArgumentException("unknown layer type '" + type + "'");
                });
            }
            JsonArray sa = o.getAsJsonArray("sample_shape");
            int[] shape = new int[sa.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = sa.get(i).getAsInt();
            ModelSpec.Task task = ModelSpec.Task.valueOf(str(o, "task").toUpperCase(Locale.ROOT));
            ModelSpec.OptimizerKind opt = ModelSpec.OptimizerKind.valueOf(str(o, "optimizer").toUpperCase(Locale.ROOT));
            return new ModelSpec(str(o, "name"), new Sequential(layers), shape, task, num(o, "outputs"), opt,
                    o.get("lr").getAsFloat(), o.get("momentum").getAsFloat());
        } catch (IllegalArgumentException | IllegalStateException | NullPointerException | UnsupportedOperationException
                 | JsonParseException | ClassCastException e) {
            throw new IllegalArgumentException(source + ": metadata " + KEY
                    + " is not a valid architecture description: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    private static String str(JsonObject o, String k) {
        if (!o.has(k)) throw new IllegalArgumentException("missing \"" + k + "\"");
        return o.get(k).getAsString();
    }

    private static int num(JsonObject o, String k) {
        if (!o.has(k)) throw new IllegalArgumentException("missing \"" + k + "\"");
        return o.get(k).getAsInt();
    }
}
