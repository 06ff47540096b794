package dev.jprune.bench.gpu;

import dev.jprune.data.Dataset;
import dev.jprune.data.EmbeddedMnist;
import dev.jprune.data.FashionMnist;
import dev.jprune.data.Normalization;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.train.DeviceDataset;
import dev.jprune.gpu.train.GpuTrainer;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.Models;
import dev.jprune.train.EpochStats;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import java.util.Arrays;
import java.util.Locale;

/**
 * Wall time of one GPU training epoch of a model (default lenet-300-100, batch 128, SGD momentum 0.9) over 60,000
 * images: Fashion-MNIST's training set when /usr/share/datasets/fashion-mnist exists, else the 10,000 embedded
 * digits tiled six times (same shapes and work per step; the data's content does not change the time). One warm-up
 * epoch, then the median of the rest; each epoch ends with a device synchronisation (the losses are read back).
 * Usage: GpuEpochBench [model] [batch] [epochs]. Compare with bench/peers/torch_epoch_peer.py on the same GPU.
 */
public final class GpuEpochBench {
    public static void main(String[] args) throws Exception {
        // --smoke: 2 epochs over 2048 embedded digits, a check that the harness works (e.g. on the CUDA emulator).
        boolean smoke = Arrays.asList(args).contains("--smoke");
        if (smoke) args = new String[0];
        String model = args.length > 0 ? args[0] : "lenet-300-100";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int epochs = smoke ? 2 : args.length > 2 ? Integer.parseInt(args[2]) : 6;
        Dataset train;
        String source;
        if (smoke) {
            Dataset d = EmbeddedMnist.all();
            int n = 2048;
            train = new Dataset("embedded-2048", Arrays.copyOf(d.images(), n * d.sampleSize()),
                    Arrays.copyOf(d.labels(), n),
                    d.sampleShape(), d.numClasses());
            source = "embedded MNIST, first 2048 (smoke run)";
        } else if (FashionMnist.isAvailable()) {
            train = FashionMnist.train();
            source = "Fashion-MNIST train";
        } else {
            Dataset d = EmbeddedMnist.all();
            train = Dataset.concat("embedded x6", d, d, d, d, d, d);
            source = "embedded MNIST tiled x6 (Fashion-MNIST not installed)";
        }
        Normalization.apply(train, Normalization.compute(train));
        ModelSpec m = Models.build(model, 1);
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, batch, 1);
        try (GpuContext ctx = GpuContext.open(); DeviceDataset d = new DeviceDataset(ctx, train);
             GpuTrainer t = new GpuTrainer(ctx, m, cfg, false)) {
            double[] secs = new double[epochs];
            for (int e = 0; e < epochs; e++) {
                EpochStats st = t.trainEpoch(d, e, TrainListener.NONE);
                secs[e] = st.seconds();
                System.out.printf(Locale.ROOT, "epoch %d: %.3f s  %.0f samples/s  loss %.4f  acc %.4f%n", e,
                        st.seconds(), st.samplesPerSecond(), st.trainLoss(), st.trainAccuracy());
            }
            double[] m2 = Arrays.copyOfRange(secs, 1, epochs);
            Arrays.sort(m2);
            double med = m2[m2.length / 2];
            System.out.printf(Locale.ROOT, "RESULT jprune %s epoch on %s (%d images, batch %d) on %s: median %.3f s"
                    + " = %.0f samples/s (min %.3f, max %.3f, %d epochs after 1 warm-up)%n",
                    model, source, train.size(), batch, ctx.deviceName(), med, train.size() / med, m2[0],
                    m2[m2.length - 1], m2.length);
        }
    }
}
