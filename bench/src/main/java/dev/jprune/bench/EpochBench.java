package dev.jprune.bench;

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
import java.util.Arrays;
import java.util.Locale;

/**
 * Wall time of one CPU training epoch (forward, loss, backward, global norm, SGD step) of a model over a data set.
 * Usage: EpochBench [model=lenet-300-100] [data=fashion-mnist] [batch=128] [epochs=5]. The first epoch is warm-up;
 * the median of the rest is reported.
 */
public final class EpochBench {
    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "lenet-300-100";
        String data = args.length > 1 ? args[1] : "fashion-mnist";
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        Split s = Datasets.load(data);
        Normalization.fitAndApply(s);
        ModelSpec m = Models.build(model, 1);
        Trainer t = new Trainer(m, TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, batch, 1));
        double[] secs = new double[epochs];
        for (int e = 0; e < epochs; e++) {
            EpochStats st = t.trainEpoch(s.train(), e, TrainListener.NONE);
            secs[e] = st.seconds();
            System.out.printf(Locale.ROOT, "epoch %d: %.3f s (%.0f samples/s), loss %.4f%n", e, st.seconds(), st.samplesPerSecond(), st.trainLoss());
        }
        double[] measured = Arrays.copyOfRange(secs, 1, epochs);
        Arrays.sort(measured);
        double median = measured[measured.length / 2];
        System.out.printf(Locale.ROOT, "%s on %s (%d samples), batch %d, %d threads: median epoch %.3f s (min %.3f, max %.3f) over %d epochs after 1 warm-up%n",
                model, data, s.train().size(), batch, dev.jprune.util.Parallel.threads(), median, measured[0], measured[measured.length - 1], measured.length);
    }
}
