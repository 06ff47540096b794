package dev.jprune.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link MaxPool2x2#poolScalar}: per output row, LANES / 2 outputs at a time from four
 * contiguous loads of the two input rows (columns j .. j + LANES and j + 1 .. j + LANES + 1): lane 2i then holds
 * window i's corners, compared in the scalar order (b, c, d against the running max, strictly greater replaces), and
 * one permute gathers the even lanes. The odd lanes straddle two windows and are dropped. A block that sees a NaN,
 * and rows of fewer than LANES / 2 outputs, go to the scalar code. No gathers: JDK 17 compiled
 * {@code fromArray} with an index map to its slow Java fallback in some JVMs (5-10x slower, measured).
 */
final class VectorMaxPool2x2 {
    private VectorMaxPool2x2() {}

    private static final VectorSpecies<Float> S = VectorShape.S;
    private static final int L = VectorShape.LANES, HALF = L / 2;
    private static final VectorShuffle<Float> EVEN_LANES = VectorShuffle.fromOp(S, i -> 2 * i % L);
    /** Per-thread store for one block's permuted maxima, so that a steady stream of calls allocates nothing. */
    private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[L]);

    /** Runs every kernel on small arrays until C2 has compiled them: see {@link VectorWarmUp}. */
    static void warmUp() {
        int h = 4, w = 2 * L + 6;
        int[] corner = MaxPool2x2.corners(h, w);
        float[] x = new float[2 * h * w], y = new float[2 * corner.length];
        for (int i = 0; i < 20_000; i++) pool(x, 0, h, w, corner, y, 0, 0, 2);
    }

    static void pool(float[] x, int xOff, int h, int w, int[] corner, float[] y, int yOff, int from, int to) {
        int oh = h / 2, ow = w / 2, outs = corner.length;
        float[] out = BLOCK.get();
        for (int pl = from; pl < to; pl++) {
            int base = xOff + pl * h * w, yPlane = yOff + pl * outs;
            for (int oy = 0; oy < oh; oy++) {
                int r0 = base + 2 * oy * w, r1 = r0 + w, q = oy * ow;
                // blocks of HALF outputs; the last one moved back to end at ow (its overlap is recomputed, same
                // values). Lane L-1 of b and d reads one float past the window row: junk, dropped with the odd lanes
                if (ow < HALF || r1 + 2 * (ow - HALF) + L + 1 > x.length) {
                    MaxPool2x2.outputs(x, base, w, corner, q, q + ow, y, yPlane);
                    continue;
                }
                for (int ox = 0; ox < ow; ox += HALF) {
                    block(x, r0, r1, 2 * Math.min(ox, ow - HALF), base, w, corner, q + Math.min(ox, ow - HALF), y,
                            yPlane, out);
                }
            }
        }
    }

    /** Outputs q .. q + HALF of a row whose windows start at column j of rows r0 and r1. */
    private static void block(float[] x, int r0, int r1, int j, int base, int w, int[] corner, int q, float[] y,
                              int yPlane, float[] out) {
        FloatVector a = FloatVector.fromArray(S, x, r0 + j), b = FloatVector.fromArray(S, x, r0 + j + 1);
        FloatVector c = FloatVector.fromArray(S, x, r1 + j), d = FloatVector.fromArray(S, x, r1 + j + 1);
        VectorMask<Float> nan = a.test(VectorOperators.IS_NAN).or(b.test(VectorOperators.IS_NAN))
                .or(c.test(VectorOperators.IS_NAN)).or(d.test(VectorOperators.IS_NAN));
        if (nan.anyTrue()) { // rare: the scalar code, whose NaN windows take the general rule
            MaxPool2x2.outputs(x, base, w, corner, q, q + HALF, y, yPlane);
            return;
        }
        FloatVector m = a.blend(b, b.compare(VectorOperators.GT, a));
        m = m.blend(c, c.compare(VectorOperators.GT, m));
        m.blend(d, d.compare(VectorOperators.GT, m)).rearrange(EVEN_LANES).intoArray(out, 0);
        System.arraycopy(out, 0, y, yPlane + q, HALF);
    }
}
