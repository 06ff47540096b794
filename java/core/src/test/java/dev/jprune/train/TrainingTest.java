package dev.jprune.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.EmbeddedMnist;
import dev.jprune.data.LinearRegressionData;
import dev.jprune.data.Normalization;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.Models;
import dev.jprune.nn.Linear;
import dev.jprune.nn.Parameter;
import dev.jprune.util.Rng;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingTest {

    static Split mnist() throws Exception {
        Split s = EmbeddedMnist.split();
        Normalization.fitAndApply(s);
        return s;
    }

    @Test
    void lenet300100ReachesTargetOnEmbeddedDigitsWithin10Epochs() throws Exception {
        Split s = mnist();
        ModelSpec m = Models.build("lenet-300-100", 1);
        Trainer t = new Trainer(m, TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 64, 1));
        double best = 0;
        List<String> log = new ArrayList<>();
        for (int e = 0; e < 10 && best < 0.945; e++) {
            EpochStats st = t.trainEpoch(s.train(), e, TrainListener.NONE);
            Evaluation ev = Trainer.evaluate(m.net(), s.test(), 500);
            best = Math.max(best, ev.accuracy());
            log.add(String.format("epoch %d loss %.4f test %.4f", e, st.trainLoss(), ev.accuracy()));
        }
        assertTrue(best >= 0.945, "lenet-300-100 reached only " + best + ": " + log);
    }

    @Test
    void linearRegressionRecoversGeneratingWeights() {
        LinearRegressionData d = LinearRegressionData.generate(4000, 10, new Rng(3), 0.01f);
        ModelSpec m = Models.build("linear-regression", 4);
        Trainer t = new Trainer(m, TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 32, 5));
        for (int e = 0; e < 20; e++) t.trainEpoch(d.data(), e, TrainListener.NONE);
        Linear lin = (Linear) m.net().layer(0);
        float[] w = d.trueWeights();
        for (int i = 0; i < 10; i++) assertEquals(w[i], lin.weight.value.data[i], 1e-2, "weight " + i);
        assertEquals(d.trueBias(), lin.bias.value.data[0], 1e-2, "bias");
    }

    @Test
    void sameSeedSameWeightsBitForBitAndClipNormIsApplied() throws Exception {
        Split s = mnist();
        float[][] a = trainBriefly(s, 7), b = trainBriefly(s, 7), c = trainBriefly(s, 8);
        for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i], "parameter " + i);
        assertFalse(java.util.Arrays.equals(a[0], c[0]), "a different seed must give different weights");
    }

    static float[][] trainBriefly(Split s, long seed) {
        ModelSpec m = Models.build("mlp-128", seed);
        TrainConfig cfg = new TrainConfig(1, 100, 1e-3f, OptimizerKind.ADAM, 0f, 0f, false, 0.5f, 1.0f, seed);
        Trainer t = new Trainer(m, cfg);
        List<Double> norms = new ArrayList<>();
        t.trainEpoch(s.train().subset(0, 1000), 0, new TrainListener() {
            @Override public void onStep(int e, int st, int n, double loss, double gradNorm, double acc) {
                norms.add(gradNorm);
            }
        });
        assertEquals(10, norms.size());
        for (double n : norms) assertTrue(Double.isFinite(n) && n > 0, "reported norm " + n);
        List<Parameter> ps = m.net().parameters();
        float[][] out = new float[ps.size()][];
        for (int i = 0; i < ps.size(); i++) out[i] = ps.get(i).value.data.clone();
        return out;
    }

    /** Runs {@link DeterminismProbe} in fresh JVMs with 1 and 3 threads: the digests must be equal. */
    @Test
    void resultsDoNotDependOnThreadCount() throws Exception {
        String one = runProbe(1), three = runProbe(3);
        assertFalse(one.isBlank());
        assertEquals(one, three, "weights after training differ between 1 and 3 threads");
    }

    static String runProbe(int threads) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Djprune.threads=" + threads, "-cp",
                System.getProperty("java.class.path"), DeterminismProbe.class.getName());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            out = r.lines().reduce("", (x, y) -> x + y + "\n");
        }
        assertEquals(0, p.waitFor(), "probe failed: " + out);
        return out.trim();
    }

    @Test
    void wrongImageSizeForTheModelIsAClearError() throws Exception {
        Split s = mnist();
        ModelSpec m = Models.build("linear-regression", 1);
        ModelSpec lenet = Models.build("lenet-300-100", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> lenet.requireSampleShape(new int[] {3, 32, 32}, "cifar"));
        assertTrue(e.getMessage().contains("[3, 32, 32]") && e.getMessage().contains("lenet-300-100"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Trainer(m, TrainConfig.defaults(OptimizerKind.SGD, 0.1f, 1, 8, 1))
                        .trainEpoch(s.train(), 0, TrainListener.NONE));
    }
}
