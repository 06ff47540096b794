package dev.jprune.io;

import static dev.jprune.io.StBytes.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer orders same-dtype tensors by name as the reference crate does (Rust's byte-wise UTF-8 order = code
 * point order): a name that is a prefix of another comes first, and characters beyond U+FFFF sort after U+FFxx
 * (Java's UTF-16 compareTo would put them before).
 */
class SafeTensorsOrderTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmpdirExists() throws IOException {
        StBytes.ensureTmpdir();
    }

    @Test
    void aNameThatIsAPrefixOfAnotherComesFirstInHeaderAndData() throws IOException {
        // Inserted in an order that is neither sorted nor reversed; expected: code point order.
        List<String> insert = List.of("w.b", "wa", "w", "w.", "x\uFF5E", "x\uD83D\uDE00", "x", "layer.10",
                "layer.1", "layer");
        List<String> sorted = List.of("layer", "layer.1", "layer.10", "w", "w.", "w.b", "wa", "x", "x\uFF5E",
                "x\uD83D\uDE00");
        Map<String, TensorSource> m = new LinkedHashMap<>();
        for (int i = 0; i < insert.size(); i++) m.put(insert.get(i), TensorEntry.u8(bytes(i), 1));
        Path p = dir.resolve("prefix.safetensors");
        SafeTensors.write(p, m, Map.of());

        StringBuilder json = new StringBuilder("{");
        List<byte[]> data = new ArrayList<>();
        for (int k = 0; k < sorted.size(); k++) {
            if (k > 0) json.append(',');
            json.append('"').append(sorted.get(k)).append("\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[")
                    .append(k).append(',').append(k + 1).append("]}");
            data.add(bytes(insert.indexOf(sorted.get(k))));
        }
        json.append('}');
        assertArrayEquals(file(json.toString(), data.toArray(new byte[0][])), Files.readAllBytes(p));
        SafeTensorFile back = SafeTensors.read(p);
        assertEquals(sorted, new ArrayList<>(back.tensors().keySet()), "read back in data order");
        for (String name : insert) assertArrayEquals(bytes(insert.indexOf(name)), back.get(name).bytes(), name);
    }

    /** Equal names cannot occur in a map; two names equal up to the shorter one's length differ only by length. */
    @Test
    void orderIsByLengthOnlyWhenOneNameIsThePrefix() throws IOException {
        Map<String, TensorSource> m = new LinkedHashMap<>();
        m.put("ab", TensorEntry.u8(bytes(2), 1));
        m.put("abc", TensorEntry.u8(bytes(3), 1));
        m.put("a", TensorEntry.u8(bytes(1), 1));
        m.put("b", TensorEntry.u8(bytes(4), 1));
        Path p = dir.resolve("abc.safetensors");
        SafeTensors.write(p, m, null);
        assertEquals(List.of("a", "ab", "abc", "b"), new ArrayList<>(SafeTensors.read(p).tensors().keySet()));
    }
}
