package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/** User-supplied scores per tensor, like PyTorch's importance_scores. */
class UserScoresTest {
    @Test
    void userScoresDecideTheMaskNotTheWeights() {
        ModelSpec m = Models.build("lenet-300-100", 11);
        ModelPruner p = new ModelPruner(m.net(), PruneSpec.global(Criterion.MAGNITUDE, 0.5));
        int[] sizes = p.sizes();
        float[][] user = new float[sizes.length][];
        Rng rng = new Rng(12);
        for (int t = 0; t < sizes.length; t++) { user[t] = new float[sizes[t]]; rng.fillUniform(user[t], 0, 1); }
        // Keep exactly where the user score is in the top half of all user scores, whatever |w| says.
        ModelPruner.Result r = p.prune(0.5, ScoreSource.of(user, p.names()));
        float[] all = new float[(int) p.candidateCount()];
        int o = 0;
        for (float[] u : user) { System.arraycopy(u, 0, all, o, u.length); o += u.length; }
        java.util.Arrays.sort(all);
        float kth = all[all.length - (int) r.kept()];
        for (int t = 0; t < sizes.length; t++) {
            byte[] mask = p.targets().get(t).weight().mask;
            for (int i = 0; i < sizes[t]; i++)
                assertEquals(user[t][i] >= kth ? 1 : 0, mask[i], "tensor " + t + " index " + i);
        }
        assertEquals(p.candidateCount() - Math.rint(0.5 * p.candidateCount()), r.kept());
        assertThrows(IllegalArgumentException.class, () -> p.prune(0.5, ScoreSource.of(new float[][] {new float[3]})));
    }
}
