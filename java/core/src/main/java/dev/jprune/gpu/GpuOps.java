package dev.jprune.gpu;

/**
 * The entry point to the GPU twins of {@link dev.jprune.cpu.CpuKernels}, {@link dev.jprune.cpu.CpuConvKernels} and
 * {@link dev.jprune.cpu.NaiveGemm} on {@link DeviceBuffer}s, grouped by kernel family: each family's methods keep
 * their twins' argument order and semantics and name them with {@link CpuTwin}. Kernels are queued on the context's
 * stream; methods returning a value (losses, sums of squares) wait for it. Arguments are validated on the host
 * first: a bad shape, type or length is an IllegalArgumentException naming the family and op the caller called
 * ("GpuOptimizers.sgdStep: ...") and the fault, and nothing is launched. Not thread-safe (like its context). Data
 * movement for training is {@link GpuDataOps}.
 */
public final class GpuOps {
    private final GpuContext ctx;
    private final GpuElementwise elementwise;
    private final GpuGemm gemm;
    private final GpuLosses losses;
    private final GpuOptimizers optimizers;
    private final GpuReductions reductions;
    private final GpuConvolution convolution;
    private final GpuPooling pooling;
    private final GpuDropout dropout;

    public GpuOps(GpuContext ctx) {
        this.ctx = ctx;
        this.elementwise = new GpuElementwise(ctx);
        this.gemm = new GpuGemm(ctx);
        this.losses = new GpuLosses(ctx);
        this.optimizers = new GpuOptimizers(ctx);
        this.reductions = new GpuReductions(ctx);
        this.convolution = new GpuConvolution(ctx, gemm);
        this.pooling = new GpuPooling(ctx);
        this.dropout = new GpuDropout(ctx);
    }

    /** The context every op of this object launches on. */
    public GpuContext context() { return ctx; }

    /** Bias add (+ ReLU), ReLU forward/backward, scale, clamp, fill (native/elementwise.cu). */
    public GpuElementwise elementwise() { return elementwise; }

    /** fp32 and TF32 GEMM, with a Linear layer's bias + ReLU epilogue (native/gemm.cu). */
    public GpuGemm gemm() { return gemm; }

    /** Softmax cross-entropy and MSE with their gradients, waiting or into device slots (native/loss.cu). */
    public GpuLosses losses() { return losses; }

    /** SGD and Adam steps, per tensor or many tensors per launch, with fused score accumulation (native/optim.cu). */
    public GpuOptimizers optimizers() { return optimizers; }

    /** Sums of squares over many tensors and the device-side clip-by-norm factor (native/reduce.cu). */
    public GpuReductions reductions() { return reductions; }

    /** im2col/col2im, layout permutations, bias gradient, Conv2d forward/backward (native/conv.cu + GEMM). */
    public GpuConvolution convolution() { return convolution; }

    /** Max pooling forward/backward (native/pool.cu). */
    public GpuPooling pooling() { return pooling; }

    /** Inverted dropout forward/backward (native/dropout.cu). */
    public GpuDropout dropout() { return dropout; }
}
