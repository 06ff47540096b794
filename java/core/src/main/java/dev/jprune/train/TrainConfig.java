package dev.jprune.train;

import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.optim.GradMask;

/**
 * Hyper-parameters of a training run. clipValue / clipNorm ≤ 0 mean "off". Build one with {@link #builder(ModelSpec)}
 * (the CLI's defaults for that model) or {@link #builder()}; the constructor stays for code that lists every component.
 * Validated on construction so a bad option fails before any work is done.
 *
 * @param epochs      epochs of {@link Trainer#fit}; in a pruning run, the dense-training epochs (it must equal the
 *                    plan's denseEpochs)
 * @param batchSize   samples per mini-batch, at least 1
 * @param lr          learning rate, positive and finite
 * @param optimizer   SGD or ADAM
 * @param momentum    SGD momentum in [0, 1) (0 for Adam, whose moments are fixed at 0.9 / 0.999)
 * @param weightDecay L2 weight decay, at least 0
 * @param nesterov    Nesterov momentum (SGD)
 * @param clipValue   clamp every gradient element into [-clipValue, clipValue] (≤ 0: off)
 * @param clipNorm    scale gradients to a global L2 norm of at most clipNorm (≤ 0: off)
 * @param seed        seed of the batch order (and of score batches in a pruning run)
 * @param adamEps     Adam's denominator epsilon (PyTorch 1e-8, Keras 1e-7; unused by SGD)
 * @param gradMask    gradient-threshold masking applied before clipping and the update ({@link GradMask#NONE}: off)
 * @param stop        early stopping of every training and fine-tuning phase ({@link StopRule#NONE}: off)
 */
public record TrainConfig(int epochs, int batchSize, float lr, OptimizerKind optimizer, float momentum,
                          float weightDecay, boolean nesterov, float clipValue, float clipNorm, long seed,
                          float adamEps, GradMask gradMask, StopRule stop) {
    /** Default epochs (the CLI's --epochs). */
    public static final int DEFAULT_EPOCHS = 10;
    /** Default mini-batch size (the CLI's --batch). */
    public static final int DEFAULT_BATCH_SIZE = 128;
    /** Default SGD momentum (the CLI's --momentum). */
    public static final float DEFAULT_MOMENTUM = 0.9f;
    /** Default seed (the CLI's --seed). */
    public static final long DEFAULT_SEED = 1;
    /** Default Adam epsilon (the CLI's --adam-eps; PyTorch's; Keras uses 1e-7). */
    public static final float DEFAULT_ADAM_EPS = 1e-8f;

    /** The components before Adam's epsilon, gradient masking and stopping existed: those take their defaults. */
    public TrainConfig(int epochs, int batchSize, float lr, OptimizerKind optimizer, float momentum, float weightDecay,
                       boolean nesterov, float clipValue, float clipNorm, long seed) {
        this(epochs, batchSize, lr, optimizer, momentum, weightDecay, nesterov, clipValue, clipNorm, seed,
                DEFAULT_ADAM_EPS, GradMask.NONE, StopRule.NONE);
    }

    /** @throws IllegalArgumentException naming the first invalid component */
    public TrainConfig {
        if (epochs < 0) throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (!(lr > 0) || !Float.isFinite(lr)) throw new IllegalArgumentException(
                "learning rate must be positive and finite, got " + lr);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("momentum must be in [0, 1), got "
                + momentum);
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) throw new IllegalArgumentException(
                "weight decay must be >= 0, got " + weightDecay);
        if (Float.isNaN(clipValue) || Float.isNaN(clipNorm)) throw new IllegalArgumentException(
                "clip bounds must not be NaN");
        if (optimizer == null) throw new IllegalArgumentException("optimizer is required");
        if (!(adamEps > 0) || !Float.isFinite(adamEps)) {
            throw new IllegalArgumentException("Adam epsilon must be positive and finite, got " + adamEps);
        }
        if (gradMask == null || stop == null) {
            throw new IllegalArgumentException("gradient mask and stop rule are required (NONE: off)");
        }
    }

    /** SGD momentum 0.9 or Adam, no clipping, no weight decay, with the given rate, epochs, batch size and seed. */
    public static TrainConfig defaults(OptimizerKind opt, float lr, int epochs, int batch, long seed) {
        return new TrainConfig(epochs, batch, lr, opt, opt == OptimizerKind.SGD ? DEFAULT_MOMENTUM : 0f, 0f, false, 0f,
                0f, seed);
    }

    /** This configuration with another number of epochs. */
    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, batchSize, lr, optimizer, momentum, weightDecay, nesterov, clipValue, clipNorm, seed,
                adamEps, gradMask, stop);
    }

    /**
     * A builder with the CLI's defaults for {@code model}: its optimizer, learning rate and SGD momentum (0.9 but for
     * a model that stands for a write-up without momentum, e.g. cifar-cnn-a: 0), 10 epochs, batch 128, no weight
     * decay, no clipping, Adam epsilon 1e-8, no gradient masking, no early stopping, seed 1.
     */
    public static Builder builder(ModelSpec model) {
        return new Builder(model.defaultOptimizer(), model.defaultLr()).momentum(model.defaultMomentum());
    }

    /** A builder with the CLI's defaults for a model whose default is SGD at 0.05 (see {@link #builder(ModelSpec)}). */
    public static Builder builder() { return new Builder(OptimizerKind.SGD, 0.05f); }

    /** A builder holding this configuration's values (its optimizer counts as the model's, its rate as set). */
    public Builder toBuilder() {
        Builder b = new Builder(optimizer, lr).epochs(epochs).batchSize(batchSize).lr(lr).weightDecay(weightDecay)
                .nesterov(nesterov)
                .clipValue(clipValue).clipNorm(clipNorm).seed(seed).adamEps(adamEps).gradMask(gradMask).stop(stop);
        if (optimizer == OptimizerKind.SGD) b.momentum(momentum);
        return b;
    }

    /** The default learning rate of an optimizer that is not the model's own: SGD 0.05, Adam 1e-3 (as the CLI). */
    public static float defaultLr(OptimizerKind kind) { return kind == OptimizerKind.ADAM ? 1e-3f : 0.05f; }

    /**
     * Builds a {@link TrainConfig}. The learning rate, unless set, is the model's default for the model's optimizer and
     * {@link #defaultLr} for the other; momentum applies to SGD only. {@link #build} validates.
     */
    public static final class Builder {
        private final OptimizerKind modelOptimizer;
        private final float modelLr;
        private OptimizerKind optimizer;
        private Float lr;
        private int epochs = DEFAULT_EPOCHS, batchSize = DEFAULT_BATCH_SIZE;
        private float momentum = DEFAULT_MOMENTUM, weightDecay, clipValue, clipNorm;
        private boolean nesterov;
        private long seed = DEFAULT_SEED;
        private float adamEps = DEFAULT_ADAM_EPS;
        private GradMask gradMask = GradMask.NONE;
        private StopRule stop = StopRule.NONE;

        private Builder(OptimizerKind modelOptimizer, float modelLr) {
            this.modelOptimizer = modelOptimizer;
            this.modelLr = modelLr;
            this.optimizer = modelOptimizer;
        }

        /** Epochs to train (default 10). */
        public Builder epochs(int e) { this.epochs = e; return this; }
        /** Samples per mini-batch (default 128). */
        public Builder batchSize(int b) { this.batchSize = b; return this; }
        /** Learning rate (default: the model's, see the class comment). */
        public Builder lr(float rate) { this.lr = rate; return this; }
        /** SGD or ADAM (default: the model's). */
        public Builder optimizer(OptimizerKind k) { this.optimizer = k; return this; }
        /** SGD momentum in [0, 1) (default 0.9; ignored by Adam). */
        public Builder momentum(float m) { this.momentum = m; return this; }
        /** Nesterov momentum for SGD (default off). */
        public Builder nesterov(boolean on) { this.nesterov = on; return this; }
        /** L2 weight decay (default 0). */
        public Builder weightDecay(float wd) { this.weightDecay = wd; return this; }
        /** Clamp gradients into [-c, c] (default 0: off). */
        public Builder clipValue(float c) { this.clipValue = c; return this; }
        /** Scale gradients to a global L2 norm of at most {@code m} (default 0: off). */
        public Builder clipNorm(float m) { this.clipNorm = m; return this; }
        /** Seed of the batch order (default 1). */
        public Builder seed(long s) { this.seed = s; return this; }
        /** Adam's epsilon (default 1e-8, PyTorch's; Keras: 1e-7). */
        public Builder adamEps(float eps) { this.adamEps = eps; return this; }
        /** Gradient-threshold masking before every update (default {@link GradMask#NONE}). */
        public Builder gradMask(GradMask m) { this.gradMask = m; return this; }
        /** Early stopping of training and fine-tuning phases (default {@link StopRule#NONE}). */
        public Builder stop(StopRule rule) { this.stop = rule; return this; }

        /**
         * The configuration.
         *
         * @throws IllegalArgumentException naming the first invalid value
         */
        public TrainConfig build() {
            float rate = lr != null ? lr : optimizer == modelOptimizer ? modelLr : defaultLr(optimizer);
            return new TrainConfig(epochs, batchSize, rate, optimizer, optimizer == OptimizerKind.SGD ? momentum : 0f,
                    weightDecay, nesterov, clipValue, clipNorm, seed, adamEps, gradMask, stop);
        }
    }
}
