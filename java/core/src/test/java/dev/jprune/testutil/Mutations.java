package dev.jprune.testutil;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Random damage to valid file bytes, for the property-based parser tests: truncation, bit flips, overwritten length
 * fields, inserted and deleted bytes, and edits of a JSON region (numbers replaced by extreme ones, characters dropped
 * or doubled, structure characters inserted). Deterministic for a given random source.
 */
public final class Mutations {
    private Mutations() {}

    /** Numbers that break length and offset arithmetic when they land in a header. */
    static final long[] EXTREME_LONGS = {0, 1, -1, 7, 8, 255, 256, 65535, Integer.MAX_VALUE, 1L << 31, 1L << 32,
        Long.MAX_VALUE, Long.MIN_VALUE, 100_000_000L, 100_000_001L, (1L << 62) + 3};
    static final String[] JSON_NUMBERS = {"-1", "0", "1", "-0", "1.5", "1e3", "1e309", "2147483647", "2147483648",
        "4294967296", "9223372036854775807", "9223372036854775808", "99999999999999999999999", "NaN", "null", "\"3\"",
        "[]", "{}"};
    static final String[] JSON_JUNK = {"\"", "{", "}", "[", "]", ",", ":", "\\", "\u0000", "\"__metadata__\":{},",
            "\"x\":1,", "\uD800", "é"};

    /** Applies {@code count} random mutations (each picked from all kinds) to a copy of {@code b}. */
    public static byte[] mutate(byte[] b, int count, SplittableRandom r, int jsonFrom, int jsonTo) {
        byte[] out = b.clone();
        for (int i = 0; i < count; i++) out = mutateOnce(out, r, jsonFrom, Math.min(jsonTo, out.length));
        return out;
    }

    static byte[] mutateOnce(byte[] b, SplittableRandom r, int jsonFrom, int jsonTo) {
        int kind = r.nextInt(jsonTo > jsonFrom ? 7 : 6);
        switch (kind) {
            case 0: // truncate
                return Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length));
            case 1: { // flip 1..8 bits
                byte[] o = b.clone();
                for (int k = 1 + r.nextInt(8); k > 0 && o.length > 0; k--) {
                    int at = r.nextInt(o.length);
                    o[at] ^= (byte) (1 << r.nextInt(8));
                }
                return o;
            }
            case 2: { // a length field overwritten (little- or big-endian, 4 or 8 bytes)
                if (b.length < 8) return b;
                byte[] o = b.clone();
                long v = EXTREME_LONGS[r.nextInt(EXTREME_LONGS.length)] + (r.nextBoolean() ? 0 : r.nextInt(17) - 8);
                int width = r.nextBoolean() ? 8 : 4;
                int at = r.nextInt(4) == 0 ? r.nextInt(o.length - width + 1) : 4 * r.nextInt(Math.min(4,
                        (o.length - width) / 4 + 1));
                boolean little = r.nextBoolean();
                for (int i = 0; i < width; i++) o[at + i] = (byte) (v >>> (8 * (little ? i : width - 1 - i)));
                return o;
            }
            case 3: { // insert random bytes
                int at = r.nextInt(b.length + 1), n = 1 + r.nextInt(16);
                byte[] ins = new byte[n];
                r.nextBytes(ins);
                return splice(b, at, at, ins);
            }
            case 4: { // delete a range
                if (b.length == 0) return b;
                int at = r.nextInt(b.length), n = 1 + r.nextInt(Math.min(64, b.length - at));
                return splice(b, at, at + n, new byte[0]);
            }
            case 5: // append garbage
                byte[] tail = new byte[1 + r.nextInt(64)];
                r.nextBytes(tail);
                return splice(b, b.length, b.length, tail);
            default: {
                String json = new String(b, jsonFrom, jsonTo - jsonFrom, StandardCharsets.UTF_8);
                return replaceRegion(b, jsonFrom, jsonTo, editJson(json, r));
            }
        }
    }

    /**
     * One edit of JSON text: a number replaced by an extreme one (or a non-number), or a character dropped, doubled,
     * or a structural/odd character inserted.
     */
    public static String editJson(String json, SplittableRandom r) {
        if (json.isEmpty()) return json;
        if (r.nextBoolean()) {
            int start = -1, at = r.nextInt(json.length());
            for (int i = at; i < json.length() + at && start < 0; i++) {
                if (Character.isDigit(json.charAt(i % json.length()))) start = i % json.length();
            }
            if (start >= 0) {
                int end = start;
                while (end < json.length() && Character.isDigit(json.charAt(end))) end++;
                return json.substring(0, start) + JSON_NUMBERS[r.nextInt(JSON_NUMBERS.length)] + json.substring(end);
            }
        }
        int at = r.nextInt(json.length());
        return switch (r.nextInt(3)) {
            case 0 -> json.substring(0, at) + json.substring(at + 1);
            case 1 -> json.substring(0, at) + json.charAt(at) + json.substring(at);
            default -> json.substring(0, at) + JSON_JUNK[r.nextInt(JSON_JUNK.length)] + json.substring(at);
        };
    }

    /** b with [from, to) replaced by {@code text} as UTF-8; length fields are not adjusted (callers may fix them). */
    static byte[] replaceRegion(byte[] b, int from, int to, String text) {
        return splice(b, from, to, text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] splice(byte[] b, int from, int to, byte[] ins) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(b, 0, from);
        o.writeBytes(ins);
        o.write(b, to, b.length - to);
        return o.toByteArray();
    }
}
