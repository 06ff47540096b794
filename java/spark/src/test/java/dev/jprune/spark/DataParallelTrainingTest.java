package dev.jprune.spark;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.Dataset;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.Trainer;
import dev.jprune.train.TrainListener;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

class DataParallelTrainingTest {
    static final long SEED = 1;

    @Test
    void explore() {
        JavaSparkContext sc = LocalSpark.get();
        Dataset train = TestData.train(), test = TestData.test();
        int epochs = Integer.getInteger("e", 3);
        int k = Integer.getInteger("k", 25);
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, epochs, 64, SEED);
        long t0 = System.nanoTime();
        ModelSpec single = ModelFactory.named("lenet-300-100", SEED).create();
        new Trainer(single, cfg).fit(train, 0, TrainListener.NONE);
        double accSingle = Trainer.evaluate(single.net(), test, 500).accuracy();
        long t1 = System.nanoTime();
        JavaRDD<Sample> rdd = sc.parallelize(TestData.samples(train, 0, train.size()), 2);
        SparkPruner sp = new SparkPruner(sc, ModelFactory.named("lenet-300-100", SEED), cfg).sync(SyncPolicy.everySteps(k));
        try (PackedSamples data = sp.pack(rdd)) {
            var run = sp.train(data, epochs);
            double accDist = Trainer.evaluate(sp.model().net(), test, 500).accuracy();
            long t2 = System.nanoTime();
            System.out.printf("single %.4f (%.1fs)  dist %.4f (%.1fs, %d rounds)%n", accSingle, (t1 - t0) / 1e9, accDist, (t2 - t1) / 1e9, run.rounds().size());
            for (var r : run.rounds()) System.out.println(r);
        }
    }
}
