package dev.jprune.gpu.train;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuDataOps;
import dev.jprune.gpu.GpuOps;
import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Dropout;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.nn.Flatten;
import dev.jprune.nn.Layer;
import dev.jprune.nn.Linear;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import java.util.ArrayList;
import java.util.List;

/**
 * A device mirror of a {@link Sequential}: parameters, gradients, masks and optimizer state live on the GPU;
 * forward/backward run our kernels. A Linear followed by ReLU is one fused GEMM + bias + ReLU kernel (its backward
 * reads the ReLU mask from the output: y &gt; 0 exactly where the pre-activation is). Supported layers: Linear,
 * Conv2d, MaxPool2d, ReLU, Dropout, Flatten; others are rejected by name at construction.
 */
public final class GpuModel implements AutoCloseable {
    /** One parameter on the device. {@code s1}/{@code s2}: momentum or Adam m/v, allocated on first use. */
    static final class DParam {
        final Parameter host;
        final DeviceBuffer w, g;
        DeviceBuffer mask, s1, s2;
        /**
         * g is zero by contract but not written yet (zeroGrad is lazy): the next backward overwrites instead of adding.
         */
        boolean gradZeroPending;

        DParam(GpuContext ctx, Parameter p) {
            this.host = p;
            this.w = ctx.upload(p.value.data);
            this.g = ctx.allocFloat(p.size());
        }
        int size() { return host.size(); }
    }

    interface Node {
        /** x [n, inSize] → y [n, outSize]; caches what backward needs. */
        DeviceBuffer forward(DeviceBuffer x, int n, boolean training, Scratch s);
        /** dy [n, outSize] → dx (null when not needed); accumulates parameter gradients. */
        DeviceBuffer backward(DeviceBuffer dy, int n, boolean needInputGrad, Scratch s);
    }

    final GpuContext ctx;
    final GpuOps ops;
    final GpuDataOps data;
    final Sequential net;
    final boolean tf32;
    final List<DParam> params = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final int outSize;

    /** {@code sampleShape}: one input sample without the batch dimension, e.g. {1, 28, 28}. Uploads the parameters. */
    public GpuModel(GpuContext ctx, Sequential net, int[] sampleShape, boolean tf32) {
        this.ctx = ctx;
        this.ops = new GpuOps(ctx);
        this.data = new GpuDataOps(ctx);
        this.net = net;
        this.tf32 = tf32;
        List<Layer> ls = net.layers();
        int[] shape = sampleShape.clone(); // per-sample shape flowing through the layers
        try {
            for (int i = 0; i < ls.size(); i++) {
                Layer l = ls.get(i);
                int[] out = perSample(l.outputShape(batched(shape)));
                if (l instanceof Linear lin && !lin.hasBias() || l instanceof Conv2d c && !c.hasBias()) {
                    throw new IllegalArgumentException("GPU path: layer " + i + " (" + l.describe() + "): " + NO_BIAS
                            + "; use --device cpu");
                }
                if (l instanceof Linear lin) {
                    boolean fuse = i + 1 < ls.size() && ls.get(i + 1) instanceof ReLU;
                    DParam w = new DParam(ctx, lin.weight), b = new DParam(ctx, lin.bias);
                    params.add(w);
                    params.add(b);
                    nodes.add(new LinearNode(lin.in, lin.out, w, b, fuse));
                    if (fuse) i++;
                } else if (l instanceof Conv2d conv) {
                    if (shape.length != 3) throw new IllegalArgumentException("GPU path: Conv2d at layer " + i
                            + " needs [C, H, W] input, got " + java.util.Arrays.toString(shape));
                    DParam w = new DParam(ctx, conv.weight()), b = new DParam(ctx, conv.bias());
                    params.add(w);
                    params.add(b);
                    nodes.add(new ConvNode(conv, shape, out, w, b));
                } else if (l instanceof MaxPool2d pool) {
                    if (shape.length != 3) throw new IllegalArgumentException("GPU path: MaxPool2d at layer " + i
                            + " needs [C, H, W] input, got " + java.util.Arrays.toString(shape));
                    nodes.add(new PoolNode(pool, shape, out));
                } else if (l instanceof ReLU) {
                    nodes.add(new ReluNode(size(shape)));
                } else if (l instanceof Dropout dr) {
                    nodes.add(new DropoutNode(dr, size(shape)));
                } else if (l instanceof Flatten) {
                    // Row-major [N, ...] is already [N, features]: nothing to do on the device.
                } else {
                    throw new IllegalArgumentException("GPU path: layer " + i + " (" + l.describe()
                            + ") is not supported on the GPU yet; use --device cpu");
                }
                shape = out;
            }
            uploadMasks();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.outSize = size(shape);
    }

    private static int[] batched(int[] s) {
        int[] b = new int[s.length + 1];
        b[0] = 1;
        System.arraycopy(s, 0, b, 1, s.length);
        return b;
    }

    private static int[] perSample(int[] s) { return java.util.Arrays.copyOfRange(s, 1, s.length); }

    private static int size(int[] s) {
        int n = 1;
        for (int d : s) n *= d;
        return n;
    }

    private static final String NO_BIAS = "layers without bias do not run on the GPU yet";


    /** The first layer of {@code net} the GPU path cannot run, described, or null when it runs them all. */
    public static String unsupportedLayer(Sequential net) {
        for (int i = 0; i < net.layers().size(); i++) {
            Layer l = net.layer(i);
            if (!(l instanceof Linear || l instanceof ReLU || l instanceof Flatten || l instanceof Dropout
                    || l instanceof Conv2d || l instanceof MaxPool2d)) return "layer " + i + " (" + l.describe() + ")";
            // The device kernels always add a bias (fused GEMM + bias + ReLU, conv + bias): none yet without one.
            if (l instanceof Linear lin && !lin.hasBias() || l instanceof Conv2d c && !c.hasBias()) {
                return "layer " + i + " (" + l.describe() + ", a layer without bias)";
            }
        }
        return null;
    }

    /** Copies the host masks (and masked weights) to the device; call after the host masks change. */
    public void uploadMasks() {
        for (DParam p : params) {
            if (p.host.mask == null) { if (p.mask != null) { p.mask.close(); p.mask = null; } continue; }
            if (p.mask == null) p.mask = ctx.allocBytes(p.size());
            p.mask.upload(p.host.mask);
            p.host.applyMask();
            p.w.upload(p.host.value.data);
        }
    }

    /** Copies the device weights into the host parameters (and grads when {@code grads}). Modifies the host model. */
    public void download(boolean grads) {
        if (grads) materializeGrads();
        for (DParam p : params) {
            p.w.download(p.host.value.data);
            if (grads) p.g.download(p.host.grad.data);
        }
    }

    /** Copies host weights to the device (e.g. after rewinding). */
    public void upload() {
        for (DParam p : params) p.w.upload(p.host.value.data);
    }

    /**
     * Zeroes every gradient — lazily: a Linear's backward then writes its dW with beta 0 and its db with
     * {@code columnSum} (the bits of adding into zeros: the sums start from +0 either way and never are −0), which
     * saves one fill launch per parameter per step. Whoever reads g otherwise calls {@link #materializeGrads} first.
     */
    void zeroGrad() {
        for (DParam p : params) p.gradZeroPending = true;
    }

    /** Writes the zeros a lazy {@link #zeroGrad} still owes (a fill per pending gradient). */
    void materializeGrads() {
        for (DParam p : params) materializeGrad(p);
    }

    private void materializeGrad(DParam p) {
        if (!p.gradZeroPending) return;
        ops.elementwise().fill(p.g, p.size(), 0f);
        p.gradZeroPending = false;
    }

    DeviceBuffer forward(DeviceBuffer x, int n, boolean training, Scratch s) {
        DeviceBuffer h = x;
        for (Node node : nodes) h = node.forward(h, n, training, s);
        return h;
    }

    void backward(DeviceBuffer dy, int n, Scratch s) {
        DeviceBuffer g = dy;
        for (int i = nodes.size() - 1; i >= 0; i--) g = nodes.get(i).backward(g, n, i > 0, s);
    }

    int outputSize() { return outSize; }

    List<DeviceBuffer> gradients() {
        materializeGrads();
        List<DeviceBuffer> g = new ArrayList<>();
        for (DParam p : params) g.add(p.g);
        return g;
    }

    @Override
    public void close() {
        for (DParam p : params) {
            p.w.close();
            p.g.close();
            if (p.mask != null) p.mask.close();
            if (p.s1 != null) p.s1.close();
            if (p.s2 != null) p.s2.close();
        }
        params.clear();
    }

    // y [n, out] = x [n, in] · Wᵀ + b (then ReLU when fused)
    private final class LinearNode implements Node {
        final int in, out;
        final DParam w, b;
        final boolean relu;
        DeviceBuffer x, y;

        LinearNode(int in, int out, DParam w, DParam b, boolean relu) {
            this.in = in; this.out = out; this.w = w; this.b = b; this.relu = relu;
        }

        @Override public DeviceBuffer forward(DeviceBuffer x, int n, boolean training, Scratch s) {
            this.x = x;
            y = s.floats((long) n * out);
            ops.gemm().gemmBiasRelu(false, true, n, out, in, x, 0, in, w.w, 0, in, y, 0, out, b.w, relu, tf32);
            return y;
        }

        @Override public DeviceBuffer backward(DeviceBuffer dy, int n, boolean needInputGrad, Scratch s) {
            DeviceBuffer d = dy;
            if (relu) {
                d = s.floats((long) n * out);
                ops.elementwise().reluBackward(y, dy, d, n * out);
            }
            // dW += dyᵀ·x [out, in]; db += Σ_n dy; dx = dy·W [n, in] (dW = and db = right after a lazy zeroGrad)
            ops.gemm().gemm(true, false, out, in, n, 1f, d, 0, out, x, 0, in, w.gradZeroPending ? 0f : 1f, w.g, 0, in);
            w.gradZeroPending = false;
            if (b.gradZeroPending) data.columnSum(d, b.g, n, out);
            else data.columnSumAccumulate(d, b.g, n, out);
            b.gradZeroPending = false;
            if (!needInputGrad) return null;
            DeviceBuffer dx = s.floats((long) n * in);
            ops.gemm().gemm(false, false, n, in, out, 1f, d, 0, out, w.w, 0, in, 0f, dx, 0, in);
            return dx;
        }
    }

    private final class ReluNode implements Node {
        final int size;
        DeviceBuffer x;
        ReluNode(int size) { this.size = size; }

        @Override public DeviceBuffer forward(DeviceBuffer x, int n, boolean training, Scratch s) {
            this.x = x;
            DeviceBuffer y = s.floats((long) n * size);
            ops.elementwise().reluForward(x, y, n * size);
            return y;
        }

        @Override public DeviceBuffer backward(DeviceBuffer dy, int n, boolean needInputGrad, Scratch s) {
            DeviceBuffer dx = s.floats((long) n * size);
            ops.elementwise().reluBackward(x, dy, dx, n * size);
            return dx;
        }
    }

    // Inverted dropout with the CPU layer's counter-based mask: element i of training forward c keeps iff
    // Rng.hashUniform(seed, c, i) >= p; c comes from the host layer, so CPU and GPU steps share one numbering.
    private final class DropoutNode implements Node {
        final Dropout layer;
        final int size;
        DeviceBuffer keep;

        DropoutNode(Dropout layer, int size) { this.layer = layer; this.size = size; }

        @Override public DeviceBuffer forward(DeviceBuffer x, int n, boolean training, Scratch s) {
            keep = null;
            if (!training || layer.p == 0f) return x;
            DeviceBuffer y = s.floats((long) n * size);
            keep = s.bytes((long) n * size);
            ops.dropout().dropoutForward(x, n * size, layer.p, layer.seed(), layer.nextStream(), y, keep);
            return y;
        }

        @Override public DeviceBuffer backward(DeviceBuffer dy, int n, boolean needInputGrad, Scratch s) {
            if (keep == null) return dy;
            DeviceBuffer dx = s.floats((long) n * size);
            ops.dropout().dropoutBackward(dy, keep, n * size, layer.p, dx);
            return dx;
        }
    }

    // y [n, F, OH, OW] = conv(x [n, C, H, W]) + b: batched im2col + one GEMM (GpuConvolution.conv2dForward)
    private final class ConvNode implements Node {
        final Conv2d conv;
        final int[] in, out;
        final DParam w, b;
        DeviceBuffer x;

        ConvNode(Conv2d conv, int[] in, int[] out, DParam w, DParam b) {
            this.conv = conv;
            this.in = in;
            this.out = out;
            this.w = w;
            this.b = b;
        }

        @Override public DeviceBuffer forward(DeviceBuffer x, int n, boolean training, Scratch s) {
            this.x = x;
            DeviceBuffer y = s.floats((long) n * size(out));
            ops.convolution().conv2dForward(x, n, in[0], in[1], in[2], w.w, conv.outChannels(), conv.kernelSize(), b.w,
                    conv.stride(), conv.padding(), y);
            return y;
        }

        @Override public DeviceBuffer backward(DeviceBuffer dy, int n, boolean needInputGrad, Scratch s) {
            DeviceBuffer dx = needInputGrad ? s.floats((long) n * size(in)) : null;
            materializeGrad(w);  // conv2dBackward accumulates into dW and db
            materializeGrad(b);
            ops.convolution().conv2dBackward(x, n, in[0], in[1], in[2], w.w, conv.outChannels(), conv.kernelSize(),
                    conv.stride(), conv.padding(), dy, dx, w.g, b.g);
            return dx;
        }
    }

    // y [n, C, OH, OW] = maxpool(x), argmax saved (flat input index; ties to the lowest, like MaxPool2d)
    private final class PoolNode implements Node {
        final MaxPool2d pool;
        final int[] in, out;
        DeviceBuffer argmax;

        PoolNode(MaxPool2d pool, int[] in, int[] out) { this.pool = pool; this.in = in; this.out = out; }

        @Override public DeviceBuffer forward(DeviceBuffer x, int n, boolean training, Scratch s) {
            DeviceBuffer y = s.floats((long) n * size(out));
            argmax = s.ints((long) n * size(out));
            ops.pooling().maxPoolForward(x, n, in[0], in[1], in[2], pool.kernel(), pool.stride(), y, argmax);
            return y;
        }

        @Override public DeviceBuffer backward(DeviceBuffer dy, int n, boolean needInputGrad, Scratch s) {
            if (!needInputGrad) return null;
            DeviceBuffer dx = s.floats((long) n * size(in));
            ops.pooling().maxPoolBackward(dy, argmax, n, in[0], in[1], in[2], pool.kernel(), pool.stride(), dx);
            return dx;
        }
    }
}
