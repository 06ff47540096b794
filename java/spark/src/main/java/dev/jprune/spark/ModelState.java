package dev.jprune.spark;

import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.optim.Adam;
import dev.jprune.optim.Optimizer;
import dev.jprune.optim.Sgd;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Everything a replica needs to continue training from where the driver is: parameter values, pruning masks and the
 * optimizer state (SGD: one momentum buffer per parameter; Adam: first and second moments and the step count), with a
 * version number and the architecture (parameter names and shapes). Broadcast to the executors at every averaging
 * round and prune event. Immutable once built (the arrays are never written after capture).
 *
 * <p>The <b>flat layout</b> used for averaging ({@link #flatten}) is the parameter values in
 * {@link Sequential#parameters()} order, then each optimizer slot's arrays in the same order (absent arrays are zeros,
 * which is what the optimizers start from).
 */
public final class ModelState implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Round counter: every new state the driver makes (average or prune) gets the next version. */
    public final long version;
    final String[] names;
    final int[][] shapes;
    final float[][] values;
    final byte[][] masks;
    /** [slot][parameter]: SGD has 1 slot (momentum, or 0 slots without momentum), Adam 2 (m, v). */
    final float[][][] slots;
    final int adamStep;

    private ModelState(long version, String[] names, int[][] shapes, float[][] values, byte[][] masks,
                       float[][][] slots, int adamStep) {
        this.version = version;
        this.names = names;
        this.shapes = shapes;
        this.values = values;
        this.masks = masks;
        this.slots = slots;
        this.adamStep = adamStep;
    }

    /** A copy of the model's values and masks and of the optimizer's state (SGD or Adam). Reads only. */
    public static ModelState capture(long version, Sequential net, Optimizer opt) {
        Map<String, Parameter> named = net.namedParameters();
        int n = named.size();
        String[] names = named.keySet().toArray(new String[0]);
        int[][] shapes = new int[n][];
        float[][] values = new float[n][];
        byte[][] masks = new byte[n][];
        int i = 0;
        for (Parameter p : named.values()) {
            shapes[i] = p.value.shape();
            values[i] = p.value.data.clone();
            masks[i] = p.mask == null ? null : p.mask.clone();
            i++;
        }
        float[][][] slots;
        int step = 0;
        if (opt instanceof Sgd sgd) {
            slots = sgd.momentum == 0 ? new float[0][][] : new float[1][n][];
            for (int j = 0; j < slots.length; j++) {
                for (int t = 0; t < n; t++) slots[j][t] = copy(sgd.momentumBuffer(t));
            }
        } else if (opt instanceof Adam adam) {
            slots = new float[2][n][];
            for (int t = 0; t < n; t++) {
                slots[0][t] = copy(adam.firstMoment(t));
                slots[1][t] = copy(adam.secondMoment(t));
            }
            step = adam.stepCount();
        } else {
            throw new IllegalArgumentException("data-parallel training supports the SGD and Adam optimizers, not "
                    + opt.describe());
        }
        return new ModelState(version, names, shapes, values, masks, slots, step);
    }

    private static float[] copy(float[] a) { return a == null ? null : a.clone(); }

    /** Number of parameters tensors. */
    public int tensorCount() { return names.length; }

    /** Number of floats in {@link #flatten}. */
    public long flatSize() {
        long n = 0;
        for (float[] v : values) n += v.length;
        return n * (1 + slots.length);
    }

    /** The values (and optimizer slots) in the flat layout (see the class comment). */
    public float[] flatten() {
        long size = flatSize();
        if (size > Integer.MAX_VALUE - 8) throw new IllegalStateException("model state of " + size
                + " floats is too large for one array");
        float[] out = new float[(int) size];
        int o = 0;
        for (float[] v : values) { System.arraycopy(v, 0, out, o, v.length); o += v.length; }
        for (float[][] slot : slots) {
            for (int t = 0; t < values.length; t++) {
                if (slot[t] != null) System.arraycopy(slot[t], 0, out, o, slot[t].length);
                o += values[t].length;
            }
        }
        return out;
    }

    /** A state of the next version with these flat values and optimizer slots (same masks, step count + steps). */
    ModelState withFlat(long newVersion, float[] flat, int adamSteps) {
        if (flat.length != flatSize()) throw new IllegalArgumentException("withFlat: " + flat.length
                + " floats, expected " + flatSize());
        float[][] v = new float[values.length][];
        float[][][] s = new float[slots.length][values.length][];
        int o = 0;
        for (int t = 0; t < values.length; t++) {
            v[t] = Arrays.copyOfRange(flat, o, o + values[t].length);
            o += values[t].length;
        }
        for (float[][] slot : s) {
            for (int t = 0; t < values.length; t++) {
                slot[t] = Arrays.copyOfRange(flat, o, o + values[t].length);
                o += values[t].length;
            }
        }
        return new ModelState(newVersion, names, shapes, v, masks, s, adamStep + adamSteps);
    }

    /**
     * Throws {@link PartitionException} unless {@code net} has this state's parameter names and shapes, naming
     * {@code where} (e.g. "partition 3") and the first difference.
     */
    public void requireSameArchitecture(Sequential net, String where) {
        Map<String, Parameter> named = net.namedParameters();
        String[] theirs = named.keySet().toArray(new String[0]);
        if (!Arrays.equals(theirs, names)) {
            throw new PartitionException(where + ": the model built here has parameters " + Arrays.toString(theirs)
                    + " but the driver's model (version " + version + ") has " + Arrays.toString(names)
                    + " (different jprune or model code on this executor?)");
        }
        int t = 0;
        for (Parameter p : named.values()) {
            if (!Arrays.equals(p.value.shape(), shapes[t])) {
                throw new PartitionException(where + ": parameter " + names[t] + " has shape "
                        + Arrays.toString(p.value.shape())
                        + " here but " + Arrays.toString(shapes[t]) + " in the driver's model (version " + version
                        + ") (different jprune or model code on this executor?)");
            }
            t++;
        }
    }

    /**
     * Sets {@code net}'s values and masks and {@code opt}'s state (built for {@code net}'s parameters) from this state.
     * Modifies both.
     */
    public void loadInto(Sequential net, Optimizer opt, String where) {
        requireSameArchitecture(net, where);
        net.setValues(values);
        List<Parameter> ps = net.parameters();
        for (int t = 0; t < ps.size(); t++) ps.get(t).mask = masks[t] == null ? null : masks[t].clone();
        if (opt instanceof Sgd sgd) {
            if (slots.length != (sgd.momentum == 0 ? 0 : 1)) throw new IllegalArgumentException(where
                    + ": optimizer state does not match " + sgd.describe());
            for (int t = 0; t < ps.size(); t++) sgd.setMomentumBuffer(t, slots.length == 0 ? null : slots[0][t]);
        } else if (opt instanceof Adam adam) {
            if (slots.length != 2) throw new IllegalArgumentException(where + ": optimizer state does not match "
                    + adam.describe());
            adam.setState(adamStep, slots[0], slots[1]);
        } else {
            throw new IllegalArgumentException("data-parallel training supports the SGD and Adam optimizers, not "
                    + opt.describe());
        }
        opt.enforceMasks();
    }
}
