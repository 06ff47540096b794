package dev.jprune.spark.bench;

import dev.jprune.data.Dataset;
import dev.jprune.data.EmbeddedMnist;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.PruneSpec;
import dev.jprune.spark.ModelFactory;
import dev.jprune.spark.PackedSamples;
import dev.jprune.spark.Sample;
import dev.jprune.spark.SparkPruner;
import dev.jprune.spark.SyncPolicy;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import dev.jprune.train.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * local[1] vs local[2] on lenet-300-100 and the embedded digits (8000 samples in 2 partitions in both, so both compute
 * the same model): throughput, time per averaging round for several k, bytes per round (task results and shuffle as
 * Spark's task metrics count them, and the broadcast payload), and one dataset-wide scoring event. Prints a Markdown
 * table. Run by bench/spark-bench.sh (use -Djprune.threads=1 so that local[N] means N cores).
 */
public final class SparkBench {
    public static void main(String[] args) throws Exception {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        Dataset train = EmbeddedMnist.train();
        List<Sample> samples = new ArrayList<>();
        int ss = train.sampleSize();
        for (int i = 0; i < train.size(); i++) {
            samples.add(new Sample(Arrays.copyOfRange(train.images(), i * ss, (i + 1) * ss), train.labels()[i]));
        }
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, epochs, 64, 1);
        ModelFactory lenet = ModelFactory.named("lenet-300-100", 1);

        // Compute alone: single-process steps per second (no Spark), the t_step of the cost model.
        ModelSpec single = lenet.create();
        Trainer trainer = new Trainer(single, cfg);
        trainer.trainEpoch(train, 0, TrainListener.NONE);  // warm-up
        long t0 = System.nanoTime();
        trainer.trainEpoch(train, 1, TrainListener.NONE);
        double stepSeconds = (System.nanoTime() - t0) / 1e9 / 125;
        System.out.printf(Locale.ROOT, "single process (jprune.threads=%d): %.2f ms per step of 64, %.0f samples/s%n",
                dev.jprune.util.Parallel.threads(), stepSeconds * 1e3, 64 / stepSeconds);

        System.out.println("| master | k (steps/round) | rounds | s/round (median) | samples/s | result bytes/round"
                + " | shuffle bytes/round | broadcast payload/round |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (String master : new String[] {"local[1]", "local[2]"}) {
            SparkConf conf = new SparkConf().setMaster(master).setAppName("jprune-spark-bench")
                    .set("spark.ui.enabled", "false")
                    .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
            try (JavaSparkContext sc = new JavaSparkContext(conf)) {
                sc.setLogLevel("WARN");
                AtomicLong resultBytes = new AtomicLong(), shuffleBytes = new AtomicLong();
                sc.sc().addSparkListener(new SparkListener() {
                    @Override public void onTaskEnd(SparkListenerTaskEnd e) {
                        if (e.taskMetrics() == null) return;
                        resultBytes.addAndGet(e.taskMetrics().resultSize());
                        shuffleBytes.addAndGet(e.taskMetrics().shuffleWriteMetrics().bytesWritten());
                    }
                });
                for (int k : new int[] {1, 8, 63}) {
                    SparkPruner sp = new SparkPruner(sc, lenet, cfg).sync(SyncPolicy.everySteps(k));
                    try (PackedSamples data = sp.pack(sc.parallelize(samples, 2))) {
                        int ep = k == 1 ? 1 : epochs;  // k = 1 is overhead-bound: one epoch is enough to see it
                        if (k == 1) sp.train(data, 0);
                        sc.sc().listenerBus().waitUntilEmpty();
                        long r0 = resultBytes.get(), s0 = shuffleBytes.get();
                        long w0 = System.nanoTime();
                        SparkPruner.Run run = k == 1 ? sp.trainSteps(data, 40) : sp.train(data, ep);
                        double wall = (System.nanoTime() - w0) / 1e9;
                        sc.sc().listenerBus().waitUntilEmpty();
                        int n = run.rounds().size();
                        double[] rs = run.rounds().stream().mapToDouble(SparkPruner.Round::seconds).sorted().toArray();
                        long seen = run.rounds().stream().mapToLong(SparkPruner.Round::samples).sum();
                        System.out.printf(Locale.ROOT, "| %s | %d | %d | %.3f | %.0f | %,d | %,d | %,d |%n", master,
                                k, n, rs[n / 2], seen / wall,
                                (resultBytes.get() - r0) / n, (shuffleBytes.get() - s0) / n,
                                        run.rounds().get(0).bytesDown());
                    }
                }
                SparkPruner sp = new SparkPruner(sc, lenet, cfg);
                try (PackedSamples data = sp.pack(sc.parallelize(samples, 2))) {
                    sp.scores(data, PruneSpec.global(Criterion.TAYLOR, 0.9));  // warm-up
                    long w0 = System.nanoTime();
                    sp.scores(data, PruneSpec.global(Criterion.TAYLOR, 0.9));
                    double driver = (System.nanoTime() - w0) / 1e9;
                    SparkPruner sh = new SparkPruner(sc, lenet, cfg).shardedSelection(4);
                    sh.prune(data, PruneSpec.global(Criterion.TAYLOR, 0.9), 0.9);  // warm-up
                    SparkPruner sh2 = new SparkPruner(sc, lenet, cfg).shardedSelection(4);
                    w0 = System.nanoTime();
                    sh2.prune(data, PruneSpec.global(Criterion.TAYLOR, 0.9), 0.9);
                    double sharded = (System.nanoTime() - w0) / 1e9;
                    SparkPruner dr = new SparkPruner(sc, lenet, cfg);
                    w0 = System.nanoTime();
                    dr.prune(data, PruneSpec.global(Criterion.TAYLOR, 0.9), 0.9);
                    double driverPrune = (System.nanoTime() - w0) / 1e9;
                    System.out.printf(Locale.ROOT,
                            "%s: one scoring pass over 8000 samples %.2f s; prune event, driver selection %.2f s,"
                                    + " sharded (4 shards) %.2f s%n",
                            master, driver, driverPrune, sharded);
                }
            }
        }
    }
}
