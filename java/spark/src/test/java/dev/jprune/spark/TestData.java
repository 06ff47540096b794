package dev.jprune.spark;

import dev.jprune.data.Dataset;
import dev.jprune.data.EmbeddedMnist;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Samples of the embedded digits for the tests. */
final class TestData {
    private TestData() {}

    static Dataset train() {
        try {
            return EmbeddedMnist.train();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Dataset test() {
        try {
            return EmbeddedMnist.test();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Samples [from, to) of {@code d} as RDD elements. */
    static List<Sample> samples(Dataset d, int from, int to) {
        int ss = d.sampleSize();
        List<Sample> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            out.add(new Sample(java.util.Arrays.copyOfRange(d.images(), i * ss, (i + 1) * ss), d.labels()[i]));
        }
        return out;
    }

    /** A core data set of these samples, in this order. */
    static Dataset dataset(String name, List<Sample> samples, int[] shape, int classes) {
        int ss = samples.isEmpty() ? 1 : samples.get(0).features().length;
        float[] x = new float[samples.size() * ss];
        int[] y = new int[samples.size()];
        for (int i = 0; i < y.length; i++) {
            System.arraycopy(samples.get(i).features(), 0, x, i * ss, ss);
            y[i] = samples.get(i).label();
        }
        return new Dataset(name, x, y, shape, classes);
    }
}
