package dev.jprune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.Dataset;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.Schedule;
import dev.jprune.train.TrainConfig;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * The one-call entry points ({@link Training}, {@link Pruning}) given data a user gets wrong: refused before any
 * training (the model's weights unchanged), and a diverged run never reported as a result.
 */
class ApiMisuseTest {
    private static Dataset digits(String name, int n, int classes) {
        float[] x = new float[n * 784];
        int[] y = new int[n];
        new Rng(3).fillUniform(x, -1, 1);
        for (int i = 0; i < n; i++) y[i] = i % classes;
        return new Dataset(name, x, y, new int[] {1, 28, 28}, classes);
    }

    private static float firstWeight(ModelSpec m) { return m.net().parameters().get(0).value.data[0]; }

    @Test
    void trainingRefusesAnEmptySplitBeforeTraining() {
        ModelSpec m = Models.build("mlp-128", 1);
        float w = firstWeight(m);
        Dataset some = digits("some", 16, 10);
        Dataset none = some.subset(0, 0, "none");
        IllegalArgumentException train = assertThrows(IllegalArgumentException.class,
                () -> Training.of(m).epochs(1).device(Device.CPU).run(new Split(none, some)));
        assertEquals("Training.run: the training split none is empty", train.getMessage());
        IllegalArgumentException test = assertThrows(IllegalArgumentException.class,
                () -> Training.of(m).epochs(1).device(Device.CPU).run(new Split(some, none)));
        assertEquals("Training.run: the test split none is empty", test.getMessage());
        assertEquals(w, firstWeight(m), "no epoch ran");
    }

    @Test
    void pruningRefusesAnEmptyTestSplitBeforeTheDenseEpochs() {
        ModelSpec m = Models.build("mlp-128", 1);
        float w = firstWeight(m);
        Dataset some = digits("some", 16, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pruning.of(m).criterion(Criterion.MAGNITUDE).schedule(Schedule.oneShot()).denseEpochs(1)
                        .fineTuneEpochs(0).device(Device.CPU).run(new Split(some, some.subset(0, 0, "none"))));
        assertEquals("Pruning.run: the test split none is empty", e.getMessage());
        assertEquals(w, firstWeight(m), "the dense epoch did not run before the refusal");
        assertNull(m.net().parameters().get(0).mask);
    }

    @Test
    void trainingRefusesMoreClassesThanOutputsBeforeTraining() {
        ModelSpec m = Models.build("mlp-128", 1);
        float w = firstWeight(m);
        Dataset twenty = digits("twenty", 40, 20);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Training.of(m).epochs(1).device(Device.CPU).run(new Split(twenty, twenty)));
        assertTrue(e.getMessage().contains("20 classes") && e.getMessage().contains("10 outputs"), e.getMessage());
        assertEquals(w, firstWeight(m));
    }

    @Test
    void trainingThatDivergesOnItsLastStepThrowsAsDocumentedInsteadOfReportingNaN() {
        // One step of the whole set: the step's loss is finite, the weights it leaves make NaN logits.
        ModelSpec m = Models.build("mlp-128", 1);
        Dataset d = digits("d", 32, 10);
        TrainConfig cfg = TrainConfig.builder(m).epochs(1).batchSize(32).lr(1e30f).momentum(0).build();
        ArithmeticException e = assertThrows(ArithmeticException.class,
                () -> Training.of(m).config(cfg).device(Device.CPU).run(new Split(d, d)));
        assertTrue(e.getMessage().contains("not") || e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void aSoundRunStillReportsFiniteFigures() {
        ModelSpec m = Models.build("mlp-128", 1);
        Dataset d = digits("d", 32, 10);
        Training.Report r = Training.of(m).epochs(1).device(Device.CPU).run(new Split(d, d));
        assertEquals(32, r.test().samples());
        assertTrue(Double.isFinite(r.test().loss()) && Double.isFinite(r.epochs().get(0).trainLoss()));
    }
}
