package dev.jprune.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.Dataset;
import dev.jprune.data.RegressionData;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.ModelSpec.Task;
import dev.jprune.models.Models;
import dev.jprune.nn.Linear;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Contracts of the train package: epoch statistics, listeners, clipping, backend plumbing, checks. */
class TrainerContractsTest {
    // 5 samples, batch 2: batches of 2, 2 and a partial 1. Identity weights: logits = x.
    static final float[] X = {2, 0, 0, 1, 1, 3, 0.5f, 0, 0, 2};
    static final int[] Y = {0, 1, 0, 1, 1};
    static final float[] RX = {1, 2, -1, 0.5f, 3};
    static final float[] RT = {0, 2.5f, 1, -1, 2};
    static final float TINY_LR = 1e-30f; // an update that leaves weights 1 and 0 unchanged at float precision

    static ModelSpec identityClassifier() {
        Linear lin = new Linear(2, 2, new Rng(1));
        float[] w = lin.weight.value.data;
        java.util.Arrays.fill(w, 0f);
        w[0] = 1;
        w[3] = 1;
        java.util.Arrays.fill(lin.bias.value.data, 0f);
        return new ModelSpec("id2", new Sequential(lin), new int[] {2}, Task.CLASSIFICATION, 2,
                OptimizerKind.SGD, 0.1f);
    }

    static ModelSpec identityRegressor() {
        ModelSpec m = Models.linearRegression(1, new Rng(2));
        Linear lin = (Linear) m.net().layer(0);
        lin.weight.value.data[0] = 1;
        lin.bias.value.data[0] = 0;
        return m;
    }

    static TrainConfig cfg(float lr, int batch, float clipNorm) {
        return new TrainConfig(1, batch, lr, OptimizerKind.SGD, 0f, 0f, false, 0f, clipNorm, 3);
    }

    static final class Recorder implements TrainListener {
        final List<Integer> steps = new ArrayList<>();
        final List<Double> accs = new ArrayList<>();
        final List<Double> norms = new ArrayList<>();
        final List<EpochStats> epochs = new ArrayList<>();
        int stepsPerEpoch = -1;
        @Override public void onStep(int e, int step, int n, double loss, double norm, double acc) {
            steps.add(step);
            accs.add(acc);
            norms.add(norm);
            stepsPerEpoch = n;
        }
        @Override public void onEpoch(EpochStats s) { epochs.add(s); }
    }

    /** Mean cross-entropy of logits = x over the set, computed here in double. */
    static double expectedCe() {
        double sum = 0;
        for (int i = 0; i < 5; i++) {
            double a = X[2 * i], b = X[2 * i + 1];
            double m = Math.max(a, b);
            sum += m + Math.log(Math.exp(a - m) + Math.exp(b - m)) - (Y[i] == 0 ? a : b);
        }
        return sum / 5;
    }

    static double expectedMse() {
        double sum = 0;
        for (int i = 0; i < 5; i++) sum += (RX[i] - RT[i]) * (double) (RX[i] - RT[i]);
        return sum / 5;
    }

    // Pins Trainer.trainEpoch (classification): mean loss weighted by batch size over a partial last batch, accuracy,
    // sample count, seconds within the wall time, listener steps 0..2 and running accuracy, onEpoch with the result.
    @Test
    void classificationEpochStatsAreSampleWeightedMeansAndListenerSeesEveryStep() {
        ModelSpec m = identityClassifier();
        Trainer t = new Trainer(m, cfg(TINY_LR, 2, 0f));
        Dataset d = new Dataset("five", X, Y, new int[] {2}, 2);
        Recorder r = new Recorder();
        long t0 = System.nanoTime();
        EpochStats s = t.trainEpoch(d, 4, r);
        double wall = (System.nanoTime() - t0) / 1e9;
        assertNotNull(s);
        assertEquals(4, s.epoch());
        assertEquals(expectedCe(), s.trainLoss(), 1e-5);
        assertEquals(3 / 5.0, s.trainAccuracy(), 1e-12); // samples 0, 1, 4 have their label's logit largest
        assertEquals(5, s.samples());
        assertTrue(s.seconds() >= 0 && s.seconds() <= wall, "seconds " + s.seconds() + " wall " + wall);
        assertEquals(List.of(0, 1, 2), r.steps);
        assertEquals(3, r.stepsPerEpoch);
        assertEquals(3 / 5.0, r.accs.get(2), 1e-12, "running accuracy after the last step is the epoch's");
        for (double a : r.accs) assertTrue(a >= 0 && a <= 1, "running accuracy " + a);
        assertEquals(List.of(s), r.epochs);
        assertEquals(3, t.globalStep());
    }

    // Pins Trainer.trainEpoch(Dataset) on regression targets: MSE mean over samples, accuracy NaN (epoch and steps).
    @Test
    void regressionDatasetEpochHasMseMeanAndNaNAccuracy() {
        Trainer t = new Trainer(identityRegressor(), cfg(TINY_LR, 2, 0f));
        Dataset d = Dataset.regression("r5", RX, RT, new int[] {1}, 1);
        Recorder r = new Recorder();
        EpochStats s = t.trainEpoch(d, 0, r);
        assertEquals(expectedMse(), s.trainLoss(), 1e-5);
        assertTrue(Double.isNaN(s.trainAccuracy()));
        assertEquals(5, s.samples());
        for (double a : r.accs) assertTrue(Double.isNaN(a), "step accuracy " + a);
    }

    // Pins Trainer.trainEpoch(RegressionData): mean over samples with a partial batch, count, time, steps, onEpoch.
    @Test
    void regressionDataEpochStatsAndListener() {
        Trainer t = new Trainer(identityRegressor(), cfg(TINY_LR, 2, 0f));
        RegressionData d = new RegressionData("r5", RX, 1, RT, 1);
        Recorder r = new Recorder();
        long t0 = System.nanoTime();
        EpochStats s = t.trainEpoch(d, 2, r);
        double wall = (System.nanoTime() - t0) / 1e9;
        assertNotNull(s);
        assertEquals(expectedMse(), s.trainLoss(), 1e-5);
        assertEquals(5, s.samples());
        assertTrue(s.seconds() >= 0 && s.seconds() <= wall, "seconds " + s.seconds() + " wall " + wall);
        assertEquals(List.of(0, 1, 2), r.steps);
        assertEquals(List.of(s), r.epochs);
    }

    // Pins the data checks at the start of both trainEpoch overloads.
    @Test
    void trainEpochRejectsDataThatDoesNotFitTheModel() {
        Trainer c = new Trainer(identityClassifier(), cfg(0.1f, 2, 0f));
        Dataset reg = Dataset.regression("r2", new float[] {1, 2, 3, 4}, new float[] {0, 1, 1, 0}, new int[] {2}, 2);
        var e1 = assertThrows(IllegalArgumentException.class, () -> c.trainEpoch(reg, 0, TrainListener.NONE));
        assertTrue(e1.getMessage().contains("classification model"), e1.getMessage());
        Trainer r = new Trainer(identityRegressor(), cfg(0.1f, 2, 0f));
        RegressionData wide = new RegressionData("wide", new float[] {1, 2, 3, 4}, 2, new float[] {0, 1}, 1);
        var e2 = assertThrows(IllegalArgumentException.class, () -> r.trainEpoch(wide, 0, TrainListener.NONE));
        assertTrue(e2.getMessage().contains("expects samples of shape"), e2.getMessage());
    }

    // Pins fit: one EpochStats per configured epoch, numbered from firstEpoch; config() returns the configuration.
    @Test
    void fitReturnsOneStatsPerEpochNumberedFromFirst() {
        TrainConfig cfg = cfg(TINY_LR, 2, 0f).withEpochs(2);
        Trainer t = new Trainer(identityClassifier(), cfg);
        List<EpochStats> out = t.fit(new Dataset("five", X, Y, new int[] {2}, 2), 3, TrainListener.NONE);
        assertEquals(2, out.size());
        assertEquals(3, out.get(0).epoch());
        assertEquals(4, out.get(1).epoch());
        assertSame(cfg, t.config());
    }

    /** L2 distance between parameter values before and after. */
    static double moved(float[][] before, Sequential net) {
        double s = 0;
        List<Parameter> ps = net.parameters();
        for (int i = 0; i < ps.size(); i++) {
            for (int j = 0; j < before[i].length; j++) {
                double d = ps.get(i).value.data[j] - before[i][j];
                s += d * d;
            }
        }
        return Math.sqrt(s);
    }

    // Pins clip-by-norm in the optimizer step: with SGD (no momentum) one step moves the weights by lr * norm
    // without clipping, and by lr * clipNorm when clipNorm is below the gradient norm.
    @Test
    void clipNormBoundsTheStepAndOffLeavesItUnscaled() {
        for (float clip : new float[] {0f, 0.01f}) {
            ModelSpec m = identityRegressor();
            Trainer t = new Trainer(m, cfg(0.5f, 5, clip));
            float[][] before = m.net().copyValues();
            Recorder r = new Recorder();
            t.trainEpoch(new RegressionData("r5", RX, 1, RT, 1), 0, r);
            double norm = r.norms.get(0);
            assertTrue(norm > 0.01, "gradient norm " + norm);
            double expected = 0.5 * (clip > 0 ? clip : norm);
            assertEquals(expected, moved(before, m.net()), 1e-4 * Math.max(1, expected), "clipNorm " + clip);
        }
    }

    // Pins CpuBackend.gradientsOnBatches: stale gradients are cleared before the first batch and after the last.
    @Test
    void gradientsOnBatchesStartsAndEndsWithZeroGradients() {
        List<float[]> clean = new ArrayList<>(), poisoned = new ArrayList<>();
        for (List<float[]> sink : List.of(clean, poisoned)) {
            ModelSpec m = identityRegressor();
            CpuBackend b = new CpuBackend(m, cfg(0.1f, 5, 0f));
            Parameter w = m.net().parameters().get(0);
            if (sink == poisoned) w.grad.data[0] = 1e6f;
            b.gradientsOnBatches(Dataset.regression("r5", RX, RT, new int[] {1}, 1), 1, 7,
                    () -> sink.add(w.grad.data.clone()));
            for (Parameter p : m.net().parameters()) {
                for (float g : p.grad.data) assertEquals(0f, g, "gradient left after gradientsOnBatches");
            }
        }
        assertEquals(1, clean.size());
        assertNotEquals(0f, clean.get(0)[0]);
        assertArrayEquals(clean.get(0), poisoned.get(0), "a stale gradient leaked into the first batch");
    }

    // Pins CpuBackend's plumbing: removeHook, setLearningRate, masks enforced after an optimizer reset.
    @Test
    void cpuBackendForwardsHooksLearningRateAndMasks() {
        ModelSpec m = identityRegressor();
        CpuBackend b = new CpuBackend(m, cfg(0.1f, 5, 0f));
        int[] calls = {0};
        StepHook h = new StepHook() {
            @Override public void afterStep(long step) { calls[0]++; }
        };
        b.addHook(h);
        b.removeHook(h);
        b.trainEpoch(Dataset.regression("r5", RX, RT, new int[] {1}, 1), 0, TrainListener.NONE);
        assertEquals(0, calls[0], "a removed hook was called");
        b.setLearningRate(0.025f);
        assertEquals(0.025f, b.trainer().optimizer().learningRate());
        Parameter w = m.net().parameters().get(0);
        w.value.data[0] = 3f;
        w.mask = new byte[] {0};
        b.weightsReplacedAndResetOptimizer();
        assertEquals(0f, w.value.data[0], "a pruned weight survived the optimizer reset");
    }

    // Pins StopRule.active and the patience count (stop exactly when sinceBest reaches patience).
    @Test
    void stopRuleActivityAndPatienceBoundary() {
        assertFalse(StopRule.NONE.active());
        assertFalse(new StopRule(Double.NaN, 0).active());
        assertTrue(new StopRule(Double.NaN, 1).active());
        assertTrue(new StopRule(0.5, 0).active());
        StopRule.Tracker tr = new StopRule(Double.NaN, 2).tracker();
        assertFalse(tr.stopAfter(1.0), "first epoch sets the best");
        assertFalse(tr.stopAfter(1.0), "one epoch without improvement, patience 2");
        assertTrue(tr.stopAfter(1.0), "two epochs without improvement, patience 2");
        assertNotNull(tr.reason());
    }

    // Pins NonFinite: 0 samples rejected (boundary), valid values returned as given, finite weights accepted.
    @Test
    void nonFiniteBoundariesAndPassThrough() {
        EpochStats zero = new EpochStats(0, 0.5, 0.5, 1, 0, 1);
        var e = assertThrows(ArithmeticException.class, () -> NonFinite.require(zero, "train"));
        assertTrue(e.getMessage().contains("0 samples"), e.getMessage());
        EpochStats ok = new EpochStats(0, 0.5, 0.5, 1, 1, 1);
        assertSame(ok, NonFinite.require(ok, "train"));
        Evaluation evZero = new Evaluation(0.5, 0.5, 0);
        assertThrows(ArithmeticException.class, () -> NonFinite.require(evZero, "test"));
        Evaluation evOk = new Evaluation(0.5, 0.5, 1);
        assertSame(evOk, NonFinite.require(evOk, "test"));
        Sequential net = identityRegressor().net();
        NonFinite.requireWeights(net, "final");
        net.parameters().get(0).value.data[0] = Float.NaN;
        var w = assertThrows(ArithmeticException.class, () -> NonFinite.requireWeights(net, "final"));
        assertTrue(w.getMessage().contains("NaN"), w.getMessage());
    }

    // Pins the small records: Evaluation.regression/metric, EpochStats.samplesPerSecond, StepHook.needsHost default.
    @Test
    void recordsReportTheirDerivedFigures() {
        Evaluation cls = new Evaluation(0.75, 1.25, 4);
        assertFalse(cls.regression());
        assertEquals(0.75, cls.metric());
        Evaluation reg = new Evaluation(Double.NaN, 1.25, 4);
        assertTrue(reg.regression());
        assertEquals(1.25, reg.metric());
        assertEquals(50.0, new EpochStats(0, 1, 1, 0, 100, 2.0).samplesPerSecond(), 1e-9);
        assertTrue(new StepHook() {}.needsHost(5));
    }

    // Pins TrainConfig's boundaries: epochs 0 and batch 1 are valid, Adam epsilon 0 is not.
    @Test
    void trainConfigBoundaries() {
        assertEquals(0, new TrainConfig(0, 1, 0.1f, OptimizerKind.SGD, 0f, 0f, false, 0f, 0f, 1).epochs());
        assertThrows(IllegalArgumentException.class,
                () -> new TrainConfig(-1, 1, 0.1f, OptimizerKind.SGD, 0f, 0f, false, 0f, 0f, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new TrainConfig(1, 0, 0.1f, OptimizerKind.SGD, 0f, 0f, false, 0f, 0f, 1));
        var e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().adamEps(0f).build());
        assertTrue(e.getMessage().contains("Adam epsilon"), e.getMessage());
    }
}
