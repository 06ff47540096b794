package dev.jprune.models;

import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.jprune.io.AtomicFiles;
import dev.jprune.io.InputFiles;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.ModelSpec.Task;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Model files: an {@link Architecture} as JSON (docs/MODELS.md). Example:
 * <pre>{@code
 * {"name": "lenet-300-100", "input": [1, 28, 28], "task": "classification", "optimizer": "sgd", "lr": 0.05,
 *  "layers": [{"kind": "linear", "in": 784, "out": 300}, {"kind": "relu"}, {"kind": "linear", "in": 300, "out": 10}]}
 * }</pre>
 * Required: "input" and "layers"; each layer's "kind" and its sizes ("in", "out"; conv2d's "kernel"; maxpool2d's
 * "kernel"). Optional, with PyTorch's defaults: "bias" (true), conv2d "stride" (1) and "padding" (0), maxpool2d
 * "stride" (its kernel), dropout "p" (0.5); the model's "name" (the file name without .json), "task"
 * (classification), "optimizer" (sgd), "lr" (0.05 for sgd, 0.001 for adam) and "momentum" (0.9, SGD's). Reading
 * is strict: unknown fields, duplicate fields, numbers where integers belong, trailing data and files over
 * {@value #MAX_BYTES} bytes are refused.
 */
public final class ModelFile {
    /** Largest model file read (a file of 16 MiB holds ~200,000 layers). */
    public static final int MAX_BYTES = 16 << 20;

    private static final Map<String, List<String>> FIELDS = Map.of(
            "linear", List.of("kind", "in", "out", "bias"),
            "conv2d", List.of("kind", "in", "out", "kernel", "stride", "padding", "bias"),
            "maxpool2d", List.of("kind", "kernel", "stride"),
            "relu", List.of("kind"),
            "flatten", List.of("kind"),
            "dropout", List.of("kind", "p"));
    private static final List<String> KINDS = List.of("linear", "conv2d", "maxpool2d", "relu", "flatten", "dropout");
    private static final List<String> TOP = List.of("name", "input", "task", "optimizer", "lr", "momentum",
            "layers");

    private ModelFile() {}

    /**
     * Reads and checks the model file {@code file}.
     *
     * @throws ModelFileException naming the file (and the layer and field) for anything but a valid model file
     * @throws IOException when the file cannot be read
     */
    public static Architecture read(Path file) throws IOException {
        String source = file.toString();
        String fault = InputFiles.fault(file);
        if (fault != null && Files.exists(file)) throw new ModelFileException(source, fault + "; expected a .json"
                + " model file");
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new ModelFileException(source, size + " bytes; a model file is at most " + MAX_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFileException(source, "not UTF-8 text; expected a JSON model file", e);
        }
        String stem = file.getFileName() == null ? "model" : file.getFileName().toString().replaceFirst("\\.json$", "");
        return parse(text, source, stem.isBlank() ? "model" : stem);
    }

    /**
     * Parses model-file JSON; {@code source} names it in errors, {@code defaultName} is the name when it has none.
     *
     * @throws ModelFileException naming the source (and the layer and field) for anything but a valid model file
     */
    public static Architecture parse(String json, String source, String defaultName) throws ModelFileException {
        if (json.length() > MAX_BYTES) throw new ModelFileException(source, "more than " + MAX_BYTES + " characters");
        JsonReader r = new JsonReader(new StringReader(json));
        r.setStrictness(Strictness.STRICT);
        try {
            Architecture a = new Parser(r, source, defaultName).model();
            boolean end;
            try {
                end = r.peek() == JsonToken.END_DOCUMENT;
            } catch (IOException e) { // strict mode refuses a second top-level value before peek can name it
                end = false;
            }
            if (!end) throw new ModelFileException(source, "data after the model's JSON object");
            return a;
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            // Gson's messages name the line and column (and a troubleshooting URL we leave out).
            String m = String.valueOf(e.getMessage()).replaceAll("\\s*See https?://\\S+", "")
                    .replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON",
                            "malformed JSON");
            throw new ModelFileException(source, "not valid JSON: " + m, e);
        }
    }

    /** The file's JSON: pretty (one layer per line) for files, compact (one line) for checkpoint metadata. */
    public static String toJson(Architecture a, boolean pretty) {
        String nl = pretty ? "\n  " : "", sp = pretty ? " " : "";
        StringBuilder sb = new StringBuilder("{").append(nl);
        sb.append("\"name\":").append(sp).append(new JsonPrimitive(a.name())).append(',').append(nl);
        sb.append("\"input\":").append(sp).append(ints(a.inputShape(), sp)).append(',').append(nl);
        String task = a.task().name().toLowerCase(Locale.ROOT), opt = a.optimizer().name().toLowerCase(Locale.ROOT);
        sb.append("\"task\":").append(sp).append('"').append(task).append("\",").append(nl);
        sb.append("\"optimizer\":").append(sp).append('"').append(opt).append("\",").append(nl);
        sb.append("\"lr\":").append(sp).append(a.lr()).append(',').append(nl);
        if (a.momentum() != Architecture.DEFAULT_MOMENTUM) {
            sb.append("\"momentum\":").append(sp).append(a.momentum()).append(',').append(nl);
        }
        sb.append("\"layers\":").append(sp).append('[');
        for (int i = 0; i < a.layers().size(); i++) {
            sb.append(i == 0 ? "" : ",").append(pretty ? "\n    " : "").append(layerJson(a.layers().get(i), sp));
        }
        sb.append(pretty ? "\n  ]\n}\n" : "]}");
        return sb.toString();
    }

    /** Writes {@code a} as a pretty model file, atomically. */
    public static void write(Path file, Architecture a) throws IOException {
        AtomicFiles.writeString(file, toJson(a, true));
    }

    private static String layerJson(LayerSpec l, String sp) {
        StringBuilder sb = new StringBuilder("{\"kind\":").append(sp).append('"').append(l.kind()).append('"');
        if (l instanceof LayerSpec.Linear x) fields(sb, sp, "in", x.in(), "out", x.out(), "bias", x.bias());
        if (l instanceof LayerSpec.Conv2d x) {
            fields(sb, sp, "in", x.in(), "out", x.out(), "kernel", x.kernel(), "stride", x.stride(), "padding",
                    x.padding(), "bias", x.bias());
        }
        if (l instanceof LayerSpec.MaxPool2d x) fields(sb, sp, "kernel", x.kernel(), "stride", x.stride());
        if (l instanceof LayerSpec.Dropout x) fields(sb, sp, "p", x.p());
        return sb.append('}').toString();
    }

    /** Appends {@code , "name": value} for each (name, value) pair; values are numbers or booleans. */
    private static void fields(StringBuilder sb, String sp, Object... nameValue) {
        for (int i = 0; i < nameValue.length; i += 2) {
            sb.append(',').append(sp).append('"').append(nameValue[i]).append("\":").append(sp)
                    .append(nameValue[i + 1]);
        }
    }

    private static String ints(int[] v, String sp) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : "," + sp).append(v[i]);
        return sb.append(']').toString();
    }

    /** One pass over the reader; every error names the source and, inside "layers", the layer index. */
    private static final class Parser {
        private final JsonReader r;
        private final String source, defaultName;

        Parser(JsonReader r, String source, String defaultName) {
            this.r = r;
            this.source = source;
            this.defaultName = defaultName;
        }

        private ModelFileException fail(String fault) { return new ModelFileException(source, fault); }

        Architecture model() throws IOException {
            expect(JsonToken.BEGIN_OBJECT, "the model file", "a JSON object {\"input\": [...], \"layers\": [...]}");
            r.beginObject();
            Set<String> seen = new HashSet<>();
            String name = defaultName, task = "classification", optimizer = "sgd";
            Float lr = null;
            float momentum = Architecture.DEFAULT_MOMENTUM;
            int[] input = null;
            List<LayerSpec> layers = null;
            while (r.hasNext()) {
                String f = r.nextName();
                if (!seen.add(f)) throw fail("field '" + f + "' appears twice");
                switch (f) {
                    case "name" -> name = string("field 'name'");
                    case "input" -> input = inputShape();
                    case "task" -> task = string("field 'task'");
                    case "optimizer" -> optimizer = string("field 'optimizer'");
                    case "lr" -> lr = number("field 'lr'");
                    case "momentum" -> momentum = number("field 'momentum'");
                    case "layers" -> layers = layers();
                    default -> throw fail("unknown field '" + f + "'; a model file has " + TOP);
                }
            }
            r.endObject();
            if (input == null) throw fail("missing field 'input' (the shape of one sample, e.g. [1, 28, 28])");
            if (layers == null) throw fail("missing field 'layers'");
            Task t = switch (task) {
                case "classification" -> Task.CLASSIFICATION;
                case "regression" -> Task.REGRESSION;
                default -> throw fail("field 'task' must be classification or regression, got '" + task + "'");
            };
            OptimizerKind o = switch (optimizer) {
                case "sgd" -> OptimizerKind.SGD;
                case "adam" -> OptimizerKind.ADAM;
                default -> throw fail("field 'optimizer' must be sgd or adam, got '" + optimizer + "'");
            };
            float rate = lr != null ? lr : o == OptimizerKind.ADAM ? 1e-3f : 0.05f;
            try {
                return new Architecture(name, input, layers, t, o, rate, momentum);
            } catch (IllegalArgumentException e) {
                throw fail(e.getMessage());
            }
        }

        private int[] inputShape() throws IOException {
            expect(JsonToken.BEGIN_ARRAY, "field 'input'", "an array of sizes, e.g. [1, 28, 28]");
            r.beginArray();
            List<Integer> dims = new ArrayList<>();
            while (r.hasNext()) dims.add(integer("field 'input'"));
            r.endArray();
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }

        private List<LayerSpec> layers() throws IOException {
            expect(JsonToken.BEGIN_ARRAY, "field 'layers'", "an array of layers");
            r.beginArray();
            List<LayerSpec> out = new ArrayList<>();
            while (r.hasNext()) out.add(layer(out.size()));
            r.endArray();
            return out;
        }

        /** One layer object: fields read as scalars first, then interpreted by kind. */
        private LayerSpec layer(int i) throws IOException {
            String at = "layer " + i;
            expect(JsonToken.BEGIN_OBJECT, at, "an object such as {\"kind\": \"relu\"}");
            r.beginObject();
            Map<String, Object> fields = new LinkedHashMap<>();
            while (r.hasNext()) {
                String f = r.nextName();
                if (fields.containsKey(f)) throw fail(at + ": field '" + f + "' appears twice");
                fields.put(f, scalar(at + ": field '" + f + "'"));
            }
            r.endObject();
            Object kindValue = fields.get("kind");
            if (kindValue == null) throw fail(at + ": missing field 'kind' (one of " + KINDS + ")");
            if (!(kindValue instanceof String kind)) throw fail(at + ": field 'kind' must be a string, one of "
                    + KINDS);
            List<String> allowed = FIELDS.get(kind);
            if (allowed == null) throw fail(at + ": unknown kind '" + kind + "'; known kinds: " + KINDS);
            at = at + " " + kind;
            for (String f : fields.keySet()) {
                if (!allowed.contains(f)) throw fail(at + ": unknown field '" + f + "'; " + kind + " has " + allowed);
            }
            Fields v = new Fields(fields, at);
            try {
                return switch (kind) {
                    case "linear" -> new LayerSpec.Linear(v.integer("in", null), v.integer("out", null),
                            v.bool("bias", true));
                    case "conv2d" -> new LayerSpec.Conv2d(v.integer("in", null), v.integer("out", null),
                            v.integer("kernel", null), v.integer("stride", 1), v.integer("padding", 0),
                            v.bool("bias", true));
                    case "maxpool2d" -> {
                        int k = v.integer("kernel", null);
                        yield new LayerSpec.MaxPool2d(k, v.integer("stride", k));
                    }
                    case "relu" -> new LayerSpec.ReLU();
                    case "flatten" -> new LayerSpec.Flatten();
                    case "dropout" -> new LayerSpec.Dropout(v.number("p", 0.5f));
                    default -> throw new IllegalStateException("unreachable: " + kind);
                };
            } catch (IllegalArgumentException e) { // the records' checks: "linear: field 'out' must be >= 1, got 0"
                throw fail("layer " + i + " " + e.getMessage());
            }
        }

        /** A layer's fields as read: String, Boolean or a number's literal text ({@link Num}). */
        private final class Fields {
            private final Map<String, Object> map;
            private final String at;

            Fields(Map<String, Object> map, String at) { this.map = map; this.at = at; }

            int integer(String f, Integer dflt) throws ModelFileException {
                Object o = map.get(f);
                if (o == null) {
                    if (dflt == null) throw fail(at + ": missing field '" + f + "'");
                    return dflt;
                }
                if (!(o instanceof Num n)) throw fail(at + ": field '" + f + "' must be an integer, got " + show(o));
                return toInt(n.text, at + ": field '" + f + "'");
            }

            boolean bool(String f, boolean dflt) throws ModelFileException {
                Object o = map.get(f);
                if (o == null) return dflt;
                if (!(o instanceof Boolean b)) throw fail(at + ": field '" + f + "' must be true or false, got "
                        + show(o));
                return b;
            }

            float number(String f, float dflt) throws ModelFileException {
                Object o = map.get(f);
                if (o == null) return dflt;
                if (!(o instanceof Num n)) throw fail(at + ": field '" + f + "' must be a number, got " + show(o));
                return toFloat(n.text, at + ": field '" + f + "'");
            }
        }

        private record Num(String text) {}

        private static String show(Object o) {
            return o instanceof String s ? "\"" + s + "\"" : o instanceof Num n ? n.text : String.valueOf(o);
        }

        private Object scalar(String what) throws IOException {
            JsonToken t = r.peek();
            return switch (t) {
                case STRING -> r.nextString();
                case NUMBER -> new Num(r.nextString());
                case BOOLEAN -> r.nextBoolean();
                default -> throw fail(what + " must be a number, string or true/false, got " + describe(t));
            };
        }

        private String string(String what) throws IOException {
            if (r.peek() != JsonToken.STRING) throw fail(what + " must be a string, got " + describe(r.peek()));
            return r.nextString();
        }

        private int integer(String what) throws IOException {
            if (r.peek() != JsonToken.NUMBER) throw fail(what + " must hold integers, got " + describe(r.peek()));
            return toInt(r.nextString(), what);
        }

        private float number(String what) throws IOException {
            if (r.peek() != JsonToken.NUMBER) throw fail(what + " must be a number, got " + describe(r.peek()));
            return toFloat(r.nextString(), what);
        }

        private int toInt(String text, String what) throws ModelFileException {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                boolean integral = text.matches("-?\\d+");
                throw fail(what + (integral ? " is out of range: " + text : " must be an integer, got " + text));
            }
        }

        private float toFloat(String text, String what) throws ModelFileException {
            float f;
            try {
                f = Float.parseFloat(text);
            } catch (NumberFormatException e) {
                throw fail(what + " must be a number, got " + text);
            }
            if (!Float.isFinite(f)) throw fail(what + " is out of range: " + text);
            return f;
        }

        private void expect(JsonToken want, String what, String expected) throws IOException {
            JsonToken t = r.peek();
            if (t != want) throw fail(what + " must be " + expected + ", got " + describe(t));
        }

        private static String describe(JsonToken t) {
            return switch (t) {
                case BEGIN_ARRAY -> "an array";
                case BEGIN_OBJECT -> "an object";
                case STRING -> "a string";
                case NUMBER -> "a number";
                case BOOLEAN -> "true/false";
                case NULL -> "null";
                case END_DOCUMENT -> "the end of the file";
                default -> t.name().toLowerCase(Locale.ROOT);
            };
        }
    }
}
