package dev.jprune.prune;

import static dev.jprune.prune.RecordingBackend.pruneEntry;
import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.EmbeddedMnist;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import dev.jprune.optim.Sgd;
import dev.jprune.train.StepHook;
import dev.jprune.train.TrainConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a PruningRun asks of its backend, in order, for every schedule: dense epochs, the evaluation, each prune with
 * the batches in its scores, the fine-tuning epochs, rewinding, the final sync. The backend is the CPU one, recorded
 * ({@link RecordingBackend}); every run leaves it without the hooks it added.
 */
class PruningRunTest {
    static Split tiny;

    @BeforeAll
    static void data() throws Exception {
        Split s = EmbeddedMnist.standardizedSplit();
        tiny = new Split(s.train().subset(0, 600), s.test().subset(0, 300));  // batch 100: 6 steps an epoch
    }

    static TrainConfig cfg(int denseEpochs) {
        return TrainConfig.builder().epochs(denseEpochs).batchSize(100).lr(0.05f).build();
    }

    static RecordingBackend.Pruning run(ModelSpec m, TrainConfig c, PruningPlan plan, boolean device) {
        RecordingBackend.Pruning b = new RecordingBackend.Pruning(m, c, device);
        new PruningRun(m, c, plan, PruneListener.NONE, b).run(tiny);
        assertEquals(List.of(), b.hooks, "the run removes every hook it added");
        return b;
    }

    static RecordingBackend.Pruning run(ModelSpec m, TrainConfig c, PruningPlan plan) { return run(m, c, plan, false); }

    /** One-shot: the dense epochs, their evaluation, the fine-tuning rate, one prune, the fine-tuning epochs, the
     *  end. */
    @Test
    void oneShotPrunesOnceBetweenDenseTrainingAndFineTuning() {
        ModelSpec m = Models.build("lenet-300-100", 1);
        PruningPlan plan = PruningPlan.builder(PruneSpec.global(Criterion.MAGNITUDE, 0.9)).schedule(Schedule.oneShot())
                .denseEpochs(2).fineTuneEpochs(3).fineTuneLr(0.02f).build();
        // the evaluation right after the prune is the "right after" figure, before fine-tuning
        assertEquals(List.of("epoch 0", "epoch 1", "evaluate", "lr 0.02", pruneEntry(0.9, -1), "evaluate", "epoch 2",
                "epoch 3", "epoch 4", "evaluate", "sync"), run(m, cfg(2), plan).log);
        assertTrue(run(Models.build("lenet-300-100", 1), cfg(2), plan.toBuilder().fineTuneLr(0f).build()).log.stream()
                .noneMatch(s -> s.startsWith("lr")), "a fine-tuning rate of 0 keeps the training rate");
    }

    /** Iterative: R rounds of (prune to the round's geometric sparsity, ⌈E/R⌉ epochs); fresh gradient scores per
     *  round. */
    @Test
    void iterativeRoundsPruneGeometricallyAndFineTuneTheirShareOfEpochs() {
        ModelSpec m = Models.build("lenet-300-100", 2);
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.TAYLOR).sparsity(0.8).scoreBatches(2).build();
        Schedule.Iterative it = new Schedule.Iterative(3);
        PruningPlan plan = PruningPlan.builder(spec).schedule(it).denseEpochs(1).fineTuneEpochs(4).build();
        List<Long> reported = new ArrayList<>();
        RecordingBackend.Pruning b = new RecordingBackend.Pruning(m, cfg(1), false);
        new PruningRun(m, cfg(1), plan, new PruneListener() {
            @Override public void onPrune(long step, double target, double achieved, long batches) {
                reported.add(batches);
            }
        }, b).run(tiny);
        List<String> want = new ArrayList<>(List.of("epoch 0", "evaluate"));
        int epoch = 1;
        for (int r = 1; r <= 3; r++) {
            want.addAll(List.of("accumulate 3", "score 2", pruneEntry(it.sparsityAfterRound(r, 0.8), 2)));
            if (r == 3) want.add("evaluate");  // right after the last prune
            want.add("epoch " + epoch++);
            want.add("epoch " + epoch++);  // ⌈4 / 3⌉ = 2 epochs a round
        }
        want.addAll(List.of("evaluate", "sync"));
        assertEquals(want, b.log);
        assertEquals(List.of(2L, 2L, 2L), reported, "the listener hears the batches in each prune's scores");

        Schedule.Iterative two = new Schedule.Iterative(2);
        assertEquals(List.of("epoch 0", "evaluate", "accumulate 3", "score 2",
                pruneEntry(two.sparsityAfterRound(1, 0.8), 2), "epoch 1", "accumulate 3", "score 2",
                pruneEntry(two.sparsityAfterRound(2, 0.8), 2), "evaluate", "epoch 2", "evaluate", "sync"),
                run(Models.build("lenet-300-100", 2), cfg(1),
                        plan.toBuilder().schedule(two).fineTuneEpochs(1).build()).log,
                "each round trains at least one epoch, even with fewer fine-tuning epochs than rounds");
        List<String> even = run(Models.build("lenet-300-100", 2), cfg(1),
                plan.toBuilder().schedule(it).fineTuneEpochs(3).build()).log;
        assertEquals(List.of("epoch 0", "epoch 1", "epoch 2", "epoch 3"),
                even.stream().filter(s -> s.startsWith("epoch")).toList(), "3 epochs over 3 rounds: one each");
    }

    /**
     * Gradual with Taylor scores: each prune sees the batches since the previous one (the scores restart), at the
     * schedule's steps (t0 = 1 is no multiple of Δt = 2), at the schedule's sparsity; s_i = 0.3.
     */
    @Test
    void gradualPrunesAtTheScheduledStepsWithTheScoresSinceTheLastPrune() {
        ModelSpec m = Models.build("lenet-300-100", 3);
        Schedule.Gradual g = new Schedule.Gradual(1, 2, 2, 0.3);  // prunes at fine-tuning steps 1, 3, 5
        PruningPlan plan = PruningPlan.builder(PruneSpec.builder().criterion(Criterion.TAYLOR).sparsity(0.8).build())
                .schedule(g).denseEpochs(1).fineTuneEpochs(1).build();
        RecordingBackend.Pruning b = run(m, cfg(1), plan);
        assertEquals(List.of("epoch 0", "evaluate", "accumulate 3", "epoch 1", pruneEntry(g.sparsityAt(1, 0.8), 2),
                pruneEntry(g.sparsityAt(3, 0.8), 2), pruneEntry(0.8, 2), "evaluate", "sync"), b.log,
                "steps 0-1, 2-3, 4-5 in the scores");
        StepHook scoring = b.added.get(0);
        for (long s = 0; s < 12; s++)
            assertTrue(scoring.needsHost(s), "host accumulation reads every step's gradients");

        RecordingBackend.Pruning mag = run(Models.build("lenet-300-100", 3), cfg(1),
                plan.toBuilder().spec(PruneSpec.global(Criterion.MAGNITUDE, 0.8)).build());
        for (long s = 0; s < 12; s++)
            assertFalse(mag.added.get(0).needsHost(s), "magnitude reads weights only at a prune");
    }

    /**
     * A backend that accumulates the scores itself (as the GPU does) gets the same prunes, masks and weights as host
     * accumulation, resets its sums after each prune (not for movement, whose scores span the schedule) and stops
     * at the end; no step needs the host for scores.
     */
    @Test
    void scoresAccumulatedByTheBackendPruneAsHostScoresDo() {
        Schedule.Gradual g = new Schedule.Gradual(0, 3, 5, 0.0);  // prunes at 0 and 5, then fresh batches after the end
        for (Criterion c : new Criterion[] {Criterion.TAYLOR, Criterion.MOVEMENT}) {
            PruningPlan plan = PruningPlan
                    .builder(PruneSpec.builder().criterion(c).sparsity(0.7).scoreBatches(2).build())
                    .schedule(g).denseEpochs(0).fineTuneEpochs(1).build();
            ModelSpec host = Models.build("lenet-300-100", 9), dev = Models.build("lenet-300-100", 9);
            RecordingBackend.Pruning hb = run(host, cfg(0), plan, false), db = run(dev, cfg(0), plan, true);
            assertEquals(hb.log.stream().filter(s -> !s.endsWith("scores")).toList(),
                    db.log.stream().filter(s -> !s.endsWith("scores")).toList(), c + ": the same calls and prunes");
            List<String> scoreCalls = db.log.stream().filter(s -> s.endsWith("scores")).toList();
            assertEquals(c == Criterion.MOVEMENT ? List.of("stop scores")
                    : List.of("reset scores", "reset scores", "stop scores"), scoreCalls, c.name());
            assertTrue(hb.log.stream().noneMatch(s -> s.endsWith("scores")),
                    "host accumulation never resets or stops a backend's sums");
            float[][] a = host.net().copyValues(), d = dev.net().copyValues();
            for (int p = 0; p < a.length; p++) assertArrayEquals(a[p], d[p], c + " parameter " + p);
            for (int p = 0; p < a.length; p++)
                assertArrayEquals(host.net().parameters().get(p).mask, dev.net().parameters().get(p).mask);
            for (long s = 0; s < 12; s++)
                assertFalse(db.added.get(0).needsHost(s), "scores on the device need no host copy");
        }
        // one-shot: the backend scores its batches, the run stops the accumulation after the prune
        PruningPlan once = PruningPlan
                .builder(PruneSpec.builder().criterion(Criterion.TAYLOR).sparsity(0.5).scoreBatches(2).build())
                .schedule(Schedule.oneShot()).denseEpochs(0).fineTuneEpochs(0).build();
        assertEquals(List.of("evaluate", "accumulate 3", "score 2", pruneEntry(0.5, 2), "stop scores",
                "evaluate", "sync"),
                run(Models.build("lenet-300-100", 9), cfg(0), once, true).log,
                "nothing trains after the prune: one evaluation is both the right-after and the final figure");
        ModelSpec m = Models.build("lenet-300-100", 9);
        PruningRun.Outcome o = new PruningRun(m, cfg(0), once, PruneListener.NONE,
                new RecordingBackend.Pruning(m, cfg(0), true)).run(tiny);
        assertSame(o.evaluations().pruned(), o.evaluations().justPruned());
    }

    /**
     * A schedule that outlasts fine-tuning is finished after it, at the target: with the scores of the steps since the
     * last prune; with fresh score batches when the last step pruned; with the live weights for magnitude; also when
     * its last pruning step is exactly the step after fine-tuning.
     */
    @Test
    void aScheduleOutlastingFineTuningEndsAtTheTargetAfterIt() {
        Schedule.Gradual g = new Schedule.Gradual(0, 4, 4, 0.0);  // prunes at 0, 4, 8, ...; 6 steps of fine-tuning
        PruningPlan taylor = PruningPlan
                .builder(PruneSpec.builder().criterion(Criterion.TAYLOR).sparsity(0.7).scoreBatches(3).build())
                .schedule(g).denseEpochs(0).fineTuneEpochs(1).build();
        assertEquals(List.of("evaluate", "accumulate 3", "epoch 0", pruneEntry(g.sparsityAt(0, 0.7), 1),
                pruneEntry(g.sparsityAt(4, 0.7), 4), pruneEntry(0.7, 1), "evaluate", "sync"),
                run(Models.build("lenet-300-100", 4), cfg(0), taylor).log,
                "the step after the last prune (5) scores the final prune");

        Schedule.Gradual onLast = new Schedule.Gradual(0, 3, 5, 0.0);  // prunes at 0 and at 5, the last step
        assertEquals(List.of("evaluate", "accumulate 3", "epoch 0", pruneEntry(onLast.sparsityAt(0, 0.7), 1),
                pruneEntry(onLast.sparsityAt(5, 0.7), 5), "score 3", pruneEntry(0.7, 3), "evaluate", "sync"),
                run(Models.build("lenet-300-100", 4), cfg(0), taylor.toBuilder().schedule(onLast).build()).log,
                "no step after the last prune: fresh score batches");

        PruningPlan magnitude = taylor.toBuilder().spec(PruneSpec.global(Criterion.MAGNITUDE, 0.7)).build();
        Schedule.Gradual once = new Schedule.Gradual(1, 3, 5, 0.0);  // prunes at 1, then 6, 11, 16 are past the end
        assertEquals(List.of("evaluate", "epoch 0", pruneEntry(once.sparsityAt(1, 0.7), -1), pruneEntry(0.7, -1),
                "evaluate", "sync"),
                run(Models.build("lenet-300-100", 4), cfg(0), magnitude.toBuilder().schedule(once).build()).log,
                "magnitude reads the live weights");

        // prunes at 0, 3 and 6 = the first step after the epoch
        Schedule.Gradual justAfter = new Schedule.Gradual(0, 2, 3, 0.0);
        assertEquals(List.of("epoch 0", "evaluate", "epoch 1", pruneEntry(0, -1),
                pruneEntry(justAfter.sparsityAt(3, 0.7), -1), pruneEntry(0.7, -1), "evaluate", "sync"),
                run(Models.build("lenet-300-100", 4), cfg(1),
                        magnitude.toBuilder().schedule(justAfter).denseEpochs(1).build()).log,
                "fine-tuning counts from its own first step (after 6 dense steps)");
        Schedule.Gradual within = new Schedule.Gradual(0, 1, 5, 0.0);  // prunes at 0 and 5: done within fine-tuning
        assertEquals(List.of("epoch 0", "evaluate", "epoch 1", pruneEntry(0, -1), pruneEntry(0.7, -1),
                "evaluate", "sync"),
                run(Models.build("lenet-300-100", 4), cfg(1),
                        magnitude.toBuilder().schedule(within).denseEpochs(1).build()).log);

        List<Double> heard = new ArrayList<>();
        PruningRun.Outcome o = new PruningRun(Models.build("lenet-300-100", 4), cfg(0), taylor, new PruneListener() {
            @Override public void onPrune(long step, double target, double achieved) { heard.add(target); }
        }).run(tiny);
        assertEquals(1 - GlobalSelector.keepForSparsity(266200, 0.7) / 266200.0, o.achievedSparsity(), 1e-12);
        assertEquals(3, o.prunes().size());
        assertEquals(List.of(g.sparsityAt(0, 0.7), g.sparsityAt(4, 0.7), 0.7), heard,
                "the listener hears the finishing prune too");
        assertEquals(0.7, o.prunes().get(2).requestedSparsity(), 0.0);
    }

    /** A relative gradual schedule is resolved against ⌈samples / batch⌉ steps per fine-tuning epoch. */
    @Test
    void aRelativeScheduleCountsTheFineTuningSteps() {
        PruningPlan plan = PruningPlan.builder(PruneSpec.global(Criterion.MAGNITUDE, 0.8))
                .schedule(Schedule.gradual(1.0, 7)).denseEpochs(0).fineTuneEpochs(1).build();
        Schedule.Gradual over6 = Schedule.gradualOver(6, 1.0, 7);  // 600 samples, batch 100: 6 steps, a prune at each
        List<String> want = new ArrayList<>(List.of("evaluate", "epoch 0"));
        for (long t = 0; t < 6; t++) want.add(pruneEntry(over6.sparsityAt(t, 0.8), -1));
        want.addAll(List.of(pruneEntry(0.8, -1), "evaluate", "sync"));
        assertEquals(want, run(Models.build("lenet-300-100", 5), cfg(0), plan).log);
    }

    /** SNIP prunes the untrained network on one score batch, then trains dense + fine-tuning epochs with the mask. */
    @Test
    void snipPrunesAtInitialisationThenTrainsEveryEpochMasked() {
        ModelSpec m = Models.build("lenet-300-100", 5);
        PruningPlan plan = PruningPlan.builder(PruneSpec.global(Criterion.SNIP, 0.8)).schedule(Schedule.oneShot())
                .denseEpochs(1).fineTuneEpochs(2).build();
        RecordingBackend.Pruning b = new RecordingBackend.Pruning(m, cfg(1), false);
        PruningRun.Outcome o = new PruningRun(m, cfg(1), plan, PruneListener.NONE, b).run(tiny);
        assertEquals(List.of("accumulate 3", "score 1", pruneEntry(0.8, 1), "epoch 0", "epoch 1", "epoch 2", "evaluate",
                "sync"), b.log);
        assertTrue(Double.isNaN(o.denseAccuracy()), "no dense model was evaluated");
        assertTrue(o.prunedAccuracy() > 0.5, "three masked epochs train the pruned network: " + o.prunedAccuracy());
    }

    /**
     * Rewinding to initialisation: after the schedule the survivors take their initial values (pruned weights 0),
     * the optimizer state is cleared (a fresh start, as lottery-ticket retraining needs), then fineTuneEpochs of
     * retraining follow.
     */
    @Test
    void rewindingRestoresInitialSurvivorsClearsTheOptimizerAndRetrains() {
        ModelSpec m = Models.build("lenet-300-100", 6);
        float[][] init = m.net().copyValues();
        PruningPlan plan = PruningPlan.builder(PruneSpec.global(Criterion.MAGNITUDE, 0.8)).schedule(Schedule.oneShot())
                .denseEpochs(1).fineTuneEpochs(1).rewindToInit().build();
        List<String> faults = new ArrayList<>();
        RecordingBackend.Pruning b = new RecordingBackend.Pruning(m, cfg(1), false) {
            @Override public void weightsReplacedAndResetOptimizer() {
                List<Parameter> ps = m.net().parameters();
                for (int p = 0; p < ps.size(); p++) {
                    Parameter q = ps.get(p);
                    for (int i = 0; i < q.size(); i++) {
                        boolean kept = q.mask == null || q.mask[i] != 0;
                        if (q.value.data[i] != (kept ? init[p][i] : 0f)) {
                            faults.add("parameter " + p + "[" + i + "] not rewound"); break;
                        }
                    }
                }
                super.weightsReplacedAndResetOptimizer();
                Sgd sgd = (Sgd) cpu.trainer().optimizer();
                for (int p = 0; p < ps.size(); p++) {
                    float[] v = sgd.momentumBuffer(p);
                    if (v != null) for (float x : v) if (x != 0f) {
                        faults.add("momentum of parameter " + p + " survived the reset"); break;
                    }
                }
            }
        };
        new PruningRun(m, cfg(1), plan, PruneListener.NONE, b).run(tiny);
        assertEquals(List.of("epoch 0", "evaluate", pruneEntry(0.8, -1), "evaluate", "epoch 1", "rewind", "epoch 2",
                "evaluate", "sync"), b.log);
        assertEquals(List.of(), faults);
        Parameter w = m.net().parameters().get(0);
        int moved = 0;
        for (int i = 0; i < w.size(); i++) {
            if (w.mask[i] == 0) assertEquals(0f, w.value.data[i]);
            else if (w.value.data[i] != init[0][i]) moved++;
        }
        assertTrue(moved > 0, "the retraining epoch moves the rewound survivors");
    }

    /** Rewinding to a step: the survivors take the values they had after that dense step; a step past training is
     *  refused. */
    @Test
    void rewindingToAStepRestoresTheWeightsOfThatStep() {
        ModelSpec m = Models.build("lenet-300-100", 7);
        PruningPlan plan = PruningPlan.builder(PruneSpec.global(Criterion.MAGNITUDE, 0.5)).schedule(Schedule.oneShot())
                .denseEpochs(1).fineTuneEpochs(0).rewindToStep(3).build();
        RecordingBackend.Pruning b = new RecordingBackend.Pruning(m, cfg(1), false);
        float[][][] atStep3 = new float[1][][];
        StepHook mine = new StepHook() {
            @Override public void afterStep(long s) { if (s == 2) atStep3[0] = m.net().copyValues(); }  // the 3rd step
        };
        b.addHook(mine);
        new PruningRun(m, cfg(1), plan, PruneListener.NONE, b).run(tiny);
        assertEquals(List.of("epoch 0", "evaluate", pruneEntry(0.5, -1), "evaluate", "rewind", "evaluate", "sync"),
                b.log, "measured right after the prune: the rewind changes the weights before the end");
        assertEquals(List.of(mine), b.hooks, "the run removed its snapshot hook");
        StepHook snapshot = b.added.get(1);
        for (long s = 0; s < 6; s++)
            assertEquals(s == 2, snapshot.needsHost(s), "the host copy is needed after step 3 only: " + s);
        List<Parameter> ps = m.net().parameters();
        for (int p = 0; p < ps.size(); p++) {
            Parameter q = ps.get(p);
            for (int i = 0; i < q.size(); i++) {
                float want = q.mask == null || q.mask[i] != 0 ? atStep3[0][p][i] : 0f;
                assertEquals(want, q.value.data[i], "parameter " + p + "[" + i + "]");
            }
        }
        ModelSpec m0 = Models.build("lenet-300-100", 7);
        float[][] init = m0.net().copyValues();
        new PruningRun(m0, cfg(1), plan.toBuilder().rewindToStep(0).build(), PruneListener.NONE).run(tiny);
        Parameter w = m0.net().parameters().get(0);
        for (int i = 0; i < w.size(); i++)
            assertEquals(w.mask[i] == 0 ? 0f : init[0][i], w.value.data[i], "step 0 is initialisation");

        PruningRun tooLate = new PruningRun(Models.build("lenet-300-100", 7), cfg(1),
                plan.toBuilder().rewindToStep(7).build(), PruneListener.NONE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tooLate.run(tiny));
        assertEquals("rewind step 7 is beyond the 6 dense training steps", e.getMessage());
        new PruningRun(Models.build("lenet-300-100", 7), cfg(1), plan.toBuilder().rewindToStep(6).build(),
                PruneListener.NONE).run(tiny);
    }

    /** The outcome reports the model: the sparsity its masks hold, per-target densities and names, every prune. */
    @Test
    void theOutcomeIsWhatTheModelHolds() {
        ModelSpec m = Models.build("lenet-300-100", 8);
        PruningPlan plan = PruningPlan
                .builder(PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0.6).excludeLast(true).build())
                .schedule(new Schedule.Iterative(2)).denseEpochs(0).fineTuneEpochs(0).build();
        List<String> phases = new ArrayList<>();
        List<double[]> prunes = new ArrayList<>();
        PruningRun run = new PruningRun(m, cfg(0), plan, new PruneListener() {
            @Override public void onPhase(String phase, int epochs) { phases.add(phase + " " + epochs); }
            @Override public void onPrune(long step, double target, double achieved, long batches) {
                prunes.add(new double[] {step, target, achieved, batches});
            }
        });
        long before = System.nanoTime();
        PruningRun.Outcome o = run.run(tiny);
        double wall = (System.nanoTime() - before) / 1e9;
        assertTrue(o.seconds() > 0 && o.seconds() <= wall, "the run's own time: " + o.seconds() + " s of " + wall);
        assertArrayEquals(new String[] {"0.weight", "2.weight"}, o.targetNames());
        long kept = 0, n = 0;
        for (int t = 0; t < 2; t++) {
            Parameter w = m.net().parameters().get(2 * t);
            kept += w.nonzeroMaskCount();
            n += w.size();
            assertEquals(w.nonzeroMaskCount() / (double) w.size(), o.densities()[t], 1e-15);
        }
        assertEquals(1 - kept / (double) n, o.achievedSparsity(), 1e-15);
        assertEquals(1 - GlobalSelector.keepForSparsity(n, 0.6) / (double) n, o.achievedSparsity(), 1e-15);
        assertEquals(2, o.prunes().size());
        assertEquals(o.prunes().get(1).achievedSparsity(), o.achievedSparsity(), 1e-15);
        assertEquals(List.of("fine-tune round 1/2 1", "fine-tune round 2/2 1"), phases, "no phase for 0 dense epochs");
        assertEquals(2, prunes.size());
        assertArrayEquals(new double[] {-1, new Schedule.Iterative(2).sparsityAfterRound(1, 0.6),
                o.prunes().get(0).achievedSparsity(), 0},
                prunes.get(0), 1e-15);
        assertTrue(o.seconds() > 0);
        assertTrue(o.denseAccuracy() > 0 && o.prunedAccuracy() > 0);
        assertSame(run.pruner().targets().get(0).weight(), m.net().parameters().get(0));
    }

    /** The host pruning of a plain backend: the host weights are made current first, the backend hears of the masks
     *  after. */
    @Test
    void hostPruningSyncsBeforeAndReportsTheMasksAfter() {
        ModelSpec m = Models.build("lenet-300-100", 10);
        RecordingBackend plain = new RecordingBackend(m, cfg(1));
        plain.trainEpoch(tiny.train(), 0, dev.jprune.train.TrainListener.NONE);  // momentum everywhere
        PruningBackend p = PruningBackend.of(plain);
        assertFalse(p.accumulateScores(null, List.of()), "the host implementation never accumulates for the caller");
        p.syncScores();
        p.resetScores();
        p.stopScores();
        ModelPruner pruner = new ModelPruner(m.net(), PruneSpec.global(Criterion.MAGNITUDE, 0.5));
        ModelPruner.Result r = p.prune(pruner, 0.5, null);
        assertEquals(List.of("epoch 0", "sync", "masks changed"), plain.log);
        assertEquals(GlobalSelector.keepForSparsity(pruner.candidateCount(), 0.5), r.kept());
        Sgd sgd = (Sgd) plain.cpu.trainer().optimizer();
        byte[] mask = m.net().parameters().get(0).mask;
        float[] v = sgd.momentumBuffer(0);
        for (int i = 0; i < mask.length; i++)
            if (mask[i] == 0) assertEquals(0f, v[i], "momentum at pruned weight " + i);
        assertSame(m.net().parameters().get(0).mask, pruner.masks()[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PruningBackend.of(null));
        assertTrue(e.getMessage().contains("null backend"), e.getMessage());
        RecordingBackend.Pruning itself = new RecordingBackend.Pruning(m, cfg(1), false);
        assertSame(itself, PruningBackend.of(itself), "a backend that prunes itself is its own pruning side");
    }
}
