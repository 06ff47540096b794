package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.jprune.testutil.Properties;
import java.io.IOException;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * StrictJson reads every RFC 8259 document as Gson's lenient parser does (its twin on valid input), refuses nesting
 * past {@link StrictJson#MAX_DEPTH} levels below the top value, arrays and objects alike, and gives a top-level
 * {@code null} as JsonNull, never as a Java null.
 */
class StrictJsonTest {
    /** Property: a random valid document (no name twice) parses to the same tree as Gson's JsonParser gives. */
    @Test
    void validDocumentsParseAsGsonParsesThem() {
        Properties.forAll("strict json twin", 0, Duration.ofSeconds(10), r -> {
            JsonElement tree = randomTree(r, 0);
            String text = tree.toString();
            assertEquals(JsonParser.parseString(text), StrictJson.parse(text), text);
            String spaced = " \n\t" + text + "\r\n "; // whitespace around the value is allowed
            assertEquals(JsonParser.parseString(text), StrictJson.parse(spaced), text);
        });
    }

    private static JsonElement randomTree(SplittableRandom r, int depth) {
        int kind = r.nextInt(depth >= 4 ? 4 : 6);
        switch (kind) {
            case 0: return JsonNull.INSTANCE;
            case 1: return new JsonPrimitive(r.nextBoolean());
            case 2: return new JsonPrimitive(r.nextBoolean() ? (Number) r.nextLong() : (Number) (r.nextDouble() * 1e6));
            case 3: return new JsonPrimitive("s\"\\\u00e9\n" + r.nextInt(100));
            case 4: {
                JsonArray a = new JsonArray();
                for (int i = r.nextInt(4); i > 0; i--) a.add(randomTree(r, depth + 1));
                return a;
            }
            default: {
                JsonObject o = new JsonObject();
                for (int i = r.nextInt(4); i > 0; i--) o.add("k" + i, randomTree(r, depth + 1));
                return o;
            }
        }
    }

    private static String arrays(int levels) {
        return "[".repeat(levels) + "]".repeat(levels);
    }

    private static String objects(int levels) {
        return "{\"a\":".repeat(levels - 1) + "{}" + "}".repeat(levels - 1);
    }

    /** MAX_DEPTH levels below the top value are read; one more is refused, for arrays and for objects. */
    @Test
    void nestingIsReadUpToTheLimitAndRefusedOneLevelPast() throws IOException {
        int top = StrictJson.MAX_DEPTH + 1; // the top value plus MAX_DEPTH levels inside it
        assertEquals(JsonParser.parseString(arrays(top)), StrictJson.parse(arrays(top)));
        assertEquals(JsonParser.parseString(objects(top)), StrictJson.parse(objects(top)));
        for (String deep : new String[] {arrays(top + 1), objects(top + 1), objects(20_000)}) {
            IOException e = assertThrows(IOException.class, () -> StrictJson.parse(deep));
            assertTrue(e.getMessage().startsWith("nested deeper than " + StrictJson.MAX_DEPTH + " levels at $"),
                    e.getMessage());
        }
    }

    /** A document that is only null is JsonNull (a caller asks it isJsonObject), as Gson gives it. */
    @Test
    void aTopLevelNullIsJsonNull() throws IOException {
        assertEquals(JsonNull.INSTANCE, StrictJson.parse("null"));
        assertEquals(JsonParser.parseString("[null,{\"a\":null}]"), StrictJson.parse("[null,{\"a\":null}]"));
    }

    /** Whatever follows the one value is refused, saying where (Gson's strict reader stops at the second value). */
    @Test
    void dataAfterTheValueIsRefused() {
        IOException e = assertThrows(IOException.class, () -> StrictJson.parse("{\"a\":1} 2"));
        assertTrue(e.getMessage().contains("line 1 column 10"), e.getMessage());
        assertThrows(IOException.class, () -> StrictJson.parse("[1] // x"));
        assertThrows(IOException.class, () -> StrictJson.parse(""));
    }
}
