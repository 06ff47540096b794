package dev.jprune.gpu;

/**
 * Launchers of native/loss.cu: fused softmax cross-entropy, MSE, fixed-order double sums, and the
 * training-step variants that write their results to device slots (no host sync).
 */
final class LossKernels extends KernelLauncher {
    LossKernels(GpuContext ctx) { super(ctx); }

    void softmaxXent(DeviceBuffer logits, DeviceBuffer labels, int rows, int cols, DeviceBuffer dlogits,
                     DeviceBuffer rowLoss, float invRows, DeviceBuffer badRow) {
        launch("jp_softmax_xent", rows, 1, THREADS, "rows=" + rows + " cols=" + cols,
                logits, labels, rows, cols, dlogits, rowLoss, invRows, badRow);
    }
    /** Number of partial sums jp_mse writes for n elements (a function of n only: reproducible results). */
    static int msePartials(int n) { return (int) Math.max(1, Math.min(1024, ((long) n + THREADS - 1) / THREADS)); }
    void mse(DeviceBuffer pred, DeviceBuffer target, int n, DeviceBuffer dpred, float scale, DeviceBuffer partials) {
        launch("jp_mse", msePartials(n), 1, THREADS, "n=" + n, pred, target, n, dpred, scale, partials);
    }
    void sumDouble(DeviceBuffer x, int n, double scale, DeviceBuffer out) {
        launch("jp_sum_double", 1, 1, THREADS, "n=" + n, x, n, scale, out);
    }

    // Training-step variants (no host sync).
    void softmaxXentAcc(DeviceBuffer logits, DeviceBuffer labels, int rows, int cols, DeviceBuffer dlogits,
                        DeviceBuffer rowLoss, float invRows, DeviceBuffer rowFlag) {
        launch("jp_softmax_xent_acc", rows, 1, THREADS, "rows=" + rows + " cols=" + cols,
                logits, labels, rows, cols, dlogits, rowLoss, invRows, rowFlag);
    }
    /** lossOut, correctOut, badRowOut: pointers to one element each; the last two may be null. */
    void xentFinish(DeviceBuffer rowLoss, DeviceBuffer rowFlag, int rows, double scale, DevPtr lossOut,
                    DevPtr correctOut, DevPtr badRowOut) {
        launch("jp_xent_finish", 1, 1, THREADS, "rows=" + rows, rowLoss, rowFlag, rows, scale, lossOut,
                correctOut, badRowOut);
    }
    void sumDouble(DeviceBuffer x, int n, double scale, DevPtr out) {
        launch("jp_sum_double", 1, 1, THREADS, "n=" + n, x, n, scale, out);
    }
}
