package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jprune.testutil.Properties;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A non-finite input is refused by both Dataset constructors with a message naming the sample and the feature
 * within it (row-major over the sample shape) and the value: the first one in sample order when there are several.
 */
class DatasetFiniteInputsTest {
    private static final float[] NON_FINITE = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    /** Property: one bad value placed at (sample, feature) of a random shape is named as exactly that. */
    @Test
    void theBadInputIsNamedBySampleAndFeature() {
        Properties.forAll("dataset non-finite input", 0, Duration.ofSeconds(5), r -> {
            int[] shape = new int[1 + r.nextInt(3)];
            int sampleSize = 1;
            for (int d = 0; d < shape.length; d++) sampleSize *= shape[d] = 1 + r.nextInt(5);
            int n = 1 + r.nextInt(6), sample = r.nextInt(n), feature = r.nextInt(sampleSize);
            float bad = NON_FINITE[r.nextInt(NON_FINITE.length)];
            float[] x = finite(r, n * sampleSize);
            x[sample * sampleSize + feature] = bad;
            if (sample + 1 < n && r.nextBoolean()) x[(sample + 1) * sampleSize + r.nextInt(sampleSize)] = Float.NaN;
            String expected = "input " + feature + " of sample " + sample + " is " + bad
                    + "; every input must be a finite number";
            IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                    () -> new Dataset("c", x, new int[n], shape, 2), Arrays.toString(shape));
            assertEquals("Dataset c: " + expected, c.getMessage());
            IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                    () -> Dataset.regression("g", x, new float[2 * n], shape, 2), Arrays.toString(shape));
            assertEquals("Dataset g: " + expected, g.getMessage());
        });
    }

    private static float[] finite(SplittableRandom r, int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float) r.nextGaussian() * 1e30f;
        return x;
    }

    /** The largest finite values and the smallest subnormal are inputs like any other. */
    @Test
    void finiteExtremesAreAccepted() {
        float[] x = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -0f};
        assertEquals(2, new Dataset("c", x, new int[] {0, 1}, new int[] {2}, 2).size());
        assertEquals(4, Dataset.regression("g", x, new float[4], new int[] {1}, 1).size());
    }
}
