package dev.jprune.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DatasetTest {
    private static Dataset small() {
        float[] im = new float[5 * 2 * 3];
        for (int i = 0; i < im.length; i++) im[i] = i * 0.5f + 1;
        return new Dataset("s", im, new int[] {0, 1, 2, 1, 0}, new int[] {1, 2, 3}, 3);
    }

    @Test
    void subsetCopiesTheRightRows() {
        Dataset d = small();
        Dataset s = d.subset(1, 4);
        assertEquals(3, s.size());
        assertArrayEquals(new int[] {1, 2, 1}, s.labels());
        for (int i = 0; i < 3 * 6; i++) assertEquals(d.images()[6 + i], s.images()[i]);
        s.images()[0] = -99;
        assertNotEquals(-99, d.images()[6]); // independent copy
        assertEquals(0, d.subset(2, 2).size());
        assertThrows(IllegalArgumentException.class, () -> d.subset(3, 6));
        assertThrows(IllegalArgumentException.class, () -> d.subset(3, 2));
    }

    @Test
    void sampleAndTensorViews() {
        Dataset d = small();
        assertArrayEquals(new int[] {1, 2, 3}, d.sample(2).shape());
        assertEquals(d.images()[12], d.sample(2).data[0]);
        assertArrayEquals(new int[] {5, 1, 2, 3}, d.asTensor().shape());
        assertSame(d.images(), d.asTensor().data);
        assertThrows(IndexOutOfBoundsException.class, () -> d.sample(5));
        assertArrayEquals(new int[] {2, 2, 1}, d.classCounts());
    }

    @Test
    void concatKeepsOrder() {
        Dataset d = small();
        Dataset c = Dataset.concat("c", d.subset(3, 5), d.subset(0, 3));
        assertArrayEquals(new int[] {1, 0, 0, 1, 2}, c.labels());
        assertEquals(d.images()[18], c.images()[0]);
        assertEquals(d.images()[0], c.images()[12]);
        Dataset other = new Dataset("o", new float[6], new int[] {0}, new int[] {6}, 3);
        assertThrows(IllegalArgumentException.class, () -> Dataset.concat("bad", d, other));
    }

    @Test
    void constructorRejectsInconsistentInput() {
        assertThrows(IllegalArgumentException.class,
                () -> new Dataset("a", new float[5], new int[] {0}, new int[] {1, 2, 3}, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("a", new float[6], new int[] {2}, new int[] {6}, 2));
        assertTrue(e.getMessage().contains("label 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Dataset("a", new float[6], new int[] {-1}, new int[] {6}, 2));
        assertThrows(IllegalArgumentException.class,
                () -> new Dataset("a", new float[0], new int[0], new int[] {0}, 2));
        assertThrows(IllegalArgumentException.class,
                () -> new Dataset("a", new float[6], new int[] {0}, new int[] {6}, 0));
    }

    /**
     * A NaN or infinite input is refused where data enters the library, naming the sample and feature: ReLU maps NaN
     * to 0, so such a sample evaluated to a finite, meaningless prediction. (Targets were checked already.)
     */
    @Test
    void nonFiniteInputsAreRefusedNamingTheSample() {
        float[] x = new float[6];
        x[4] = Float.NaN;
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("a", x, new int[] {0, 1}, new int[] {3}, 2));
        assertTrue(c.getMessage().contains("sample 1") && c.getMessage().contains("NaN"), c.getMessage());
        x[4] = Float.NEGATIVE_INFINITY;
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class,
                () -> Dataset.regression("r", x, new float[2], new int[] {3}, 1));
        assertTrue(r.getMessage().contains("sample 1") && r.getMessage().contains("-Infinity"), r.getMessage());
        x[4] = Float.MAX_VALUE;
        assertEquals(2, Dataset.regression("r", x, new float[2], new int[] {3}, 1).size(), "finite extremes pass");
    }

    @Test
    void splitRequiresMatchingShapes() {
        Dataset d = small();
        Dataset other = new Dataset("o", new float[6], new int[] {0}, new int[] {6}, 3);
        assertThrows(IllegalArgumentException.class, () -> new Split(d, other));
        assertEquals(d, new Split(d, d.subset(0, 1)).train());
    }
}
