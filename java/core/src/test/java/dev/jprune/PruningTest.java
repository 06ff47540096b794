package dev.jprune;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jprune.data.EmbeddedMnist;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.Granularity;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.Schedule;
import dev.jprune.prune.Scope;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The entry point: one call from a model and data to a pruned model and a report that tells the truth about it. */
class PruningTest {
    static Split small;

    @BeforeAll
    static void data() throws IOException {
        Split s = EmbeddedMnist.standardizedSplit();
        small = new Split(s.train().subset(0, 1500), s.test().subset(0, 500));
    }

    /** The report's figures are the model's: masks, zeros, per-layer kept counts, the exact sparsity, the events. */
    @Test
    void runTrainsPrunesFineTunesAndReportsWhatTheModelHolds() {
        ModelSpec m = Models.build("lenet-300-100", 3);
        PruningReport r = Pruning.of(m).criterion(Criterion.TAYLOR).sparsity(0.8).denseEpochs(1).fineTuneEpochs(1)
                .schedule(Schedule.gradual(0.5, 4)).device(Device.CPU).run(small);
        assertEquals("cpu", r.device());
        assertEquals("requested", r.deviceReason());
        assertTrue(r.denseAccuracy() > 0.5 && r.prunedAccuracy() > 0.5, r.denseAccuracy() + " / " + r.prunedAccuracy());
        long params = 0, kept = 0;
        Map<String, Parameter> named = m.net().namedParameters();
        for (PruningReport.Layer l : r.layers()) {
            Parameter w = named.get(l.name());
            assertNotNull(w, l.name());
            assertEquals(w.nonzeroMaskCount(), l.kept(), l.name());
            assertArrayEquals(w.mask, r.masks().get(l.name()), l.name() + ": the report's mask is the model's");
            assertNotSame(w.mask, r.masks().get(l.name()), "the report holds a copy");
            for (int i = 0; i < w.size(); i++)
                if (w.mask[i] == 0) assertEquals(0f, w.value.data[i], l.name() + "[" + i + "]");
            params += l.parameters();
            kept += l.kept();
        }
        assertEquals(3, r.layers().size());
        assertEquals(1 - kept / (double) params, r.sparsity(), 1e-15);
        assertEquals(Math.rint(0.8 * params), params - kept, "exactly round(0.8 * candidates) pruned");
        // gradual over half of one epoch (12 steps of 128): prunes at steps 0, 1, 2, 3, ... up to the target
        assertTrue(r.prunes().size() >= 2, "a gradual schedule prunes more than once: " + r.prunes());
        PruningReport.PruneEvent last = r.prunes().get(r.prunes().size() - 1);
        assertEquals(0.8, last.targetSparsity(), 1e-12);
        assertTrue(last.scoreBatches() > 0, "Taylor scores the gradients of the steps before each prune");
        assertTrue(r.seconds() > 0);
    }

    /**
     * The same job with 1, 2 and 3 threads (each its own Parallel.Context) gives bit-identical weights and masks:
     * training, gradient scores and the selection never depend on the thread count.
     */
    @Test
    void resultsAreBitIdenticalForAnyThreadCount() {
        float[][] ref = null;
        Map<String, byte[]> refMasks = null;
        for (int threads : new int[] {1, 2, 3}) {
            ModelSpec m = Models.build("lenet-300-100", 5);
            PruningReport r = Pruning.of(m).criterion(Criterion.TAYLOR).sparsity(0.7).denseEpochs(1).fineTuneEpochs(1)
                    .schedule(Schedule.oneShot()).device(Device.CPU).threads(threads).run(small);
            float[][] w = m.net().copyValues();
            if (ref == null) {
                ref = w;
                refMasks = r.masks();
                continue;
            }
            for (int p = 0; p < ref.length; p++) {
                for (int i = 0; i < ref[p].length; i++) {
                    if (Float.floatToRawIntBits(ref[p][i]) != Float.floatToRawIntBits(w[p][i])) {
                        fail(threads + " threads: parameter " + p + " element " + i + " is " + w[p][i]
                                + ", with 1 thread " + ref[p][i]);
                    }
                }
            }
            assertEquals(refMasks.keySet(), r.masks().keySet());
            for (String k : refMasks.keySet())
                assertArrayEquals(refMasks.get(k), r.masks().get(k), threads + " threads: mask " + k);
        }
    }

    /** pruneOnce is ModelPruner.prune on the model as it is: the same masks, nothing trained, no accuracy invented. */
    @Test
    void pruneOnceEqualsTheHostPruneOfTheSameModel() {
        ModelSpec a = Models.build("lenet-300-100", 7), b = Models.build("lenet-300-100", 7);
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.MAGNITUDE).granularity(Granularity.STRUCTURED)
                .scope(Scope.PER_LAYER)
                .sparsity(0.5).build();
        PruningReport r = Pruning.of(a).spec(spec).pruneOnce(null);
        new ModelPruner(b.net(), spec).prune(0.5, new ModelPruner(b.net(), spec).scores(null));
        List<Parameter> pa = a.net().parameters(), pb = b.net().parameters();
        for (int i = 0; i < pa.size(); i++) {
            assertArrayEquals(pb.get(i).mask, pa.get(i).mask, "mask " + i);
            assertArrayEquals(pb.get(i).value.data, pa.get(i).value.data, "values " + i);
        }
        assertTrue(Double.isNaN(r.denseAccuracy()) && Double.isNaN(r.prunedAccuracy()));
        assertEquals(1, r.prunes().size());
        assertEquals(0, r.prunes().get(0).scoreBatches(), "magnitude reads no gradient");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pruning.of(Models.build("lenet-300-100", 7)).criterion(Criterion.TAYLOR).pruneOnce(null));
        assertTrue(e.getMessage().contains("needs data"), e.getMessage());
    }

    /** Asking for the GPU where it cannot run fails before any work, naming the reason; AUTO falls back to the CPU. */
    @Test
    void aGpuThatCannotRunIsRefusedWithTheReasonAndAutoFallsBack() {
        ModelSpec m = Models.build("linear-regression", 1);  // the GPU path trains classification models only
        Backends.Choice auto = Backends.choose(Device.AUTO, m);
        assertEquals(Device.CPU, auto.device());
        assertNotNull(Backends.whyNotGpu(m));
        assertEquals(Backends.whyNotGpu(m), auto.reason());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.choose(Device.GPU, m));
        assertTrue(e.getMessage().contains(Backends.whyNotGpu(m)), e.getMessage());
        assertEquals(Device.CPU, Backends.choose(Device.CPU, Models.build("lenet-300-100", 1)).device());
        assumeTrue(Backends.gpuUnavailableReason() != null, "a GPU is usable here");
        ModelSpec lenet = Models.build("lenet-300-100", 1);
        e = assertThrows(IllegalArgumentException.class,
                () -> Pruning.of(lenet).device(Device.GPU).denseEpochs(1).run(small));
        assertTrue(e.getMessage().startsWith("GPU requested but no usable GPU"), e.getMessage());
        assertNull(lenet.net().parameters().get(0).mask, "nothing was pruned");
    }

    /** Training is the CPU Trainer's result bit for bit when it runs on the CPU, and reports where it ran. */
    @Test
    void trainingOnTheCpuEqualsTheTrainerAndReportsTheDevice() {
        ModelSpec a = Models.build("lenet-300-100", 8), b = Models.build("lenet-300-100", 8);
        Training.Report r = Training.of(a).epochs(2).device(Device.CPU).threads(2).run(small);
        dev.jprune.train.Trainer t = new dev.jprune.train.Trainer(b,
                dev.jprune.train.TrainConfig.builder(b).epochs(2).build());
        t.fit(small.train(), 0, dev.jprune.train.TrainListener.NONE);
        float[][] wa = a.net().copyValues(), wb = b.net().copyValues();
        for (int p = 0; p < wa.length; p++) assertArrayEquals(wb[p], wa[p], "parameter " + p);
        assertEquals(2, r.epochs().size());
        assertEquals(dev.jprune.train.Trainer.evaluate(b.net(), small.test(), 500), r.test());
        assertEquals("cpu", r.device());
    }

    /** Bad settings fail before any work with the value named. */
    @Test
    void badSettingsAreRefusedBeforeTraining() {
        ModelSpec m = Models.build("lenet-300-100", 1);
        float[][] before = m.net().copyValues();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pruning.of(m).sparsity(1.5).run(small));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pruning.of(m).batchSize(0).run(small));
        assertTrue(e.getMessage().contains("batch size"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Pruning.of(m).threads(-1));
        e = assertThrows(IllegalArgumentException.class, () -> Pruning.of(Models.build("cifar-cnn-b", 1)).run(small));
        assertTrue(e.getMessage().contains("expects samples of shape [3, 32, 32]"), e.getMessage());
        float[][] after = m.net().copyValues();
        for (int p = 0; p < before.length; p++) assertArrayEquals(before[p], after[p], "weights unchanged");
    }
}
