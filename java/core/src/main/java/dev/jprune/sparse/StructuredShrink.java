package dev.jprune.sparse;

import dev.jprune.nn.Dropout;
import dev.jprune.nn.Flatten;
import dev.jprune.nn.Layer;
import dev.jprune.nn.Linear;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds a smaller dense {@link Sequential} from one whose Linear neurons / Conv2d filters ("units") are pruned whole.
 *
 * <h2>Which units are dropped</h2>
 * A unit is <em>dead</em> when all its incoming weights are exactly zero (a structurally pruned weight row / filter:
 * masked weights are 0 by the Parameter invariant). A dead unit outputs the constant b (its bias) before the
 * elementwise layers that follow it (ReLU, Dropout at evaluation, MaxPool2d of a constant plane), so after them it
 * outputs a constant c (c = max(b, 0) when a ReLU follows).
 * <ul>
 *   <li>c == 0 — e.g. the bias entry is masked as well (the complete structural prune), or the bias is ≤ 0 and a ReLU
 *   follows: the unit contributes nothing and is dropped, always.</li>
 *   <li>c != 0 — the unit is a constant, not nothing. {@link Policy#KEEP} keeps it (the shrunk model is then exactly
 *   the masked one). {@link Policy#FOLD} drops it and adds its constant contribution c·Σ(consumer weights of that
 *   input) to the consumer's bias — exact in real arithmetic, equal up to float rounding. A constant feature map
 *   cannot be folded into a consumer Conv2d with padding &gt; 0 (border outputs see fewer of its values), so there the
 *   unit is kept under FOLD as well. When folding makes a masked consumer bias entry nonzero, that entry's mask is
 *   set to 1 (the mask invariant would otherwise zero the folded constant at the next optimizer step).</li>
 * </ul>
 * The last weighted layer's outputs (the model's outputs) are never dropped; a layer whose units are all dead keeps
 * its first unit (layers of width 0 do not exist).
 *
 * <h2>What is rewritten</h2>
 * Dropping unit r of a Linear removes weight row r and bias r, and column r of the next Linear (reached through ReLU,
 * Dropout, Flatten — elementwise or no-ops). Dropping filter r of a Conv2d removes weight [r, :, :, :] and bias r, and
 * input channel r of the next Conv2d, or — when MaxPool2d/ReLU/Dropout then Flatten (or Linear's implicit flatten)
 * lead to a Linear — that Linear's column block [r·H·W, (r+1)·H·W). Masks are carried over for every kept entry.
 * A layer without bias counts as bias 0 (its dead units are dropped); a consumer without bias cannot take a folded
 * constant, so such a unit is kept under FOLD. Layers keep their bias or lack of one.
 * The source model is not modified; the result shares no arrays with it. Dropout layers are recreated with the same
 * p and a fresh seed (evaluation is unaffected; training draws a different stream).
 */
public final class StructuredShrink {
    private StructuredShrink() {}

    /** What to do with a dead unit whose constant output is not zero. */
    public enum Policy {
        /** Keep the unit (its constant output stays as it is). */
        KEEP,
        /** Drop the unit and add its constant contribution to the consumer's bias. */
        FOLD
    }

    /**
     * What happened to one weighted layer.
     *
     * @param layer index in the Sequential
     * @param unitsBefore output units (neurons or filters) of the source layer
     * @param dropped original indices of the dropped units, ascending
     * @param folded how many of the dropped units had a nonzero constant folded into the consumer's bias
     * @param keptConstant dead units kept because their constant could not (or under KEEP, should not) be folded
     */
    public record LayerChange(int layer, int unitsBefore, int[] dropped, int folded, int keptConstant) {
        /** Copies {@code dropped}. */
        public LayerChange { dropped = dropped.clone(); }
        @Override public int[] dropped() { return dropped.clone(); }
        /** Output units left. */
        public int unitsAfter() { return unitsBefore - dropped.length; }
    }

    /** The shrunk model and what was dropped; parameter counts include biases. */
    public record Result(Sequential model, List<LayerChange> changes, long parametersBefore, long parametersAfter) {
        /** Copies the list. */
        public Result { changes = List.copyOf(changes); }
        /** Parameters removed. */
        public long parametersDropped() { return parametersBefore - parametersAfter; }
    }

    /** {@link #shrink(Sequential, Policy)} with {@link Policy#FOLD}. */
    public static Result shrink(Sequential model) { return shrink(model, Policy.FOLD); }

    /**
     * A new, smaller model computing the same function as {@code model} (not modified) at evaluation.
     *
     * @throws IllegalArgumentException naming the layer for a layer kind it cannot rewrite (anything but Linear,
     *                                  Conv2d, ReLU, Dropout, Flatten, MaxPool2d; nested Sequentials included) or
     *                                  inconsistent shapes
     */
    public static Result shrink(Sequential model, Policy policy) {
        if (model == null || policy == null) throw new IllegalArgumentException("StructuredShrink: null argument");
        List<Layer> layers = model.layers();
        Unit[] units = new Unit[layers.size()];
        for (int i = 0; i < layers.size(); i++) units[i] = Unit.of(layers.get(i), i);
        int lastWeighted = -1;
        for (int i = 0; i < units.length; i++) if (units[i] != null) lastWeighted = i;

        List<LayerChange> changes = new ArrayList<>();
        for (int i = 0; i < units.length; i++) {
            Unit p = units[i];
            if (p == null) continue;
            if (i == lastWeighted) { changes.add(new LayerChange(i, p.units, new int[0], 0, 0)); continue; }
            changes.add(shrinkProducer(layers, units, i, policy));
        }

        List<Layer> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) out.add(units[i] != null ? units[i].build()
                : copyStateless(layers.get(i), i));
        Sequential shrunk = new Sequential(out);
        return new Result(shrunk, changes, model.parameterCount(), shrunk.parameterCount());
    }

    /** Drops the droppable units of weighted layer i and the matching inputs of its consumer. */
    private static LayerChange shrinkProducer(List<Layer> layers, Unit[] units, int i, Policy policy) {
        Unit p = units[i];
        int before = p.units;
        // Walk to the consumer through layers that map unit r's output to unit r's output elementwise.
        boolean relu = false, flattened = false;
        int j = i + 1;
        for (; j < layers.size() && units[j] == null; j++) {
            Layer l = layers.get(j);
            if (l instanceof ReLU) relu = true;
            else if (l instanceof Flatten) flattened = true;
            else if (!(l instanceof Dropout) && !Unit.isPool(l)) {
                // Unit.of/copyStateless reject others first
                throw new IllegalStateException("unreachable: " + l.describe());
            }
        }
        Unit c = units[j];
        // Columns of the consumer per producer unit: 1 (Linear -> Linear), K·K (Conv -> Conv: one input channel),
        // H·W (Conv -> Flatten -> Linear: one flattened feature map).
        int blk;
        boolean foldable;
        if (p.conv && c.conv) { blk = c.k * c.k; foldable = c.pad == 0 && c.hasBias; }
        else if (!p.conv && !c.conv) { blk = 1; foldable = c.hasBias; }
        else if (p.conv) {
            if (c.rowLen % p.units != 0) {
                throw new IllegalArgumentException("StructuredShrink: layer " + j + " " + layers.get(j).describe()
                        + " has " + c.rowLen + " inputs, not a multiple of the " + p.units + " filters of layer " + i);
            }
            blk = c.rowLen / p.units;
            foldable = c.hasBias;
        } else {
            // Linear feeding a Conv2d cannot happen in a Sequential (no reshape layer); leave it alone.
            return new LayerChange(i, before, new int[0], 0, 0);
        }
        if (c.rowLen != p.units * blk) {
            throw new IllegalArgumentException("StructuredShrink: layer " + j + " " + layers.get(j).describe()
                    + " expects " + c.rowLen + " inputs but layer " + i + " " + layers.get(i).describe() + " gives "
                    + p.units + " units of " + blk);
        }

        boolean[] drop = new boolean[p.units];
        float[] constant = new float[p.units];
        int nDrop = 0, folded = 0, keptConstant = 0;
        for (int r = 0; r < p.units; r++) {
            if (!p.rowIsZero(r)) continue;
            float v = p.b[r];
            if (relu) v = Math.max(v, 0f);
            constant[r] = v;
            if (v == 0f) { drop[r] = true; nDrop++; }
            else if (policy == Policy.FOLD && foldable) { drop[r] = true; nDrop++; folded++; }
            else keptConstant++;
        }
        if (nDrop == p.units) { // keep the first unit: a layer of width 0 cannot be built
            if (constant[0] != 0f) { folded--; keptConstant++; }
            drop[0] = false;
            nDrop--;
        }
        if (nDrop == 0) return new LayerChange(i, before, new int[0], 0, keptConstant);

        // Fold before removing the consumer's columns: b_j[g] += c_r · Σ_{col in block r} W_j[g, col].
        for (int r = 0; r < p.units; r++) {
            if (!drop[r] || constant[r] == 0f) continue;
            for (int g = 0; g < c.units; g++) {
                double s = 0;
                int base = g * c.rowLen + r * blk;
                for (int q = 0; q < blk; q++) s += c.w[base + q];
                c.b[g] = (float) (c.b[g] + (double) constant[r] * s);
                if (c.bMask != null && c.b[g] != 0f) c.bMask[g] = 1;
            }
        }
        int[] dropped = new int[nDrop];
        for (int r = 0, k = 0; r < p.units; r++) if (drop[r]) dropped[k++] = r;
        p.removeRows(drop);
        c.removeColumnBlocks(drop, blk);
        return new LayerChange(i, before, dropped, folded, keptConstant);
    }

    private static Layer copyStateless(Layer l, int i) {
        if (l instanceof ReLU) return new ReLU();
        if (l instanceof Flatten) return new Flatten();
        if (l instanceof Dropout) return new Dropout(((Dropout) l).p, 0x5EED_0000L + i);
        Layer pool = Unit.copyPool(l);
        if (pool != null) return pool;
        throw unsupported(l, i);
    }

    static IllegalArgumentException unsupported(Layer l, int i) {
        return new IllegalArgumentException("StructuredShrink: layer " + i + " " + l.describe() + " ("
                + l.getClass().getName() + ") is not supported; supported: Linear, Conv2d, ReLU, Dropout, Flatten, "
                + "MaxPool2d (no nested Sequential)");
    }

    /** Working copy of one weighted layer as a matrix [units, rowLen] (Conv2d: rowLen = C·K·K) plus its bias. */
    static final class Unit {
        final int index;
        final boolean conv;
        final boolean hasBias; // false: b holds zeros and the built layer has no bias
        final int k, stride, pad; // Conv2d geometry (unused for Linear)
        int units, rowLen;
        float[] w, b;
        byte[] wMask, bMask;

        private Unit(int index, boolean conv, int k, int stride, int pad, int units, int rowLen, Parameter weight,
                Parameter bias) {
            this.index = index; this.conv = conv; this.k = k; this.stride = stride; this.pad = pad;
            this.units = units; this.rowLen = rowLen;
            this.hasBias = bias != null;
            this.w = weight.value.data.clone();
            this.b = bias == null ? new float[units] : bias.value.data.clone();
            this.wMask = weight.mask == null ? null : weight.mask.clone();
            this.bMask = bias == null || bias.mask == null ? null : bias.mask.clone();
            if (w.length != (long) units * rowLen || b.length != units
                    || (wMask != null && wMask.length != w.length) || (bMask != null && bMask.length != b.length)) {
                throw new IllegalArgumentException("StructuredShrink: layer " + index
                        + " has inconsistent parameter/mask sizes");
            }
        }

        /** The working copy for a weighted layer, null for the stateless kinds; throws for unsupported ones. */
        static Unit of(Layer l, int i) {
            if (l instanceof Linear) {
                Linear lin = (Linear) l;
                return new Unit(i, false, 0, 0, 0, lin.out, lin.in, lin.weight, lin.bias);
            }
            Unit conv = ConvShrink.unitOf(l, i);
            if (conv != null) return conv;
            if (l instanceof ReLU || l instanceof Flatten || l instanceof Dropout || isPool(l)) return null;
            throw unsupported(l, i);
        }

        static Unit conv(int i, int k, int stride, int pad, Parameter weight, Parameter bias) {
            int f = weight.value.dim(0);
            return new Unit(i, true, k, stride, pad, f, weight.size() / f, weight, bias);
        }

        static boolean isPool(Layer l) { return ConvShrink.isPool(l); }

        static Layer copyPool(Layer l) { return ConvShrink.copyPool(l); }

        boolean rowIsZero(int r) {
            for (int q = r * rowLen, e = q + rowLen; q < e; q++) if (w[q] != 0f) return false;
            return true;
        }

        void removeRows(boolean[] drop) {
            int kept = 0;
            for (boolean d : drop) if (!d) kept++;
            float[] nw = new float[kept * rowLen], nb = new float[kept];
            byte[] nwm = wMask == null ? null : new byte[nw.length], nbm = bMask == null ? null : new byte[kept];
            for (int r = 0, o = 0; r < units; r++) {
                if (drop[r]) continue;
                System.arraycopy(w, r * rowLen, nw, o * rowLen, rowLen);
                if (nwm != null) System.arraycopy(wMask, r * rowLen, nwm, o * rowLen, rowLen);
                nb[o] = b[r];
                if (nbm != null) nbm[o] = bMask[r];
                o++;
            }
            w = nw; b = nb; wMask = nwm; bMask = nbm; units = kept;
        }

        /** Removes, in every row, the column blocks [r·blk, (r+1)·blk) of the dropped input units r. */
        void removeColumnBlocks(boolean[] drop, int blk) {
            int kept = 0;
            for (boolean d : drop) if (!d) kept++;
            int nLen = kept * blk;
            float[] nw = new float[units * nLen];
            byte[] nwm = wMask == null ? null : new byte[nw.length];
            for (int g = 0; g < units; g++) {
                for (int r = 0, o = 0; r < drop.length; r++) {
                    if (drop[r]) continue;
                    System.arraycopy(w, g * rowLen + r * blk, nw, g * nLen + o * blk, blk);
                    if (nwm != null) System.arraycopy(wMask, g * rowLen + r * blk, nwm, g * nLen + o * blk, blk);
                    o++;
                }
            }
            w = nw; wMask = nwm; rowLen = nLen;
        }

        /** A fresh layer holding this working copy (the arrays are copied into the new Parameters). */
        Layer build() {
            Layer l = conv ? ConvShrink.newConv(rowLen / (k * k), units, k, stride, pad, hasBias)
                    : new Linear(rowLen, units, hasBias, new Rng(0));
            Parameter weight = l.parameters().get(0);
            System.arraycopy(w, 0, weight.value.data, 0, w.length); // init values overwritten
            weight.mask = wMask == null ? null : wMask.clone();
            if (hasBias) {
                Parameter bias = l.parameters().get(1);
                System.arraycopy(b, 0, bias.value.data, 0, b.length);
                bias.mask = bMask == null ? null : bMask.clone();
            }
            return l;
        }
    }
}
