package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.testutil.Properties;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link NameGlob} matches as Python's fnmatch.fnmatchcase reads a pattern, checked against an independent
 * backtracking matcher on random patterns built from the characters that carry meaning ({@code * ? [ ] !}) and
 * literals, including the corner cases of brackets: {@code []]} and {@code [!]]} (a ']' first in a set is a member),
 * {@code [!]} and an unclosed {@code [} (literal).
 */
class NameGlobPropertyTest {
    private static final String[] PIECES = {"a", "b", ".", "*", "?", "[", "]", "!", "[!", "[]", "[!]", "[a]", "]]"};
    private static final char[] NAME_CHARS = {'a', 'b', '.', '[', ']', '!'};

    @Test
    void matchesAsFnmatchOnRandomPatternsAndNames() {
        Properties.forAll("NameGlob = fnmatch", 0, Duration.ofSeconds(10), r -> {
            for (int p = 0; p < 20; p++) {
                String pattern = pattern(r);
                NameGlob glob = new NameGlob(pattern);
                assertEquals(pattern, glob.glob());
                assertEquals(pattern, glob.toString());
                for (int k = 0; k < 20; k++) {
                    String name = name(r);
                    assertEquals(fnmatch(pattern, 0, name, 0), glob.matches(name),
                            "pattern '" + pattern + "' on '" + name + "'");
                }
            }
        });
    }

    @Test
    void bracketCornerCases() {
        assertTrue(new NameGlob("[]]").matches("]"), "']' first is a member");
        assertFalse(new NameGlob("[]]").matches("a"));
        assertTrue(new NameGlob("[!]]").matches("a"), "'!' then ']' first: any character but ']'");
        assertFalse(new NameGlob("[!]]").matches("]"));
        assertTrue(new NameGlob("[]a]x").matches("ax"));
        assertTrue(new NameGlob("[!]").matches("[!]"), "no closing bracket after '!': literal");
        assertTrue(new NameGlob("w[0-9].b").matches("w7.b"), "ranges");
        assertFalse(new NameGlob("w[0-9].b").matches("wx.b"));
        assertThrows(IllegalArgumentException.class, () -> new NameGlob(""));
    }

    private static String pattern(SplittableRandom r) {
        StringBuilder b = new StringBuilder();
        int n = 1 + r.nextInt(5);
        for (int i = 0; i < n; i++) b.append(PIECES[r.nextInt(PIECES.length)]);
        return b.toString();
    }

    private static String name(SplittableRandom r) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) b.append(NAME_CHARS[r.nextInt(NAME_CHARS.length)]);
        return b.toString();
    }

    /** fnmatch semantics without ranges, by backtracking over pattern and name (no regular expression). */
    static boolean fnmatch(String p, int pi, String s, int si) {
        if (pi == p.length()) return si == s.length();
        char c = p.charAt(pi);
        if (c == '*') {
            for (int k = si; k <= s.length(); k++) if (fnmatch(p, pi + 1, s, k)) return true;
            return false;
        }
        if (c == '?') return si < s.length() && fnmatch(p, pi + 1, s, si + 1);
        if (c == '[') {
            int j = pi + 1;
            if (j < p.length() && p.charAt(j) == '!') j++;
            if (j < p.length() && p.charAt(j) == ']') j++;
            while (j < p.length() && p.charAt(j) != ']') j++;
            if (j < p.length()) {
                String set = p.substring(pi + 1, j);
                boolean negate = set.startsWith("!");
                if (negate) set = set.substring(1);
                if (si >= s.length()) return false;
                boolean member = set.indexOf(s.charAt(si)) >= 0;
                return member != negate && fnmatch(p, j + 1, s, si + 1);
            }
        }
        return si < s.length() && s.charAt(si) == c && fnmatch(p, pi + 1, s, si + 1);
    }
}
