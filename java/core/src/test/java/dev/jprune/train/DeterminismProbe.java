package dev.jprune.train;

import dev.jprune.data.EmbeddedMnist;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;

/** Trains lenet-300-100 for 40 steps and prints a digest of every weight bit (run with different -Djprune.threads). */
public final class DeterminismProbe {
    public static void main(String[] args) throws Exception {
        Split s = EmbeddedMnist.split();
        ModelSpec m = Models.build("lenet-300-100", 9);
        Trainer t = new Trainer(m, new TrainConfig(1, 50, 0.05f, OptimizerKind.SGD, 0.9f, 1e-4f, true, 0f, 5f, 9));
        t.trainEpoch(s.train().subset(0, 2000), 0, TrainListener.NONE);
        long h = 1125899906842597L;
        for (Parameter p : m.net().parameters()) for (float f : p.value.data) h = 31 * h + Float.floatToRawIntBits(f);
        System.out.println(Long.toHexString(h));
    }
}
