package dev.jprune.cpu;

import dev.jprune.tensor.Tensor;

/**
 * Reference max pooling (NCHW, square window, no padding, OH = (H - K)/S + 1), the truth
 * {@link dev.jprune.nn.MaxPool2d} is tested against. Written as "maximum first, then the first position holding it",
 * a different formulation from the layer's running argmax. NaN counts as the maximum (as PyTorch). No argument is
 * modified; each method returns a new tensor.
 */
public final class NaiveMaxPool2d {
    private NaiveMaxPool2d() {}

    /** Flat input index of the window maximum for every output element (ties: lowest index). */
    public static int[] argmax(Tensor x, int k, int s) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        int oh = (h - k) / s + 1, ow = (w - k) / s + 1;
        int[] idx = new int[n * c * oh * ow];
        int o = 0;
        for (int plane = 0; plane < n * c; plane++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int ky = 0; ky < k; ky++) for (int kx = 0; kx < k; kx++) {
                max = Math.max(max, x.data[(plane * h + oy * s + ky) * w + ox * s + kx]); // Math.max propagates NaN
            }
            int found = -1;
            for (int ky = 0; ky < k && found < 0; ky++) for (int kx = 0; kx < k && found < 0; kx++) {
                int i = (plane * h + oy * s + ky) * w + ox * s + kx;
                if (Float.compare(x.data[i], max) == 0 || x.data[i] == max) found = i;
            }
            idx[o++] = found;
        }
        return idx;
    }

    public static Tensor forward(Tensor x, int k, int s) {
        int[] idx = argmax(x, k, s);
        Tensor y = Tensor.zeros(x.dim(0), x.dim(1), (x.dim(2) - k) / s + 1, (x.dim(3) - k) / s + 1);
        for (int o = 0; o < idx.length; o++) y.data[o] = x.data[idx[o]];
        return y;
    }

    /** dL/dx: each output's gradient added (in double) to its argmax input position. */
    public static Tensor gradInput(Tensor x, Tensor dy, int k, int s) {
        int[] idx = argmax(x, k, s);
        double[] acc = new double[x.size()];
        for (int o = 0; o < idx.length; o++) acc[idx[o]] += dy.data[o];
        Tensor dx = Tensor.zeros(x.shape());
        for (int i = 0; i < acc.length; i++) dx.data[i] = (float) acc[i];
        return dx;
    }
}
