package dev.jprune.data;

import dev.jprune.util.Rng;
import java.util.Set;

/**
 * Generated data in CIFAR-10's format — 3×32×32 images with values k/255 (as {@link Cifar10Reader} reads them) and
 * 10 classes — for runs where the real CIFAR-10 is not at hand. Each class has a prototype made of three random
 * low-frequency waves per channel; a sample is its class's prototype, shifted by a random offset of up to 4 pixels,
 * scaled by a random contrast in [0.6, 1.4], plus Gaussian pixel noise, clamped to [0, 1] and rounded to a byte. The
 * classes overlap through the noise, so accuracy depends on the model and the training, without being CIFAR-10.
 * Specification ({@link Datasets#load}): {@code synthetic-cifar10[:train=N,test=M,noise=S,seed=K]} (defaults 5000,
 * 1000, 1.0, 1). Draw order from {@code new Rng(seed)}: the prototypes' parameters, then per sample (training
 * samples first) its class, offset, contrast and pixel noise.
 */
public final class SyntheticImages {
    /** The specification's name. */
    public static final String NAME = "synthetic-cifar10";
    private static final Set<String> KEYS = new java.util.LinkedHashSet<>(java.util.List.of("train", "test", "noise",
            "seed"));
    private static final int C = 3, S = 32, CLASSES = 10, WAVES = 3;

    private SyntheticImages() {}

    /**
     * Generates the split the parameters (after "synthetic-cifar10:", null for the defaults) describe.
     *
     * @throws IllegalArgumentException naming the bad parameter
     */
    public static Split generate(String params) {
        DataSpecParams p = new DataSpecParams(NAME, params, KEYS);
        int train = p.integer("train", 5000, 1, 200_000), test = p.integer("test", 1000, 1, 200_000);
        double noise = p.number("noise", 1.0);
        if (noise < 0) throw new IllegalArgumentException("--data " + NAME + ": noise must be >= 0, got " + noise);
        Rng rng = new Rng(p.longValue("seed", 1));
        // Prototype waves: per class, channel and wave an amplitude, two frequencies and a phase.
        double[][] wave = new double[CLASSES * C * WAVES][];
        for (int i = 0; i < wave.length; i++) {
            wave[i] = new double[] {0.12 + 0.1 * rng.nextDouble(), 2 * Math.PI * (0.5 + 2.5 * rng.nextDouble()) / S,
                2 * Math.PI * (0.5 + 2.5 * rng.nextDouble()) / S, 2 * Math.PI * rng.nextDouble()};
        }
        return new Split(images(rng, wave, train, noise, NAME + "/train"), images(rng, wave, test, noise, NAME
                + "/test"));
    }

    private static Dataset images(Rng rng, double[][] wave, int n, double noise, String name) {
        float[] x = new float[n * C * S * S];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(CLASSES);
            labels[i] = c;
            int dx = rng.nextInt(9) - 4, dy = rng.nextInt(9) - 4;
            double contrast = 0.6 + 0.8 * rng.nextDouble();
            for (int ch = 0; ch < C; ch++) {
                for (int y = 0; y < S; y++) {
                    for (int xx = 0; xx < S; xx++) {
                        double v = 0;
                        for (int k = 0; k < WAVES; k++) {
                            double[] w = wave[(c * C + ch) * WAVES + k];
                            v += w[0] * Math.sin(w[1] * (xx + dx) + w[2] * (y + dy) + w[3]);
                        }
                        double px = 0.5 + contrast * v + noise * rng.nextGaussian();
                        int b = (int) Math.round(Math.max(0, Math.min(1, px)) * 255);
                        x[((i * C + ch) * S + y) * S + xx] = b / 255f;
                    }
                }
            }
        }
        return new Dataset(name, x, labels, new int[] {C, S, S}, CLASSES);
    }
}
