package dev.jprune.sparse;

import dev.jprune.nn.Layer;

/** The Conv2d / MaxPool2d side of {@link StructuredShrink} (kept apart so the Linear side does not depend on it). */
final class ConvShrink {
    private ConvShrink() {}

    static StructuredShrink.Unit unitOf(Layer l, int i) { return null; }

    static boolean isPool(Layer l) { return false; }

    static Layer copyPool(Layer l) { return null; }

    static Layer newConv(int c, int f, int k, int stride, int pad) { throw new UnsupportedOperationException("Conv2d not yet on main"); }
}
