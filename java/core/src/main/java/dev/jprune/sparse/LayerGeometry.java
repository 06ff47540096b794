package dev.jprune.sparse;

import dev.jprune.nn.Conv2d;
import dev.jprune.nn.MaxPool2d;

/**
 * Kernel size, stride and padding of Conv2d / MaxPool2d layers, from their accessors. (It used to recover them by
 * probing {@code outputShape} at sizes 1, 2, …, written before nn had accessors; that probe's self-check and error
 * paths could not fail for these final classes and were removed with it.)
 */
final class LayerGeometry {
    private LayerGeometry() {}

    /** {k, stride, pad}. */
    record Geometry(int k, int stride, int pad) {}

    static Geometry of(Conv2d conv) {
        return new Geometry(conv.kernelSize(), conv.stride(), conv.padding());
    }

    static Geometry of(MaxPool2d pool) {
        return new Geometry(pool.kernel(), pool.stride(), 0);
    }
}
