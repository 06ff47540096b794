package dev.jprune.sparse;

import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Layer;
import dev.jprune.nn.MaxPool2d;

/**
 * Kernel size, stride and padding of Conv2d / MaxPool2d layers. Those classes expose only their Parameters, so the
 * geometry is recovered from their documented output-size contract, OH = ⌊(H + 2·pad − k)/stride⌋ + 1 (pad = 0 for
 * MaxPool2d), by asking {@link Layer#outputShape} for square inputs H = 1, 2, …: OH steps up every {@code stride}
 * sizes, and at a step H₀, (H₀ + 2·pad − k) = stride·(OH(H₀) − 1) gives pad. The result is checked against every
 * probed size. WHY not parse describe(): the formula is the layers' contract, their text is not.
 * If nn gains accessors (kernelSize(), stride(), padding()), this class is the one place to switch to them.
 */
final class LayerGeometry {
    private LayerGeometry() {}

    /** Supports strides up to this; beyond it the probe gives up with an IllegalArgumentException. */
    static final int MAX_STRIDE = 64;

    /** {k, stride, pad}. */
    record Geometry(int k, int stride, int pad) {}

    static Geometry of(Conv2d conv) {
        int[] ws = conv.weight().value.shape(); // [F, C, K, K]
        if (ws.length != 4 || ws[2] != ws[3]) throw new IllegalArgumentException("Conv2d " + conv.describe() + ": weight shape is not [F, C, K, K]");
        return probe(conv, ws[1], ws[2], true);
    }

    static Geometry of(MaxPool2d pool) {
        return probe(pool, 1, -1, false);
    }

    private static int outSize(Layer l, int c, int h) {
        try {
            return l.outputShape(new int[] {1, c, h, h})[2];
        } catch (IllegalArgumentException tooSmall) {
            return -1; // below the smallest valid input size
        }
    }

    private static Geometry probe(Layer l, int c, int knownK, boolean padded) {
        int limit = (knownK > 0 ? knownK : 0) + 2 * MAX_STRIDE + 2 * MAX_STRIDE + 4;
        int[] oh = new int[limit + 1];
        int hMin = -1, step1 = -1, step2 = -1;
        for (int h = 1; h <= limit && step2 < 0; h++) {
            oh[h] = outSize(l, c, h);
            if (oh[h] > 0 && hMin < 0) hMin = h;
            if (h > 1 && oh[h] > 0 && oh[h - 1] > 0 && oh[h] > oh[h - 1]) {
                if (step1 < 0) step1 = h; else step2 = h;
            }
        }
        if (hMin < 0 || step2 < 0) throw new IllegalArgumentException("cannot determine the geometry of " + l.describe());
        int stride = step2 - step1;
        int k, pad;
        if (padded) {
            k = knownK;
            int twoPad = stride * (oh[step1] - 1) + k - step1;
            if (twoPad < 0 || twoPad % 2 != 0) throw new IllegalArgumentException("cannot determine the padding of " + l.describe());
            pad = twoPad / 2;
        } else {
            k = hMin; // smallest valid input is the window itself
            pad = 0;
        }
        for (int h = 1; h <= step2; h++) {
            int expect = h + 2 * pad < k ? -1 : (h + 2 * pad - k) / stride + 1;
            if (oh[h] != expect) throw new IllegalArgumentException("geometry of " + l.describe() + " does not follow ⌊(H + 2p − k)/s⌋ + 1");
        }
        return new Geometry(k, stride, pad);
    }
}
