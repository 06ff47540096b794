package dev.jprune.cli;

import dev.jprune.data.EmbeddedMnist;
import dev.jprune.data.Normalization;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.PruningPlan;
import dev.jprune.prune.PruningRun;
import dev.jprune.prune.Schedule;
import dev.jprune.sparse.SparseModel;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.Trainer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true, description = {
        "Train lenet-300-100 on the embedded MNIST digits (8,000 train / 2,000 test), prune it to 90%% globally"
                + " with the",
        "Taylor criterion |w·g| on a gradual schedule with masked fine-tuning, and compare dense, masked and sparse"
                + " (CSR) inference."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "6", description = "dense training epochs. Default: ${DEFAULT-VALUE}")
    int epochs;
    @Option(names = "--fine-tune-epochs", defaultValue = "6",
            description = "gradual pruning + fine-tuning epochs. Default: ${DEFAULT-VALUE}")
    int fineTune;
    @Option(names = "--sparsity", defaultValue = "0.9", description = "target sparsity. Default: ${DEFAULT-VALUE}")
    double sparsity;
    @Option(names = "--seed", defaultValue = "1", description = "seed. Default: ${DEFAULT-VALUE}")
    long seed;
    @Option(names = "--quiet", description = "no progress output")
    boolean quiet;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu | gpu | auto. Default: ${DEFAULT-VALUE}")
    String device;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException("--sparsity must be in [0, 1), got " + sparsity);
        }
        if (epochs < 0 || fineTune < 0) {
            throw new IllegalArgumentException("--epochs and --fine-tune-epochs must be >= 0");
        }
        Device.check(device);
        Reporter r = Reporter.system(quiet);
        Split s = EmbeddedMnist.split();
        Normalization.fitAndApply(s);
        ModelSpec m = Models.build("lenet-300-100", seed);
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, epochs, 64, seed);
        r.setBatchSize(cfg.batchSize());
        r.line("jprune demo: " + m.net().describe());
        r.linef("data: embedded MNIST, %d train / %d test; SGD lr %.3g momentum 0.9, batch %d; CPU threads %d",
                s.train().size(), s.test().size(), cfg.lr(), cfg.batchSize(), dev.jprune.util.Parallel.threads());
        long stepsPerEpoch = (s.train().size() + cfg.batchSize() - 1) / cfg.batchSize();
        Schedule.Gradual g = Schedule.gradualOver(fineTune * stepsPerEpoch, 0.6, 16);
        PruningPlan plan = PruningPlan.builder(PruneSpec.global(Criterion.TAYLOR, sparsity)).schedule(g)
                .denseEpochs(epochs).fineTuneEpochs(fineTune).fineTuneLr(0.01f).build();
        String dev = Device.resolve(device, m, true, r);
        PruningRun run;
        PruningRun.Outcome o;
        try (dev.jprune.train.Backend b = Device.open(dev, m, cfg)) {
            r.line("training on " + b.describe());
            run = new PruningRun(m, cfg, plan, r, b);
            o = run.run(s);
        }

        // Sparse inference: the pruned model exported to CSR must give the masked dense model's logits.
        Tensor x = s.test().asTensor();
        Tensor dense = m.net().forward(x, false);
        SparseModel sparse = SparseModel.export(m.net());
        Tensor sp = sparse.forward(x);
        double maxDiff = 0, maxAbs = 0, worstExcess = 0;
        int agree = 0, n = dense.dim(0), c = dense.dim(1);
        for (int i = 0; i < dense.size(); i++) {
            double d = Math.abs(dense.data[i] - sp.data[i]);
            maxDiff = Math.max(maxDiff, d);
            maxAbs = Math.max(maxAbs, Math.abs(dense.data[i]));
            worstExcess = Math.max(worstExcess, d - (1e-5 + 1e-5 * Math.abs(dense.data[i])));
        }
        for (int row = 0; row < n; row++) if (argmax(dense.data, row * c, c) == argmax(sp.data, row * c, c)) agree++;
        double sparseAcc = accuracy(sp, s.test().labels());

        r.line("");
        r.linef("%-28s %10s", "", "accuracy");
        r.linef("%-28s %9.2f%%", "dense (before pruning)", 100 * o.denseAccuracy());
        r.linef("%-28s %9.2f%%", "pruned, masked dense", 100 * o.prunedAccuracy());
        r.linef("%-28s %9.2f%%", "pruned, sparse CSR", 100 * sparseAcc);
        r.line("");
        r.linef("%-10s %-16s %9s %9s %9s", "tensor", "shape", "params", "kept", "density");
        ModelPruner p = run.pruner();
        long params = 0, kept = 0;
        for (ModelPruner.Target t : p.targets()) {
            Parameter w = t.weight();
            params += w.size();
            kept += w.nonzeroMaskCount();
            r.linef("%-10s %-16s %9d %9d %8.2f%%", t.name(), java.util.Arrays.toString(w.value.shape()), w.size(),
                    w.nonzeroMaskCount(), 100.0 * w.nonzeroMaskCount() / w.size());
        }
        r.linef("%-10s %-16s %9d %9d %8.2f%%", "total", "", params, kept, 100.0 * kept / params);
        r.line("");
        r.linef("sparse vs dense inference on %d test images: max |logit difference| %.2e (largest |logit| %.1f), %s"
                + " |diff| <= 1e-5 + 1e-5*|dense|; same prediction %d/%d",
                n, maxDiff, maxAbs, worstExcess <= 0 ? "every logit within" : "NOT every logit within", agree, n);
        r.linef("CSR model: %d nonzeros, %d bytes (dense weights %d bytes)", sparse.nnz(), sparse.bytes(),
                4 * m.net().parameterCount());
        r.linef("total time %.1fs", (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    static int argmax(float[] a, int off, int n) {
        int b = 0;
        for (int j = 1; j < n; j++) if (a[off + j] > a[off + b]) b = j;
        return b;
    }

    static double accuracy(Tensor logits, int[] labels) {
        int n = logits.dim(0), c = logits.dim(1), ok = 0;
        for (int i = 0; i < n; i++) if (argmax(logits.data, i * c, c) == labels[i]) ok++;
        return ok / (double) n;
    }
}
