package dev.jprune.optim;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.Split;
import dev.jprune.data.SyntheticRegression;
import dev.jprune.models.ModelOptions;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import dev.jprune.train.Trainer;
import org.junit.jupiter.api.Test;

/** Gradient-threshold masking: each rule on a hand example, its place in the step, and its refusals. */
class GradMaskTest {
    static float[] g() { return new float[] {-0.5f, -0.1f, 0f, 0.05f, 0.1f, 0.3f, Float.NaN}; }

    @Test
    void eachRuleOnAHandExample() {
        float[] below = g(), above = g(), clamp = g();
        new GradMask(GradMask.Mode.BELOW, 0.1f).apply(below, 7);
        new GradMask(GradMask.Mode.ABOVE, 0.1f).apply(above, 7);
        new GradMask(GradMask.Mode.CLAMP, 0.1f).apply(clamp, 7);
        // BELOW zeroes |g| <= 0.1 (the write-up's rule: keep |g| > eps); ABOVE zeroes |g| > 0.1;
        // CLAMP is clip(g, 0, 0.1).
        assertArrayEquals(new float[] {-0.5f, 0, 0, 0, 0, 0.3f, Float.NaN}, below);
        assertArrayEquals(new float[] {0, -0.1f, 0, 0.05f, 0.1f, 0, Float.NaN}, above);
        assertArrayEquals(new float[] {0, 0, 0, 0.05f, 0.1f, 0.1f, Float.NaN}, clamp);
        float[] none = g();
        GradMask.NONE.apply(none, 7);
        assertArrayEquals(g(), none);
    }

    @Test
    void parsingNamesTheOptionAndRefusesBadThresholds() {
        assertEquals(new GradMask(GradMask.Mode.ABOVE, 0.01f), GradMask.parse("above:0.01"));
        assertEquals(GradMask.NONE, GradMask.parse("none"));
        for (String bad : new String[] {"below:0", "below:-1", "below:NaN", "clamp:Infinity", "below:x", "below",
                "sideways:1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GradMask.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("--grad-mask"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new GradMask(GradMask.Mode.BELOW, Float.NaN));
    }

    /**
     * In the step: plain SGD on write-up 002's problem from θ = 0 with full batches. Its gradient -2·E[x(y - θx)] is
     * about -2.3 at first: ABOVE:1 and CLAMP (negative → 0) leave θ at 0 for good, BELOW:1 trains until |g| falls to 1,
     * and no mask reaches the least-squares θ. Clipping by value at 1 instead moves θ by at most lr per step.
     */
    @Test
    void theRuleActsOnEveryStepBeforeTheUpdate() {
        Split s = SyntheticRegression.parse(null).generate();
        float[] theta = new float[5];
        GradMask[] masks = {GradMask.NONE, GradMask.parse("above:1"), GradMask.parse("clamp:1"),
                GradMask.parse("below:1")};
        for (int k = 0; k < masks.length; k++) {
            ModelSpec m = Models.build("linear-regression-1", 1, new ModelOptions(false, ModelOptions.Init.ZEROS, 0,
                    0));
            TrainConfig cfg = TrainConfig.builder(m).lr(0.01f).momentum(0).batchSize(100).epochs(300).gradMask(masks[k])
                    .build();
            Trainer t = new Trainer(m, cfg);
            for (int e = 0; e < cfg.epochs(); e++) t.trainEpoch(s.train(), e, TrainListener.NONE);
            theta[k] = m.net().namedParameters().get("0.weight").value.data[0];
        }
        assertTrue(theta[0] > 2.5f, "unmasked: " + theta[0]);
        assertEquals(0f, theta[1], "above:1 zeroes every step's gradient");
        assertEquals(0f, theta[2], "clamp into [0, 1] zeroes the negative gradient");
        assertTrue(theta[3] > 0.5f && theta[3] < theta[0], "below:1 stops once |g| <= 1: " + theta[3]);
        // Clip by value keeps the sign: θ moves by lr·1 per step while |g| > 1.
        ModelSpec m = Models.build("linear-regression-1", 1, new ModelOptions(false, ModelOptions.Init.ZEROS, 0, 0));
        Trainer t = new Trainer(m,
                TrainConfig.builder(m).lr(0.01f).momentum(0).batchSize(100).epochs(1).clipValue(1).build());
        t.trainEpoch(s.train(), 0, TrainListener.NONE);
        Parameter w = m.net().namedParameters().get("0.weight");
        assertEquals(0.01f, w.value.data[0], 1e-7f);
    }

    /** The GPU trainer has no gradient mask: auto falls back with the reason, the GPU backend refuses before any
     *  work. */
    @Test
    void theGpuPathRefusesGradientMaskingSoAutoFallsBack() {
        ModelSpec m = Models.build("lenet-300-100", 1);
        TrainConfig cfg = TrainConfig.builder(m).gradMask(GradMask.parse("below:0.01")).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new dev.jprune.gpu.train.GpuBackend(m, cfg));
        assertTrue(e.getMessage().contains("no gradient masking"), e.getMessage());
        String why = dev.jprune.Backends.whyNotGpu(m, cfg);
        assertNotNull(why, "never the GPU with a gradient mask");
        assertEquals(dev.jprune.Device.CPU, dev.jprune.Backends.choose(dev.jprune.Device.AUTO, m, cfg).device());
    }

    @Test
    void adamEpsilonReachesTheOptimizer() {
        ModelSpec m = Models.build("mlp-128", 1);
        Adam a = (Adam) Trainer.createOptimizer(m.net().parameters(), TrainConfig.builder(m).adamEps(1e-7f).build());
        assertEquals(1e-7f, a.eps);
        assertEquals(1e-8f, ((Adam) Trainer.createOptimizer(m.net().parameters(), TrainConfig.builder(m).build())).eps);
    }
}
