package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/**
 * RegressionData refuses NaN and infinite inputs and targets as {@link Dataset#regression} does: training on one used
 * to fail later as "training diverged", blaming the learning rate for the data.
 */
class RegressionDataFiniteTest {
    @Test
    void aNonFiniteInputOrTargetIsRefusedNamingTheSample() {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> new RegressionData("r", new float[] {1, 2, 3, Float.NaN}, 2, new float[] {0, 1}, 1));
        assertEquals("RegressionData r: input 1 of sample 1 is NaN; every input must be a finite number",
                x.getMessage());
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> new RegressionData("r", new float[] {1, 2}, 1, new float[] {0, Float.NEGATIVE_INFINITY}, 1));
        assertEquals("RegressionData r: target 0 of sample 1 is -Infinity; every target must be a finite number",
                t.getMessage());
        assertEquals(2, new RegressionData("r", new float[] {1, 2}, 1, new float[] {0, -3e38f}, 1).size());
    }
}
