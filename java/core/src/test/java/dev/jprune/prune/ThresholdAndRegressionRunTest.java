package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.Split;
import dev.jprune.data.SyntheticRegression;
import dev.jprune.models.ModelOptions;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.train.CpuBackend;
import dev.jprune.train.Evaluation;
import dev.jprune.train.StopRule;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Threshold mode on the mean per-batch score, and a whole pruning run on regression data (MSE, not accuracy). */
class ThresholdAndRegressionRunTest {
    @Test
    void thresholdComparesTheMeanPerScoreBatchNotTheSum() {
        ModelSpec m = Models.build("lenet-300-100", 2);
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.GRADIENT).threshold(0.01f).scoreBatches(4).build();
        ModelPruner p = new ModelPruner(m.net(), spec);
        ScoreAccumulator acc = p.newAccumulator();
        dev.jprune.util.Rng rng = new dev.jprune.util.Rng(3);
        float[][] g = new float[p.sizes().length][];
        for (int b = 0; b < 4; b++) {
            for (int t = 0; t < g.length; t++) { g[t] = new float[p.sizes()[t]]; rng.fillUniform(g[t], -0.03f, 0.03f); }
            acc.accumulate(p.weights(), g);
        }
        float[][] sums = new float[g.length][];
        for (int t = 0; t < g.length; t++) sums[t] = acc.buffers()[t].clone();
        ModelPruner.Result r = p.prune(0.9, p.scores(acc));
        long want = 0;
        for (int t = 0; t < g.length; t++) {
            for (int i = 0; i < sums[t].length; i++) {
                int keep = sums[t][i] / 4f >= 0.01f ? 1 : 0;
                want += keep;
                assertEquals(keep, p.targets().get(t).weight().mask[i], "tensor " + t + " element " + i);
            }
        }
        assertEquals(want, r.kept());
        // Mean |g| of U(-0.03, 0.03) over 4 batches is about 0.015: roughly a third goes, nowhere near all (the sum
        // would have kept nearly every weight at 0.01 and the old reading pruned by 16x the threshold).
        assertTrue(r.achievedSparsity() > 0.1 && r.achievedSparsity() < 0.6, "sparsity " + r.achievedSparsity());
    }

    @Test
    void aRegressionRunReportsMseBeforeRightAfterAndAfterRetraining() {
        Split data = SyntheticRegression.parse("n=400,features=4,slope=2:0:-1:0.01,noise=0.1").generate();
        ModelSpec m = Models.build("linear-regression", 3, ModelOptions.DEFAULT.withSizes(4, 1));
        TrainConfig cfg = TrainConfig.builder(m).epochs(15).batchSize(20).build();
        PruningPlan plan = PruningPlan.builder(PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0.5).build())
                .schedule(Schedule.oneShot()).denseEpochs(15).fineTuneEpochs(3).build();
        PruningRun.Outcome o = new PruningRun(m, cfg, plan, PruneListener.NONE).run(data);
        PruningRun.Evaluations e = o.evaluations();
        assertTrue(Double.isNaN(o.denseAccuracy()) && Double.isNaN(o.prunedAccuracy()), "no accuracy for regression");
        assertTrue(e.dense().regression() && e.pruned().regression());
        // Noise 0.1: the dense fit reaches an MSE near 0.01; magnitude keeps the two weights of the slopes 2 and -1, so
        // pruning the other two (slopes 0 and 0.01) costs little.
        assertEquals(0.01, e.dense().loss(), 0.005);
        assertEquals(0.01, e.denseTrain().loss(), 0.005);
        assertNotNull(e.justPruned());
        assertTrue(e.justPruned().loss() < 0.05, "right after pruning: " + e.justPruned().loss());
        assertEquals(0.5, o.achievedSparsity(), 1e-12);
        Evaluation again = Trainer.evaluate(m.net(), data.test(), 100);
        assertEquals(again.loss(), e.pruned().loss(), 1e-12, "the reported MSE is the model's");
        float[] w = m.net().namedParameters().get("0.weight").value.data;
        assertEquals(0f, w[1]);
        assertEquals(0f, w[3]);
    }

    @Test
    void stopRulesEndAPhaseEarlyAndSayWhy() {
        Split data = SyntheticRegression.parse("n=200,noise=0.01").generate();
        ModelSpec m = Models.build("linear-regression-1", 1);
        List<String> stops = new ArrayList<>();
        int[] epochs = {0};
        PruneListener l = new PruneListener() {
            @Override public void onEpoch(dev.jprune.train.EpochStats s) { epochs[0]++; }
            @Override public void onEarlyStop(int n, String reason) { stops.add(n + ": " + reason); }
        };
        TrainConfig cfg = TrainConfig.builder(m).epochs(50).batchSize(10).stop(new StopRule(0.01, 0)).build();
        PruningPlan plan = PruningPlan.builder(PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0).build())
                .schedule(Schedule.oneShot()).denseEpochs(50).fineTuneEpochs(0).build();
        new PruningRun(m, cfg, plan, l).run(data);
        assertEquals(1, stops.size(), stops.toString());
        assertTrue(stops.get(0).contains("reached the target"), stops.get(0));
        assertTrue(epochs[0] < 50, "stopped early: " + epochs[0]);
        // Patience 3: three epochs in a row without a loss below the best so far stop the phase.
        StopRule.Tracker t = new StopRule(Double.NaN, 3).tracker();
        assertFalse(t.stopAfter(1.0));
        assertFalse(t.stopAfter(0.9));
        assertFalse(t.stopAfter(0.95));
        assertFalse(t.stopAfter(0.9));
        assertTrue(t.stopAfter(0.91));
        assertTrue(t.reason().contains("no improvement"), t.reason());
        assertThrows(IllegalArgumentException.class, () -> new StopRule(Double.NaN, -1));
        // a negative target can never be reached (cross-entropy and MSE are >= 0): refused, naming the rule
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> new StopRule(-1, 0));
        assertTrue(neg.getMessage().contains(">= 0"), neg.getMessage());
        assertEquals(0.0, new StopRule(0, 0).targetLoss(), "a target of exactly 0 stays allowed");
    }

    /**
     * A rule met after the first epoch ends a 3-epoch phase there, reported as "after 1 epoch"; met in the last epoch
     * of a phase it stops nothing, so nothing is reported.
     */
    @Test
    void anEarlyStopReportsTheEpochsRunAndTheLastEpochIsNoEarlyStop() {
        Split data = SyntheticRegression.parse("n=100,noise=0.01").generate();
        for (int phase : new int[] {3, 1}) {
            ModelSpec m = Models.build("linear-regression-1", 1);
            List<Integer> stops = new ArrayList<>();
            int[] epochs = {0};
            PruneListener l = new PruneListener() {
                @Override public void onEpoch(dev.jprune.train.EpochStats s) { epochs[0]++; }
                @Override public void onEarlyStop(int n, String reason) { stops.add(n); }
            };
            TrainConfig cfg = TrainConfig.builder(m).epochs(phase).batchSize(10).stop(new StopRule(1e30, 0)).build();
            PruningPlan plan = PruningPlan.builder(PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0)
                    .build()).schedule(Schedule.oneShot()).denseEpochs(phase).fineTuneEpochs(0).build();
            new PruningRun(m, cfg, plan, l).run(data);
            assertEquals(1, epochs[0], phase + "-epoch phase: epochs trained");
            assertEquals(phase == 1 ? List.of() : List.of(1), stops, phase + "-epoch phase: early stops reported");
        }
    }
}
