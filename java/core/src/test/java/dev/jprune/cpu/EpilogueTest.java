package dev.jprune.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/** The epilogues' vector path gives the scalar path's bits, ±0, NaN and infinities included, at odd lengths. */
class EpilogueTest {
    private static final float[] SPECIAL = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        -1e-30f, 1e-30f, -2f, 3f};

    /**
     * biasRow (a bias per column, in place) equals its scalar twin bit for bit for lengths around the vector width,
     * with and without ReLU, at an offset into y and into the bias; elements outside [off, off + len) keep their
     * poison.
     */
    @Test
    void biasRowVectorEqualsScalarBitForBit() {
        Rng rng = new Rng(5);
        for (int len : new int[] {1, 7, 15, 16, 17, 33, 129}) {
            for (int trial = 0; trial < 4; trial++) {
                boolean relu = trial % 2 == 1;
                int off = 3, bo = trial < 2 ? 0 : 2;
                float[] y = new float[off + len + 5], bias = new float[bo + len];
                for (int i = 0; i < y.length; i++) {
                    y[i] = i % 4 == 0 ? SPECIAL[i % SPECIAL.length] : rng.nextFloat() - .5f;
                }
                for (int j = 0; j < bias.length; j++) {
                    bias[j] = j % 5 == 0 ? SPECIAL[(j / 5) % SPECIAL.length] : rng.nextFloat();
                }
                float[] fast = y.clone(), slow = y.clone();
                fast[0] = slow[0] = Float.NaN; // poison outside the row
                fast[y.length - 1] = slow[y.length - 1] = Float.NaN;
                Epilogue.biasRow(fast, off, bias, bo, len, relu);
                Epilogue.biasRowScalar(slow, off, bias, bo, len, relu);
                for (int i = 0; i < y.length; i++) {
                    assertEquals(Float.floatToRawIntBits(slow[i]), Float.floatToRawIntBits(fast[i]),
                            "len " + len + " relu " + relu + " bias offset " + bo + " element " + i);
                }
                assertEquals(Float.floatToRawIntBits(Float.NaN), Float.floatToRawIntBits(fast[0]), "before the row");
                for (int j = 0; j < len; j++) {
                    float want = y[off + j] + bias[bo + j];
                    if (relu) want = want > 0f ? want : 0f;
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(fast[off + j]),
                            "definition at column " + j);
                }
            }
        }
    }
}
