package dev.jprune.bench;

import dev.jprune.cpu.Simd;
import dev.jprune.data.Dataset;
import dev.jprune.data.Datasets;
import dev.jprune.data.Normalization;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.Models;
import dev.jprune.train.EpochStats;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import dev.jprune.train.Trainer;
import dev.jprune.util.Rng;
import java.util.Arrays;
import java.util.Locale;

/**
 * Wall time of one CPU training epoch (forward, loss, backward, global norm, SGD step) of a model over a data set.
 * Usage: EpochBench [model=lenet-300-100] [data=fashion-mnist] [batch=128] [epochs=5] [images=0].
 * data "random" is a random data set of the model's sample shape (60,000 images, 50,000 for CIFAR shapes): the content
 * does not change the time. images &gt; 0 times only that prefix of the training set and scales to the full epoch
 * (what bench/cpu-speed.sh does, to bound its run time; the peer does the same). The first epoch is warm-up; the median
 * of the rest is reported, and a line {@code RESULT <model> epoch <seconds>} for the scripts.
 */
public final class EpochBench {
    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "lenet-300-100";
        String data = args.length > 1 ? args[1] : "fashion-mnist";
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int images = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        ModelSpec m = Models.build(model, 1);
        Dataset train;
        if (data.equals("random")) {
            train = random(m.sampleShape(), m.sampleShape()[0] == 3 ? 50_000 : 60_000, m.outputs());
        } else {
            Split s = Datasets.load(data);
            Normalization.fitAndApply(s);
            train = s.train();
        }
        int full = train.size();
        Dataset timed = images > 0 && images < full ? train.subset(0, images) : train;
        double scale = (double) full / timed.size();
        float lr = model.startsWith("cifar") ? 0.01f : 0.05f;
        Trainer t = new Trainer(m, TrainConfig.defaults(OptimizerKind.SGD, lr, 1, batch, 1));
        double[] secs = new double[epochs];
        for (int e = 0; e < epochs; e++) {
            EpochStats st = t.trainEpoch(timed, e, TrainListener.NONE);
            secs[e] = st.seconds() * scale;
            System.out.printf(Locale.ROOT, "epoch %d: %.3f s for %d images (%.3f s scaled to %d), loss %.4f%n", e,
                    st.seconds(), timed.size(), secs[e], full, st.trainLoss());
        }
        double[] measured = epochs > 1 ? Arrays.copyOfRange(secs, 1, epochs) : secs.clone();
        Arrays.sort(measured);
        double median = measured[measured.length / 2];
        System.out.printf(Locale.ROOT, "%s on %s (%d samples), batch %d, %d threads, %s: median epoch %.3f s "
                + "(min %.3f, max %.3f) over %d epochs after 1 warm-up%n", model, data, full, batch,
                dev.jprune.util.Parallel.threads(), Simd.vectorApi() ? "Vector API" : "scalar kernels", median,
                measured[0], measured[measured.length - 1], measured.length);
        System.out.printf(Locale.ROOT, "RESULT %s epoch %.3f%n", model, median);
    }

    /** n random samples in [0, 1) of the given shape with uniformly random labels. */
    static Dataset random(int[] shape, int n, int classes) {
        int size = 1;
        for (int d : shape) size *= d;
        float[] x = new float[n * size];
        int[] y = new int[n];
        Rng rng = new Rng(7);
        rng.fillUniform(x, 0f, 1f);
        for (int i = 0; i < n; i++) y[i] = rng.nextInt(classes);
        return new Dataset("random", x, y, shape, classes);
    }
}
