package dev.jprune.gpu;

/**
 * Launchers of native/optim.cu: SGD and Adam steps, one tensor or many per launch, with fused score
 * accumulation.
 */
final class OptimKernels extends KernelLauncher {
    OptimKernels(GpuContext ctx) { super(ctx); }

    void sgdStep(DeviceBuffer w, DeviceBuffer g, DeviceBuffer mom, DeviceBuffer mask, int n, float lr, float momentum,
                 float weightDecay, boolean nesterov, float gradScale, float clipValue, GpuOptimizers.StepScores acc) {
        DeviceBuffer accS = acc == null ? null : acc.scores(), accState = acc == null ? null : acc.faultState();
        int accCrit = acc == null ? 0 : acc.criterionCode(), accEma = acc != null && acc.ema() ? 1 : 0;
        float accM = acc == null ? 0f : acc.momentum(),
                accC1m = 1f - accM;  // (1 - m) rounded once, as ScoreAccumulator
        long accOffset = acc == null ? 0L : acc.globalOffset();
        launch("jp_sgd_step", blocks1d(n), 1, THREADS, "n=" + n + (acc == null ? "" : " +scores"), w, g,
                mom, mask, n, lr, momentum, weightDecay, nesterov ? 1 : 0, gradScale, clipValue, accS, accCrit, accEma,
                accM, accC1m, accState, accOffset);
    }
    void adamStep(DeviceBuffer w, DeviceBuffer g, DeviceBuffer m, DeviceBuffer v, DeviceBuffer mask, int n,
                  float stepSize, float beta1, float beta2, float eps, float weightDecay, float bc2Sqrt,
                  float gradScale, float clipValue, GpuOptimizers.StepScores acc) {
        DeviceBuffer accS = acc == null ? null : acc.scores(), accState = acc == null ? null : acc.faultState();
        int accCrit = acc == null ? 0 : acc.criterionCode(), accEma = acc != null && acc.ema() ? 1 : 0;
        float accM = acc == null ? 0f : acc.momentum(), accC1m = 1f - accM;
        long accOffset = acc == null ? 0L : acc.globalOffset();
        launch("jp_adam_step", blocks1d(n), 1, THREADS, "n=" + n + (acc == null ? "" : " +scores"), w, g, m, v,
                mask, n, stepSize, beta1, beta2, eps, weightDecay, bc2Sqrt, gradScale, clipValue, accS, accCrit, accEma,
                accM, accC1m, accState, accOffset);
    }

    /**
     * table: LONG[OPT_ROW_LONGS * tensors] (GpuOptimizers.StepTable), blocks = Σ its blocks column.
     * scaleDev: null (gradScale applies) or FLOAT[1] on the device holding the scale (NaN: the step is skipped).
     */
    void sgdStepMulti(DeviceBuffer table, int tensors, long blocks, float lr, float momentum,
                      float weightDecay, boolean nesterov, float gradScale, DeviceBuffer scaleDev, float clipValue,
                      GpuOptimizers.StepScores acc) {
        int accCrit = acc == null ? 0 : acc.criterionCode(), accEma = acc != null && acc.ema() ? 1 : 0;
        float accM = acc == null ? 0f : acc.momentum(), accC1m = 1f - accM;
        DeviceBuffer accState = acc == null ? null : acc.faultState();
        String shapes = "tensors=" + tensors + " blocks=" + blocks + (acc == null ? "" : " +scores");
        launch("jp_sgd_step_multi", (int) blocks, 1, THREADS, shapes, table, tensors, lr, momentum, weightDecay,
                nesterov ? 1 : 0, gradScale, scaleDev, clipValue, accCrit, accEma, accM, accC1m, accState);
    }
    void adamStepMulti(DeviceBuffer table, int tensors, long blocks, float stepSize, float beta1,
                       float beta2, float eps, float weightDecay, float bc2Sqrt, float gradScale,
                       DeviceBuffer scaleDev, float clipValue, GpuOptimizers.StepScores acc) {
        int accCrit = acc == null ? 0 : acc.criterionCode(), accEma = acc != null && acc.ema() ? 1 : 0;
        float accM = acc == null ? 0f : acc.momentum(), accC1m = 1f - accM;
        DeviceBuffer accState = acc == null ? null : acc.faultState();
        String shapes = "tensors=" + tensors + " blocks=" + blocks + (acc == null ? "" : " +scores");
        launch("jp_adam_step_multi", (int) blocks, 1, THREADS, shapes, table, tensors, stepSize, beta1, beta2, eps,
                weightDecay, bc2Sqrt, gradScale, scaleDev, clipValue, accCrit, accEma, accM, accC1m, accState);
    }
}
