package dev.jprune.spark;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.Models;
import dev.jprune.nn.Linear;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.PruningPlan;
import dev.jprune.prune.Schedule;
import dev.jprune.train.TrainConfig;
import dev.jprune.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.TaskContext;
import org.junit.jupiter.api.Test;

/** Bad input gets a one-line error naming the partition (and sample) and what was expected. */
class BadInputTest {
    static final ModelFactory LENET = ModelFactory.named("lenet-300-100", 2);
    static final TrainConfig CFG = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 16, 2);

    static List<Sample> digits(int from, int to) {
        return TestData.samples(TestData.train(), from, to);
    }

    @Test
    void aSampleOfTheWrongShapeNamesItsPartitionAndPosition() {
        List<Sample> bad = new ArrayList<>(digits(0, 10));
        bad.set(3, new Sample(new float[783], 1));
        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, CFG);
        PartitionException e = assertThrows(PartitionException.class,
                () -> sp.pack(DistributedScoringTest.rdd(List.of(digits(10, 20), bad))));
        assertTrue(e.getMessage().contains("partition 1, sample 3: 783 features, the model expects 784"
                + " (shape [1, 28, 28])"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void aLabelOutsideTheModelsClassesIsRefused() {
        List<Sample> bad = new ArrayList<>(digits(0, 5));
        bad.set(4, new Sample(bad.get(4).features(), 10));
        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, CFG);
        PartitionException e = assertThrows(PartitionException.class,
                () -> sp.pack(DistributedScoringTest.rdd(List.of(bad))));
        assertTrue(e.getMessage().contains("partition 0, sample 4: label 10 outside [0, 10)"), e.getMessage());
    }

    @Test
    void emptyDataSetsAreRefusedAndEmptyPartitionsAreSkipped() {
        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, CFG);
        try (PackedSamples none = sp.pack(DistributedScoringTest.rdd(List.of(List.of(), List.of())))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sp.train(none, 1));
            assertTrue(e.getMessage().contains("the training data set is empty (2 empty partitions)"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> sp.scores(none, PruneSpec.global(Criterion.TAYLOR,
                    0.5)));
        }
        try (PackedSamples some = sp.pack(DistributedScoringTest.rdd(List.of(List.of(), digits(0, 40), List.of())))) {
            assertEquals(1, some.nonEmptyPartitions());
            assertEquals(3, sp.stepsPerEpoch(some), "40 samples / (1 replica · 16)");
            assertEquals(3, sp.train(some, 1).rounds().stream().mapToLong(SparkPruner.Round::steps).sum());
        }
    }

    /** lenet-300-100 with 301 hidden units: what an executor with other model code would build. */
    static ModelSpec otherLenet() {
        Rng rng = new Rng(2);
        Sequential net = new Sequential(new Linear(784, 301, rng), new ReLU(), new Linear(301, 100, rng), new ReLU(),
                new Linear(100, 10, rng));
        return new ModelSpec("lenet-300-100", net, new int[] {1, 28, 28}, ModelSpec.Task.CLASSIFICATION, 10,
                OptimizerKind.SGD, 0.05f);
    }

    @Test
    void anExecutorThatBuildsADifferentModelIsNamed() {
        // The driver (no task context) builds the real model; executors build another version of it.
        ModelFactory skewed = () -> TaskContext.get() == null ? Models.build("lenet-300-100", 2) : otherLenet();
        SparkPruner sp = new SparkPruner(LocalSpark.get(), skewed, CFG);
        try (PackedSamples data = sp.pack(DistributedScoringTest.rdd(List.of(digits(0, 32))))) {
            PartitionException e = assertThrows(PartitionException.class, () -> sp.train(data, 1));
            assertTrue(e.getMessage().contains("partition 0: parameter 0.weight has shape [301, 784] here but"
                    + " [300, 784] in the driver's model (version 0)"),
                    e.getMessage());
            ModelFactory other = () -> TaskContext.get() == null ? Models.build("lenet-300-100", 2)
                    : Models.build("mlp-128", 2);
            SparkPruner sp2 = new SparkPruner(LocalSpark.get(), other, CFG);
            PartitionException e2 = assertThrows(PartitionException.class, () -> sp2.scores(data,
                    PruneSpec.global(Criterion.GRADIENT, 0.5)));
            assertTrue(e2.getMessage().contains("partition 0: the model built here has parameters"
                    + " [0.weight, 0.bias, 3.weight, 3.bias]"), e2.getMessage());
        }
    }

    @Test
    void aReplicaHandedAnotherVersionOfTheStateRefusesToTrain() {
        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, CFG);
        ModelState v0 = sp.state();
        PartitionException e = assertThrows(PartitionException.class,
                () -> Replica.open(LENET, v0, 1, CoreConfigs.settings(CFG), 0.05f, 4));
        assertEquals("partition 4: received model version 0 for a job on version 1", e.getMessage());
    }

    @Test
    void nonFiniteInputsInAPartitionNameThePartitionTheSampleAndTheInput() {
        List<Sample> bad = new ArrayList<>(digits(0, 16));
        float[] f = bad.get(7).features().clone();
        f[100] = Float.NaN;
        bad.set(7, new Sample(f, bad.get(7).label()));
        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, CFG);
        try (PackedSamples data = sp.pack(DistributedScoringTest.rdd(List.of(digits(16, 32), bad)))) {
            PartitionException e = assertThrows(PartitionException.class, () -> sp.scores(data,
                    PruneSpec.global(Criterion.GRADIENT, 0.5)));
            // refused where the partition's data is formed (before it can reach a gradient): which partition, which
            // sample of it, which input
            assertTrue(e.getMessage().startsWith("scoring: partition 1: "), e.getMessage());
            assertTrue(e.getMessage().contains("input 100 of sample 7 is NaN"), e.getMessage());
        }
    }

    @Test
    void aDivergingReplicaStopsTrainingWithANonZeroOutcome() {
        TrainConfig wild = TrainConfig.defaults(OptimizerKind.SGD, 1e8f, 1, 16, 2);
        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, wild).sync(SyncPolicy.everySteps(4));
        try (PackedSamples data = sp.pack(DistributedScoringTest.rdd(List.of(digits(0, 64))))) {
            ArithmeticException e = assertThrows(ArithmeticException.class, () -> sp.train(data, 1));
            assertTrue(e.getMessage().startsWith("training round 0: training diverged"), e.getMessage());
            assertEquals(0, sp.state().version, "the driver's model is left as it was");
        }
    }

    @Test
    void whatDistributedRunsDoNotDoIsRefusedBeforeAnyJob() {
        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, CFG);
        try (PackedSamples data = sp.pack(DistributedScoringTest.rdd(List.of(digits(0, 16))))) {
            PruneSpec movement = PruneSpec.global(Criterion.MOVEMENT, 0.5);
            assertThrows(IllegalArgumentException.class, () -> sp.fit(data, new PruningPlan(movement,
                    new Schedule.OneShot(), 0, 1, 0f, PruningPlan.Rewind.NONE, 0)));
            PruneSpec taylor = PruneSpec.global(Criterion.TAYLOR, 0.5);
            assertThrows(IllegalArgumentException.class, () -> sp.fit(data, new PruningPlan(taylor,
                    new Schedule.OneShot(), 0, 1, 0f, PruningPlan.Rewind.INIT, 0)));
            SparkPruner sharded = new SparkPruner(LocalSpark.get(), LENET, CFG).shardedSelection(2);
            PruneSpec perLayer = new PruneSpec(Criterion.TAYLOR, dev.jprune.prune.Granularity.UNSTRUCTURED,
                    dev.jprune.prune.Scope.PER_LAYER, 0.5, 2, 4, dev.jprune.prune.Structured.Norm.L2, Float.NaN,
                    java.util.Set.of(), false, 0, 1, 1, dev.jprune.prune.ScoreAccumulator.Mode.SUM, 0.9f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sharded.prune(data,
                    perLayer, 0.5));
            assertTrue(e.getMessage().contains("sharded selection does global unstructured pruning"), e.getMessage());
        }
    }
}
