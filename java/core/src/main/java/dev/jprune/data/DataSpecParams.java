package dev.jprune.data;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The {@code key=value,...} parameters of a generated data set's specification ("synthetic-regression:n=100"). */
final class DataSpecParams {
    private final String kind;
    private final Map<String, String> values = new LinkedHashMap<>();

    /**
     * Parses the text after "{@code kind:}" (may be empty), accepting only {@code known} keys.
     *
     * @throws IllegalArgumentException naming the data specification and the bad parameter
     */
    DataSpecParams(String kind, String params, Set<String> known) {
        this.kind = kind;
        if (params == null || params.isBlank()) return;
        for (String part : params.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--data " + kind + ": parameter '" + p
                    + "' must look like key=value");
            String k = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (!known.contains(k)) {
                throw new IllegalArgumentException("--data " + kind + ": unknown parameter '" + k + "'; known: "
                        + String.join(", ", known));
            }
            if (values.put(k, p.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("--data " + kind + ": parameter '" + k + "' given twice");
            }
        }
    }

    String string(String key, String dflt) { return values.getOrDefault(key, dflt); }

    int integer(String key, int dflt, int min, int max) {
        String v = values.get(key);
        if (v == null) return dflt;
        int x;
        try {
            x = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--data " + kind + ": " + key + "=" + v + " is not a whole number");
        }
        if (x < min || x > max) throw new IllegalArgumentException("--data " + kind + ": " + key + " must be in ["
                + min + ", " + max + "], got " + x);
        return x;
    }

    long longValue(String key, long dflt) {
        String v = values.get(key);
        if (v == null) return dflt;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--data " + kind + ": " + key + "=" + v + " is not a whole number");
        }
    }

    double number(String key, double dflt) {
        String v = values.get(key);
        if (v == null) return dflt;
        return parse(key, v);
    }

    double parse(String key, String v) {
        double x;
        try {
            x = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--data " + kind + ": " + key + "=" + v + " is not a number");
        }
        if (!Double.isFinite(x)) throw new IllegalArgumentException("--data " + kind + ": " + key
                + " must be finite, got " + v);
        return x;
    }
}
