package dev.jprune.spark;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.Batcher;
import dev.jprune.data.Dataset;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.nn.Parameter;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.PruningPlan;
import dev.jprune.prune.Schedule;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import dev.jprune.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.TaskContext;
import org.junit.jupiter.api.Test;

class DataParallelTrainingTest {
    static final long SEED = 1;
    static final ModelFactory LENET = ModelFactory.named("lenet-300-100", SEED);

    private static void assertSameValues(ModelSpec a, ModelSpec b, String what) {
        List<Parameter> pa = a.net().parameters(), pb = b.net().parameters();
        for (int i = 0; i < pa.size(); i++) assertArrayEquals(pa.get(i).value.data, pb.get(i).value.data, 0f, what
                + ", parameter " + i);
    }

    @Test
    void twoPartitionsReachTheSingleProcessAccuracyWithinOnePointInTheSameEpochs() {
        Dataset train = TestData.train(), test = TestData.test();
        int epochs = 6;
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, epochs, 64, SEED);
        ModelSpec single = LENET.create();
        new Trainer(single, cfg).fit(train, 0, TrainListener.NONE);
        double accSingle = Trainer.evaluate(single.net(), test, 500).accuracy();

        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, cfg).sync(SyncPolicy.everySteps(25));
        try (PackedSamples data = sp.pack(LocalSpark.get().parallelize(TestData.samples(train, 0, train.size()), 2))) {
            SparkPruner.Run run = sp.train(data, epochs);
            double accDist = Trainer.evaluate(sp.model().net(), test, 500).accuracy();
            // 8000 samples / (2 replicas · 64) = 63 local steps per epoch, averaged every 25: 3 rounds an epoch.
            assertEquals(epochs * 63, run.rounds().stream().mapToLong(SparkPruner.Round::steps).sum());
            assertEquals(2, run.rounds().get(0).replicas());
            assertTrue(Math.abs(accDist - accSingle) <= 0.01, "distributed " + accDist + " vs single process "
                    + accSingle);
            // The distributed evaluation counts the same test samples as the driver's.
            try (PackedSamples t = sp.pack(LocalSpark.get().parallelize(TestData.samples(test, 0, test.size()), 3))) {
                assertEquals(accDist, sp.evaluate(t).accuracy(), 1e-12);
            }
        }
    }

    /**
     * One partition, two rounds: the replica's model and optimizer state go through the broadcast, the task result and
     * the (trivial) average without any change, so the run equals single-process training on the same windows.
     */
    @Test
    void stateRoundTripsExactlyThroughRoundsForSgdAndAdam() {
        Dataset train = TestData.train();
        List<Sample> samples = TestData.samples(train, 0, 300);
        for (OptimizerKind opt : OptimizerKind.values()) {
            TrainConfig cfg = TrainConfig.defaults(opt, opt == OptimizerKind.SGD ? 0.05f : 1e-3f, 1, 32, SEED);
            int k = 4;
            ModelSpec ref = LENET.create();
            Trainer trainer = new Trainer(ref, cfg);
            Shard shard = Shard.pack(0, samples.iterator(), ref.sampleShape(), 10);
            Batcher stream = new Batcher(shard.dataset(), 32, true, false, Replica.streamSeed(SEED, 0));
            for (int r = 0; r < 3; r++) trainer.trainEpoch(shard.window((long) r * k * 32, k * 32, stream::order), r,
                    TrainListener.NONE);

            SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, cfg).sync(SyncPolicy.everySteps(k));
            try (PackedSamples data = sp.pack(LocalSpark.get().parallelize(samples, 1))) {
                sp.train(data, 1);  // 300 / 32 → 10 steps: rounds of 4, 4, 2
            }
            // The reference's third round has 4 steps; redo it with 2 from the second round's end.
            ModelSpec ref2 = LENET.create();
            Trainer t2 = new Trainer(ref2, cfg);
            for (int r = 0; r < 2; r++) t2.trainEpoch(shard.window((long) r * k * 32, k * 32, stream::order), r,
                    TrainListener.NONE);
            t2.trainEpoch(shard.window(2L * k * 32, 2 * 32, stream::order), 2, TrainListener.NONE);
            assertSameValues(ref2, sp.model(), opt.toString());
            if (opt == OptimizerKind.ADAM) assertEquals(10, sp.state().adamStep,
                    "Adam's step count advanced by every round's steps");
        }
    }

    @Test
    void gradualPruningRunsBetweenAveragingRoundsAndEndsAtTheTarget() {
        Dataset train = TestData.train(), test = TestData.test();
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 64, SEED);
        // 2 replicas, 3000 samples: 24 local steps per epoch, rounds of 8; 2 dense epochs, fine-tuning 2 epochs =
        // 48 steps,
        // pruning steps t = 0, 10, 20, 30 → events at the boundaries after steps 8, 16, 24, 32.
        Schedule.Gradual g = new Schedule.Gradual(0, 3, 10, 0.0);
        PruningPlan plan = new PruningPlan(PruneSpec.global(Criterion.TAYLOR, 0.9), g, 2, 2, 0f,
                PruningPlan.Rewind.NONE, 0);
        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, cfg)
                .sync(SyncPolicy.everySteps(8)).scoreBatchesPerPartition(4);
        try (PackedSamples data = sp.pack(LocalSpark.get().parallelize(TestData.samples(train, 0, 3000), 2))) {
            SparkPruner.Run run = sp.fit(data, plan);
            List<Double> asked = run.prunes().stream().map(ModelPruner.Result::requestedSparsity).toList();
            assertEquals(List.of(g.sparsityAt(0, 0.9), g.sparsityAt(10, 0.9), g.sparsityAt(20, 0.9),
                    g.sparsityAt(30, 0.9)), asked);
            ModelPruner.Result last = run.prunes().get(run.prunes().size() - 1);
            assertEquals(0.9, last.achievedSparsity(), 1e-5);
            assertEquals(4 * 24 / 8, run.rounds().size());
            // Fine-tuning after the last prune kept the pruned weights at exactly 0 on every replica (the driver checks
            // the average), and the model still classifies.
            ModelPruner pruner = new ModelPruner(sp.model().net(), plan.spec());
            long kept = 0;
            for (ModelPruner.Target t : pruner.targets()) {
                for (int i = 0; i < t.weight().size(); i++) {
                    if (t.weight().mask[i] == 0) assertEquals(0f, t.weight().value.data[i]);
                    else kept++;
                }
            }
            assertEquals(last.kept(), kept);
            double acc = Trainer.evaluate(sp.model().net(), test, 500).accuracy();
            assertTrue(acc > 0.8, "accuracy " + acc);
        }
    }

    @Test
    void iterativeOneShotAndSnipPlansPruneAtTheirRoundBoundaries() {
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 50, SEED);
        List<Sample> samples = TestData.samples(TestData.train(), 0, 500);  // 2 replicas: 5 steps an epoch
        Schedule.Iterative it = new Schedule.Iterative(3);
        PruneSpec magnitude = PruneSpec.global(Criterion.MAGNITUDE, 0.8);
        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, cfg).sync(SyncPolicy.oncePerEpoch());
        try (PackedSamples data = sp.pack(LocalSpark.get().parallelize(samples, 2))) {
            // 1 dense epoch, then 3 rounds of prune → ⌈3/3⌉ = 1 fine-tune epoch.
            SparkPruner.Run run = sp.fit(data, new PruningPlan(magnitude, it, 1, 3, 0f, PruningPlan.Rewind.NONE, 0));
            assertEquals(List.of(it.sparsityAfterRound(1, 0.8), it.sparsityAfterRound(2, 0.8), 0.8),
                    run.prunes().stream().map(ModelPruner.Result::requestedSparsity).toList());
            assertEquals(4, run.rounds().size(), "one round an epoch: 1 dense + 3 fine-tune");
            assertEquals(0.8, run.prunes().get(2).achievedSparsity(), 1e-5);
            // Masks only shrink: the last prune keeps a subset of the second's.
            assertTrue(run.prunes().get(1).kept() > run.prunes().get(2).kept());
        }
        SparkPruner snip = new SparkPruner(LocalSpark.get(), LENET, cfg);
        try (PackedSamples data = snip.pack(LocalSpark.get().parallelize(samples, 2))) {
            PruneSpec spec = PruneSpec.global(Criterion.SNIP, 0.9);
            SparkPruner.Run run = snip.fit(data, new PruningPlan(spec, new Schedule.OneShot(), 1, 1, 0f,
                    PruningPlan.Rewind.NONE, 0));
            assertEquals(1, run.prunes().size(), "SNIP prunes once, at initialisation");
            assertEquals(2, run.rounds().size(), "then trains dense + fine-tune epochs with the mask");
            assertEquals(0.9, run.prunes().get(0).achievedSparsity(), 1e-5);
            long kept = new ModelPruner(snip.model().net(), spec).targets().stream()
                    .mapToLong(t -> t.weight().nonzeroMaskCount()).sum();
            assertEquals(run.prunes().get(0).kept(), kept, "the mask held through training");
        }
    }

    @Test
    void aRetriedTrainingTaskAndATrailingEmptyPartitionChangeNothing() {
        Dataset train = TestData.train();
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 32, SEED);
        List<Sample> a = TestData.samples(train, 0, 200), b = TestData.samples(train, 200, 400);
        SparkPruner clean = new SparkPruner(LocalSpark.get(), LENET, cfg).sync(SyncPolicy.everySteps(3));
        try (PackedSamples data = clean.pack(DistributedScoringTest.rdd(List.of(a, b)))) {
            clean.train(data, 1);
        }
        SparkPruner flaky = new SparkPruner(LocalSpark.get(), LENET, cfg).sync(SyncPolicy.everySteps(3));
        flaky.hook = (job, p) -> {
            if (p == 1 && TaskContext.get().stageAttemptNumber() == 0 && TaskContext.get().attemptNumber() == 0) {
                throw new IllegalStateException("injected failure of partition 1's first attempt");
            }
        };
        try (PackedSamples data = flaky.pack(DistributedScoringTest.rdd(List.of(a, b, List.of())))) {
            assertEquals(2, data.nonEmptyPartitions());
            flaky.train(data, 1);
        }
        assertSameValues(clean.model(), flaky.model(), "retried tasks and an empty third partition");
    }

    @Test
    void resyncTakesTheDriversChangedWeightsAsTheNextVersion() {
        TrainConfig adam = TrainConfig.defaults(OptimizerKind.ADAM, 1e-3f, 1, 8, 1);
        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, adam);
        Parameter w = sp.model().net().parameters().get(2);
        w.value.data[3] = 42f;
        w.mask = new byte[w.size()];
        w.mask[3] = 1;  // everything else pruned
        assertNotEquals(42f, sp.state().values[2][3], "not broadcast before resync");
        sp.resync();
        assertEquals(1, sp.state().version);
        assertEquals(42f, sp.state().values[2][3]);
        assertEquals(0f, sp.state().values[2][4], "pruned weights zeroed");
        assertArrayEquals(w.mask, sp.state().masks[2]);
    }

    @Test
    void anAverageWithAnUnmaskedReplicaValueIsRefused() {
        ModelSpec m = LENET.create();
        Parameter w = m.net().parameters().get(0);
        w.mask = new byte[w.size()];
        java.util.Arrays.fill(w.mask, (byte) 1);
        w.mask[5] = 0;
        w.value.data[5] = 0.25f;  // what a replica that ignored the mask would send
        ModelState s = ModelState.capture(0, m.net(), Trainer.createOptimizer(m.net().parameters(),
                TrainConfig.defaults(OptimizerKind.SGD, 0.1f, 1, 8, 1)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SparkPruner.requireMasked(s));
        assertTrue(e.getMessage().contains("0.weight[5]"), e.getMessage());
    }
}
