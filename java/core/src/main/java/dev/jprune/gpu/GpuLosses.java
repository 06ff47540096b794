package dev.jprune.gpu;

/**
 * Losses with their gradient (native/loss.cu): softmax cross-entropy and MSE, returning the loss (waits for the
 * stream) or, for a training step, writing it to a device slot (no host synchronisation).
 */
public final class GpuLosses extends GpuOpFamily {
    private final LossKernels k;

    GpuLosses(GpuContext ctx) {
        super(ctx);
        this.k = new LossKernels(ctx);
    }

    /**
     * Fused softmax + cross-entropy + gradient; logits FLOAT [rows, cols], labels INT [rows].
     * Overwrites {@code dlogits} [rows, cols] with (softmax − onehot)/rows; returns the mean loss (per-row losses in
     * double, summed in a fixed order). A label outside [0, cols) is an IllegalArgumentException naming the first
     * such row (dlogits is then partly written, as the CPU twin leaves it).
     */
    @CpuTwin(CPU + "softmaxCrossEntropy")
    public double softmaxCrossEntropy(DeviceBuffer logits, DeviceBuffer labels, int rows, int cols,
                                      DeviceBuffer dlogits) {
        long n = product("softmaxCrossEntropy", rows, cols);
        if (rows == 0 || cols == 0) throw new IllegalArgumentException(where("softmaxCrossEntropy") + ": empty batch "
                + rows + " x " + cols);
        need("softmaxCrossEntropy", "logits", logits, DeviceBuffer.Type.FLOAT, n);
        need("softmaxCrossEntropy", "labels", labels, DeviceBuffer.Type.INT, rows);
        need("softmaxCrossEntropy", "dlogits", dlogits, DeviceBuffer.Type.FLOAT, n);
        try (DeviceBuffer rowLoss = ctx.allocDouble(rows); DeviceBuffer out = ctx.allocDouble(1);
             DeviceBuffer bad = ctx.allocInt(1)) {
            bad.upload(new int[] {Integer.MAX_VALUE});
            k.softmaxXent(logits, labels, rows, cols, dlogits, rowLoss, 1f / rows, bad);
            k.sumDouble(rowLoss, rows, 1.0 / rows, out);
            int[] badRow = new int[1];
            bad.download(badRow);
            if (badRow[0] != Integer.MAX_VALUE) {
                int[] l = new int[Math.toIntExact(labels.length())];
                labels.download(l);
                throw new IllegalArgumentException("softmaxCrossEntropy: label " + l[badRow[0]] + " at row " + badRow[0]
                        + " outside [0, " + cols + ")");
            }
            double[] r = new double[1];
            out.download(r);
            return r[0];
        }
    }

    /** Mean squared error over n; overwrites {@code dpred} with 2(p − t)/n; returns mean((p − t)²). */
    @CpuTwin(CPU + "mse")
    public double mse(DeviceBuffer pred, DeviceBuffer target, int n, DeviceBuffer dpred) {
        if (n <= 0) throw new IllegalArgumentException(where("mse") + ": n = " + n + ", needs > 0");
        need("mse", "pred", pred, DeviceBuffer.Type.FLOAT, n);
        need("mse", "target", target, DeviceBuffer.Type.FLOAT, n);
        need("mse", "dpred", dpred, DeviceBuffer.Type.FLOAT, n);
        int parts = LossKernels.msePartials(n);
        try (DeviceBuffer partials = ctx.allocDouble(parts); DeviceBuffer out = ctx.allocDouble(1)) {
            k.mse(pred, target, n, dpred, 2f / n, partials);
            k.sumDouble(partials, parts, 1.0 / n, out);
            double[] r = new double[1];
            out.download(r);
            return r[0];
        }
    }

    // ---------------------------------------------------------------- without host synchronisation
    /**
     * {@link #softmaxCrossEntropy} for a training step that must not wait for the GPU: the mean loss goes to
     * {@code lossOut[slot]} (DOUBLE), the number of rows whose argmax equals the label to {@code correctOut[slot]}
     * (LONG, may be null; argmax ties → lower index, as Trainer.countCorrect) and the first row whose label is outside
     * [0, cols) to {@code badRowOut[slot]} (INT, −1 when none; may be null). A bad label cannot be thrown without
     * waiting: that row's loss and gradient are NaN, so lossOut[slot] is NaN, and the host should check
     * badRowOut when it reads the loss. Overwrites {@code dlogits} [rows, cols] with (softmax − onehot)/rows and
     * the three slots; queues work and returns at once (nothing is copied to or from the host). The same bits as
     * {@link #softmaxCrossEntropy} for the loss.
     */
    @CpuTwin({CPU + "softmaxCrossEntropy", CONV + "countCorrect"})
    public void softmaxCrossEntropyAsync(DeviceBuffer logits, DeviceBuffer labels, int rows,
                                         int cols, DeviceBuffer dlogits, DeviceBuffer lossOut, DeviceBuffer correctOut,
                                         DeviceBuffer badRowOut, int slot) {
        String op = "softmaxCrossEntropyAsync";
        long n = product(op, rows, cols);
        if (rows == 0 || cols == 0) throw new IllegalArgumentException(where(op) + ": empty batch "
                + rows + " x " + cols);
        need(op, "logits", logits, DeviceBuffer.Type.FLOAT, n);
        need(op, "labels", labels, DeviceBuffer.Type.INT, rows);
        need(op, "dlogits", dlogits, DeviceBuffer.Type.FLOAT, n);
        needSlot(op, "lossOut", lossOut, DeviceBuffer.Type.DOUBLE, slot);
        if (correctOut != null) needSlot(op, "correctOut", correctOut, DeviceBuffer.Type.LONG, slot);
        if (badRowOut != null) needSlot(op, "badRowOut", badRowOut, DeviceBuffer.Type.INT, slot);
        // The scratch goes back to the pool at once; reuse is ordered after these launches on the one stream.
        try (DeviceBuffer rowLoss = ctx.allocDouble(rows); DeviceBuffer rowFlag = ctx.allocInt(rows)) {
            k.softmaxXentAcc(logits, labels, rows, cols, dlogits, rowLoss, 1f / rows, rowFlag);
            k.xentFinish(rowLoss, rowFlag, rows, 1.0 / rows, lossOut.at(slot),
                    correctOut == null ? null : correctOut.at(slot), badRowOut == null ? null : badRowOut.at(slot));
        }
    }

    /**
     * {@link #mse} without waiting: mean((p − t)²) goes to {@code lossOut[slot]} (DOUBLE); overwrites {@code dpred}
     * with 2(p − t)/n. Same summation (and bits) as {@link #mse}. Returns at once.
     */
    @CpuTwin(CPU + "mse")
    public void mseAsync(DeviceBuffer pred, DeviceBuffer target, int n, DeviceBuffer dpred,
                         DeviceBuffer lossOut, int slot) {
        if (n <= 0) throw new IllegalArgumentException(where("mseAsync") + ": n = " + n + ", needs > 0");
        need("mseAsync", "pred", pred, DeviceBuffer.Type.FLOAT, n);
        need("mseAsync", "target", target, DeviceBuffer.Type.FLOAT, n);
        need("mseAsync", "dpred", dpred, DeviceBuffer.Type.FLOAT, n);
        needSlot("mseAsync", "lossOut", lossOut, DeviceBuffer.Type.DOUBLE, slot);
        int parts = LossKernels.msePartials(n);
        try (DeviceBuffer partials = ctx.allocDouble(parts)) {
            k.mse(pred, target, n, dpred, 2f / n, partials);
            k.sumDouble(partials, parts, 1.0 / n, lossOut.at(slot));
        }
    }
}
