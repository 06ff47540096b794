package dev.jprune.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.testutil.Mutations;
import dev.jprune.testutil.Properties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property (seeded random mutation, D39): a valid model file — one of the bundled seven or a random valid chain,
 * pretty or compact — edited at random (JSON edits from {@link Mutations#editJson}, and model-level edits: a field
 * dropped, a size replaced by another or a negative one, a kind renamed, layers swapped, duplicated or removed) is
 * either still valid, and then reads back equal after writing, or is refused with a {@link ModelFileException} naming
 * the source: never another exception, an OutOfMemoryError or a hang.
 */
class ModelFilePropertyTest {
    private static final String[] KINDS = {"linear", "conv2d", "maxpool2d", "relu", "flatten", "dropout", "gelu",
            "Linear", ""};
    private static final String[] FIELDS = {"\"in\": ", "\"out\": ", "\"kernel\": ", "\"stride\": ", "\"padding\": ",
        "\"bias\": ", "\"p\": ", "\"input\": "};

    @Test
    void mutatedModelFilesReadBackOrFailOnlyWithModelFileException() {
        Properties.forAll("model file mutations", 0, Duration.ofSeconds(20), ModelFilePropertyTest::mutated);
    }

    private static void mutated(SplittableRandom r) throws ModelFileException {
        Architecture valid = r.nextInt(3) == 0 ? Models.architecture(Models.NAMES.get(r.nextInt(Models.NAMES.size())))
                : randomChain(r);
        String json = ModelFile.toJson(valid, r.nextBoolean());
        for (int i = 1 + r.nextInt(3); i > 0; i--) json = r.nextBoolean() ? Mutations.editJson(json, r)
                : editModel(json, r);
        Architecture a;
        try {
            a = ModelFile.parse(json, "mutant.json", "mutant");
        } catch (ModelFileException e) {
            assertTrue(e.getMessage().startsWith("mutant.json: "), e.getMessage());
            return;
        }
        // Still valid: it describes a model that chains, and its canonical form reads back as the same architecture.
        assertEquals(a, ModelFile.parse(ModelFile.toJson(a, false), "again", "x"));
        assertEquals(a.outputs(), a.outputShape()[0]);
    }

    /** A random valid architecture: optional conv/pool/flatten front, then linear layers with ReLU/dropout. */
    static Architecture randomChain(SplittableRandom r) {
        Architecture.Builder b;
        int features;
        if (r.nextBoolean()) {
            int c = 1 + r.nextInt(3), h = 6 + r.nextInt(10), f = 1 + r.nextInt(4), k = 1 + r.nextInt(3);
            int s = 1 + r.nextInt(2), p = r.nextInt(2);
            b = Architecture.builder(c, h, h).conv2d(c, f, k, s, p, r.nextBoolean()).relu();
            int o = (h + 2 * p - k) / s + 1;
            if (o >= 2 && r.nextBoolean()) { b.maxpool2d(2, 2); o = (o - 2) / 2 + 1; }
            b.flatten();
            features = f * o * o;
        } else {
            features = 1 + r.nextInt(50);
            b = Architecture.builder(features);
        }
        for (int layers = 1 + r.nextInt(4), i = 0; i < layers; i++) {
            int out = 1 + r.nextInt(40);
            b.linear(features, out, r.nextBoolean());
            if (i + 1 < layers) {
                b.relu();
                if (r.nextInt(4) == 0) b.dropout(r.nextInt(10) / 10f);
            }
            features = out;
        }
        return b.name("random-" + r.nextInt(1000)).build();
    }

    /** One model-level edit of the JSON text. */
    static String editModel(String json, SplittableRandom r) {
        switch (r.nextInt(5)) {
            case 0: { // drop a "field": value pair
                int at = json.indexOf(FIELDS[r.nextInt(FIELDS.length)]);
                if (at < 0) return json;
                int end = at;
                while (end < json.length() && json.charAt(end) != ',' && json.charAt(end) != '}') end++;
                return json.substring(0, at) + json.substring(Math.min(json.length(), end + 1));
            }
            case 1: { // a size replaced
                String f = FIELDS[r.nextInt(5)];
                int at = json.indexOf(f);
                if (at < 0) return json;
                int from = at + f.length(), end = from;
                while (end < json.length() && (Character.isDigit(json.charAt(end)) || json.charAt(end) == '-')) end++;
                int[] values = {-1, 0, 1, 2, 3, 784, 1 << 20, Integer.MAX_VALUE};
                return json.substring(0, from) + values[r.nextInt(values.length)] + json.substring(end);
            }
            case 2: // a kind renamed
                return json.replaceFirst("\"kind\": ?\"[a-z0-9]+\"", "\"kind\": \"" + KINDS[r.nextInt(KINDS.length)]
                        + "\"");
            default: { // layers swapped, duplicated or removed
                int open = json.indexOf("\"layers\":"), start = json.indexOf('[', open), end = json.lastIndexOf(']');
                if (open < 0 || start < 0 || end < start) return json;
                List<String> layers = new ArrayList<>(List.of(json.substring(start + 1, end).split("(?<=\\}),")));
                if (layers.size() < 2) return json;
                int i = r.nextInt(layers.size()), j = r.nextInt(layers.size());
                switch (r.nextInt(3)) {
                    case 0 -> { String t = layers.get(i); layers.set(i, layers.get(j)); layers.set(j, t); }
                    case 1 -> layers.add(i, layers.get(j));
                    default -> layers.remove(i);
                }
                return json.substring(0, start + 1) + String.join(",", layers) + json.substring(end);
            }
        }
    }
}
