package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.jprune.testutil.Mutations;
import dev.jprune.testutil.Properties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded checkpoint's index is read strictly: a name given twice (a tensor or "weight_map" itself — Gson keeps the
 * last one silently, which dropped tensors from the output), lenient JSON and text that is not UTF-8 are refused with
 * one SafeTensorsException naming the index; a damaged index never fails any other way.
 */
class CheckpointIndexTest {
    @TempDir Path dir;
    Path index;

    @BeforeEach
    void shards() throws IOException {
        SafeTensors.write(dir.resolve("s1.safetensors"), Map.of("a.weight", TensorEntry.f32(new float[6], 2, 3)),
                Map.of());
        SafeTensors.write(dir.resolve("s2.safetensors"), Map.of("b.weight", TensorEntry.f32(new float[4], 2, 2)),
                Map.of());
        index = dir.resolve("model.safetensors.index.json");
    }

    private SafeTensorsException refused(String json, String... fragments) throws IOException {
        Files.writeString(index, json);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> CheckpointFiles.open(index));
        assertTrue(e.getMessage().startsWith(index.toString()), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e;
    }

    @Test
    void namesGivenTwiceAreRefusedAtAnyDepth() throws IOException {
        refused("{\"weight_map\":{\"a.weight\":\"s1.safetensors\",\"a.weight\":\"s2.safetensors\","
                + "\"b.weight\":\"s2.safetensors\"}}", "'a.weight' appears twice");
        refused("{\"weight_map\":{\"a.weight\":\"s1.safetensors\"},\"weight_map\":{\"b.weight\":\"s2.safetensors\"}}",
                "'weight_map' appears twice");
        refused("{\"metadata\":{\"total_size\":1,\"total_size\":2},\"weight_map\":{\"a.weight\":\"s1.safetensors\","
                + "\"b.weight\":\"s2.safetensors\"}}", "'total_size' appears twice");
    }

    @Test
    void lenientJsonDeepNestingAndOtherEncodingsAreRefused() throws IOException {
        String map = "\"weight_map\":{\"a.weight\":\"s1.safetensors\",\"b.weight\":\"s2.safetensors\"}";
        refused("{" + map + "} // comment", "not valid JSON");
        refused("{" + map + ",'x':1}", "not valid JSON");
        refused("{" + map + ",\"x\":NaN}", "not valid JSON");
        refused("{" + map + "} {}", "not valid JSON");
        refused("{" + map + ",\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}", "nested deeper");
        String latin1 = "{\"weight_map\":{\"a.w\u00ff\":\"s1.safetensors\"}}";
        Files.write(index, latin1.getBytes(StandardCharsets.ISO_8859_1));
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> CheckpointFiles.open(index));
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    @Test
    void aValidIndexKeepsItsOtherEntriesExactly() throws IOException {
        Files.writeString(index, "{\"metadata\":{\"total_size\":40,\"note\":[1,2.5,true,null]},\"weight_map\":"
                + "{\"a.weight\":\"s1.safetensors\",\"b.weight\":\"s2.safetensors\"}}");
        CheckpointFiles f = CheckpointFiles.open(index);
        assertEquals(2, f.files().size());
        JsonElement out = JsonParser.parseString(f.indexJson(Map.of("a.weight", "s1.safetensors", "b.weight",
                "s2.safetensors"), 99));
        assertEquals(JsonParser.parseString("{\"metadata\":{\"total_size\":99,\"note\":[1,2.5,true,null]},"
                + "\"weight_map\":{\"a.weight\":\"s1.safetensors\",\"b.weight\":\"s2.safetensors\"}}"), out);
    }

    /** Property: a damaged index (edited JSON or bytes) opens, or fails with one SafeTensorsException line. */
    @Test
    void damagedIndexesFailOnlyWithSafeTensorsException() {
        String valid = "{\"metadata\":{\"total_size\":40},\"weight_map\":{\"a.weight\":\"s1.safetensors\","
                + "\"b.weight\":\"s2.safetensors\"}}";
        Properties.forAll("index mutations", 0, Duration.ofSeconds(10), r -> damaged(valid, r));
    }

    private void damaged(String valid, SplittableRandom r) throws IOException {
        byte[] bad;
        if (r.nextBoolean()) {
            String json = valid;
            for (int i = 1 + r.nextInt(3); i > 0; i--) json = Mutations.editJson(json, r);
            bad = json.getBytes(StandardCharsets.UTF_8);
        } else {
            byte[] v = valid.getBytes(StandardCharsets.UTF_8);
            bad = Mutations.mutate(v, 1 + r.nextInt(3), r, 0, v.length);
        }
        Files.write(index, bad);
        try {
            CheckpointFiles.open(index);
        } catch (SafeTensorsException e) { // about the index, or about a shard and the index that names it
            assertTrue(e.getMessage().contains(index.toString()), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }

    /** An index of exactly MAX_INDEX_BYTES (whitespace after the JSON) opens; one byte more is refused unread. */
    @Test
    void anIndexOfTheLargestSizeOpensAndOneByteMoreIsRefused() throws IOException {
        byte[] json = ("{\"weight_map\":{\"a.weight\":\"s1.safetensors\",\"b.weight\":\"s2.safetensors\"}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] padded = new byte[(int) CheckpointFiles.MAX_INDEX_BYTES];
        java.util.Arrays.fill(padded, (byte) ' ');
        System.arraycopy(json, 0, padded, 0, json.length);
        Files.write(index, padded);
        assertEquals(2, CheckpointFiles.open(index).tensors().size());
        Files.write(index, new byte[] {' '}, java.nio.file.StandardOpenOption.APPEND);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> CheckpointFiles.open(index));
        assertEquals(index + ": " + (CheckpointFiles.MAX_INDEX_BYTES + 1) + " bytes; an index is at most "
                + CheckpointFiles.MAX_INDEX_BYTES + " bytes (not a sharded-checkpoint index?)", e.getMessage());
    }

    /** JSON that is not an object holding a "weight_map" object (null, an array, a map that is a string) is named. */
    @Test
    void validJsonThatIsNotAnIndexIsRefusedAsNotAnIndex() throws IOException {
        for (String json : new String[] {"null", "[]", "\"x\"", "{}", "{\"weight_map\":null}",
                "{\"weight_map\":[\"s1.safetensors\"]}"}) {
            refused(json, "not a sharded-checkpoint index: expected {\"weight_map\": {tensor: shard file}}");
        }
    }
}
