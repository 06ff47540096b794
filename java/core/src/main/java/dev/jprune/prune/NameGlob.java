package dev.jprune.prune;

import java.util.regex.Pattern;

/**
 * A shell-style pattern on tensor names, as Python's fnmatch reads it: {@code *} any run of characters (dots
 * included, so {@code layers.*.weight} matches {@code layers.3.mlp.weight}), {@code ?} one character, {@code [abc]},
 * {@code [a-z]} and {@code [!abc]} one character of (not of) a set; everything else is literal. Matches the whole
 * name, case-sensitively.
 */
final class NameGlob {
    private final String glob;
    private final Pattern regex;

    NameGlob(String glob) {
        if (glob == null || glob.isEmpty()) throw new IllegalArgumentException("empty name pattern");
        this.glob = glob;
        this.regex = Pattern.compile(toRegex(glob));
    }

    /** The pattern as given. */
    String glob() { return glob; }

    /** Whether {@code name} matches the whole pattern. */
    boolean matches(String name) { return regex.matcher(name).matches(); }

    private static String toRegex(String g) {
        StringBuilder r = new StringBuilder();
        int i = 0;
        while (i < g.length()) {
            char c = g.charAt(i++);
            if (c == '*') {
                r.append(".*");
            } else if (c == '?') {
                r.append('.');
            } else if (c == '[') {
                int j = i;
                if (j < g.length() && g.charAt(j) == '!') j++;
                if (j < g.length() && g.charAt(j) == ']') j++;
                while (j < g.length() && g.charAt(j) != ']') j++;
                if (j >= g.length()) {
                    r.append("\\["); // no closing bracket: a literal '[', as fnmatch does
                } else {
                    String set = g.substring(i, j);
                    i = j + 1;
                    boolean negate = set.startsWith("!");
                    if (negate) set = set.substring(1);
                    r.append('[').append(negate ? "^" : "");
                    for (char s : set.toCharArray()) {
                        if (s == '\\' || s == '[' || s == ']' || s == '^' || s == '&') r.append('\\');
                        r.append(s);
                    }
                    r.append(']');
                }
            } else {
                r.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return r.toString();
    }

    @Override
    public String toString() { return glob; }
}
