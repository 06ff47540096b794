package dev.jprune.testutil;

import static org.junit.jupiter.api.Assertions.fail;

/** The one tolerance rule: |actual − expected| ≤ atol + rtol·|expected|, worst element reported on failure. */
public final class Close {
    private Close() {}

    public static void assertClose(String what, float[] expected, float[] actual, int n, double rtol, double atol) {
        int worst = -1; double worstExcess = 0;
        for (int i = 0; i < n; i++) {
            double e = expected[i], a = actual[i];
            double excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
            if (Double.isNaN(a) != Double.isNaN(e) || Double.isNaN(excess)) {
                worst = i; worstExcess = Double.POSITIVE_INFINITY; break;
            }
            if (excess > worstExcess) { worstExcess = excess; worst = i; }
        }
        if (worst >= 0) {
            fail(what + ": worst element " + worst + " expected " + expected[worst] + " got " + actual[worst]
                    + " (|diff| " + Math.abs((double) actual[worst] - expected[worst]) + " > atol " + atol + " + rtol "
                    + rtol + "·|expected|)");
        }
    }

    public static void assertClose(String what, float[] expected, float[] actual, double rtol, double atol) {
        if (expected.length != actual.length)
            fail(what + ": length " + actual.length + " != expected " + expected.length);
        assertClose(what, expected, actual, expected.length, rtol, atol);
    }
}
