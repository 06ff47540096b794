package dev.jprune.sparse;

import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Layer;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.util.Rng;

/** The Conv2d / MaxPool2d side of {@link StructuredShrink}. */
final class ConvShrink {
    private ConvShrink() {}

    /** Working copy of a Conv2d as [F, C·K·K], or null when {@code l} is not a Conv2d. */
    static StructuredShrink.Unit unitOf(Layer l, int i) {
        if (!(l instanceof Conv2d)) return null;
        Conv2d c = (Conv2d) l;
        LayerGeometry.Geometry g = LayerGeometry.of(c);
        return StructuredShrink.Unit.conv(i, g.k(), g.stride(), g.pad(), c.weight(), c.bias());
    }

    static boolean isPool(Layer l) { return l instanceof MaxPool2d; }

    /** A fresh MaxPool2d with the same window and stride, or null when {@code l} is not one. */
    static Layer copyPool(Layer l) {
        if (!(l instanceof MaxPool2d)) return null;
        LayerGeometry.Geometry g = LayerGeometry.of((MaxPool2d) l);
        return new MaxPool2d(g.k(), g.stride());
    }

    /** A Conv2d of the given geometry, with or without bias; its initial values are overwritten by the caller. */
    static Layer newConv(int c, int f, int k, int stride, int pad, boolean bias) {
        return new Conv2d(c, f, k, stride, pad, bias, new Rng(0));
    }
}
