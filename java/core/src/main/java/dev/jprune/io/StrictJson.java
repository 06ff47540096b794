package dev.jprune.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;

/**
 * JSON text to a Gson tree, strictly: RFC 8259 only (Gson's {@code JsonParser} is lenient: comments, single quotes,
 * unquoted names, NaN) and no object with a name twice (which {@code JsonParser} resolves silently, last one wins),
 * at any depth. Nesting deeper than {@link #MAX_DEPTH} is refused rather than overflowing the stack.
 */
final class StrictJson {
    static final int MAX_DEPTH = 64;

    private StrictJson() {}

    /**
     * The tree of {@code text}: one JSON value and nothing after it.
     *
     * @throws IOException (Gson's MalformedJsonException among them) whose message says what is wrong and where
     */
    static JsonElement parse(String text) throws IOException {
        JsonReader r = new JsonReader(new StringReader(text));
        r.setStrictness(Strictness.STRICT);
        JsonElement root = value(r, 0);
        if (r.peek() != JsonToken.END_DOCUMENT) throw new IOException("data after the JSON value at " + r.getPath());
        return root;
    }

    private static JsonElement value(JsonReader r, int depth) throws IOException {
        if (depth > MAX_DEPTH) throw new IOException("nested deeper than " + MAX_DEPTH + " levels at " + r.getPath());
        switch (r.peek()) {
            case BEGIN_OBJECT -> {
                JsonObject o = new JsonObject();
                r.beginObject();
                while (r.hasNext()) {
                    String name = r.nextName();
                    if (o.has(name)) throw new IOException("name '" + name + "' appears twice at " + r.getPath());
                    o.add(name, value(r, depth + 1));
                }
                r.endObject();
                return o;
            }
            case BEGIN_ARRAY -> {
                JsonArray a = new JsonArray();
                r.beginArray();
                while (r.hasNext()) a.add(value(r, depth + 1));
                r.endArray();
                return a;
            }
            case STRING -> { return new JsonPrimitive(r.nextString()); }
            case NUMBER -> { return new JsonPrimitive(new BigDecimal(r.nextString())); }
            case BOOLEAN -> { return new JsonPrimitive(r.nextBoolean()); }
            case NULL -> {
                r.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw new IOException("unexpected " + r.peek() + " at " + r.getPath());
        }
    }
}
