package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.cpu.DirectConv;
import dev.jprune.nn.Conv2d;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Parallel;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * A convolution large enough to fork (above {@link ConvStages#DIRECT_PARALLEL_MACS}) gives the same bits on 3 threads
 * as on the calling thread alone and as the forced dense export (im2col + GEMM): one image stays on the calling
 * thread (~2.4 Mi multiply-adds), two split their filters over the threads, seven split the images. Without the
 * Vector API the stage takes im2col; the test still holds.
 */
class DirectConvStageTest {

    @Test
    void forkedFiltersAndImagesGiveTheCallingThreadsBits() throws Exception {
        Rng rng = new Rng(61);
        Conv2d conv = new Conv2d(8, 16, 3, 1, 1, rng);
        float[] w = conv.weight().value.data;
        for (int i = 0; i < w.length; i++) if (rng.nextDouble() < 0.5) w[i] = 0f; // half the weights pruned
        Sequential net = new Sequential(conv, new ReLU(), new MaxPool2d(2, 2));
        long macsPerImage = 16L * 8 * 9 * 64 * 66 / 2; // half the weights pruned: ~2.4 Mi per image
        long bound = ConvStages.DIRECT_PARALLEL_MACS;
        assertTrue(macsPerImage < bound && 2 * macsPerImage >= bound, "one image on the calling thread, two forked");
        try (Parallel.Context three = Parallel.Context.ofThreads(3)) {
            three.call(() -> {
                SparseModel model = SparseModel.export(net), dense = SparseModel.exportDense(net);
                for (int n : new int[] {1, 2, 7}) {
                    Tensor x = Tensor.zeros(n, 8, 64, 64);
                    rng.fillUniform(x.data, -1f, 1f);
                    Tensor forked = model.forward(x);
                    Tensor alone = Tensor.zeros(forked.shape());
                    model.forwardInto(x, alone, model.newWorkspace(false));
                    String at = "batch " + n + ", " + model.stages().get(0).describe();
                    assertArrayEquals(alone.data, forked.data, at + ": 3 threads vs the calling thread");
                    assertArrayEquals(dense.forward(x).data, forked.data, at + ": vs im2col + GEMM");
                }
                return null;
            });
        }
        assertTrue(!DirectConv.FAST || SparseModel.export(net).stages().get(0).describe().contains("direct"));
    }
}
