package dev.jprune.nn;

import dev.jprune.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Layers applied in order. Parameter names follow PyTorch's nn.Sequential state_dict:
 * "{index}.{localName}", e.g. "0.weight", "0.bias", "2.weight".
 */
public final class Sequential implements Layer {
    private final List<Layer> layers;

    /**
     * A network of {@code layers} in order (the list is copied).
     *
     * @throws IllegalArgumentException when the list or one of its layers is null (naming its index)
     */
    public Sequential(List<Layer> layers) {
        this.layers = checked(layers);
    }

    /**
     * A network of {@code layers} in order.
     *
     * @throws IllegalArgumentException when the array or one of its layers is null (naming its index)
     */
    public Sequential(Layer... layers) {
        this(layers == null ? null : java.util.Arrays.asList(layers));
    }

    private static List<Layer> checked(List<Layer> layers) {
        if (layers == null) throw new IllegalArgumentException("Sequential: null list of layers");
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) == null) throw new IllegalArgumentException("Sequential: layer " + i + " is null");
        }
        return List.copyOf(layers);
    }

    /** The layers in order (unmodifiable). */
    public List<Layer> layers() { return layers; }

    /** Layer {@code i} (its index is the prefix of its parameter names). */
    public Layer layer(int i) { return layers.get(i); }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Tensor h = x;
        for (Layer l : layers) h = l.forward(h, training);
        return h;
    }

    @Override
    public Tensor backward(Tensor dy) { return backward(dy, true); }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        Tensor g = dy;
        for (int i = layers.size() - 1; i >= 0; i--) g = layers.get(i).backward(g, i > 0 || needInputGrad);
        return g;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        for (Layer l : layers) out.addAll(l.parameters());
        return Collections.unmodifiableList(out);
    }

    /** PyTorch-style names to parameters, in order. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            for (Parameter p : layers.get(i).parameters()) out.put(i + "." + p.localName, p);
        }
        return out;
    }

    /** Sets every parameter's gradient to 0. */
    public void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }

    /** A copy of every parameter's values, in {@link #parameters()} order (for rewinding and sweeps). */
    public float[][] copyValues() {
        List<Parameter> ps = parameters();
        float[][] s = new float[ps.size()][];
        for (int i = 0; i < s.length; i++) s[i] = ps.get(i).value.data.clone();
        return s;
    }

    /**
     * Sets every parameter's values from {@link #copyValues()}'s output. Modifies the parameters (not masks or grads).
     *
     * @throws IllegalArgumentException when {@code values} or an array in it is null, or the count or a length differs
     *                                  from the parameters' (nothing is modified then)
     */
    public void setValues(float[][] values) {
        List<Parameter> ps = parameters();
        if (values == null) throw new IllegalArgumentException("setValues: null values");
        if (values.length != ps.size()) throw new IllegalArgumentException("setValues: " + values.length
                + " arrays for " + ps.size() + " parameters");
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) throw new IllegalArgumentException("setValues: array " + i + " is null");
            if (values[i].length != ps.get(i).size()) throw new IllegalArgumentException("setValues: array " + i
                    + " has " + values[i].length + " values for " + ps.get(i).size());
        }
        for (int i = 0; i < values.length; i++) System.arraycopy(values[i], 0, ps.get(i).value.data, 0,
                values[i].length);
    }

    /** Number of parameter elements (weights and biases, pruned ones included). */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.size();
        return n;
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        int[] s = inputShape;
        for (Layer l : layers) s = l.outputShape(s);
        return s;
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("Sequential(");
        for (int i = 0; i < layers.size(); i++) sb.append(i == 0 ? "" : ", ").append(i).append(": ")
                .append(layers.get(i).describe());
        return sb.append(')').toString();
    }
}
