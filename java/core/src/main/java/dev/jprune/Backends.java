package dev.jprune;

import dev.jprune.gpu.GpuProbe;
import dev.jprune.gpu.train.GpuBackend;
import dev.jprune.gpu.train.GpuModel;
import dev.jprune.models.ModelSpec;
import dev.jprune.train.Backend;
import dev.jprune.train.CpuBackend;
import dev.jprune.train.TrainConfig;

/**
 * Chooses and opens the {@link Backend} a model trains on: {@link #auto} gives the GPU backend when the probe finds a
 * usable GPU (driver, device and the kernels in the jar) and the model's layers run there, else the CPU backend;
 * {@link #choose} says which and why, and lets a caller force either. Holds no state: the GPU probe it asks is cached
 * per JVM by {@link GpuProbe}.
 */
public final class Backends {
    private Backends() {}

    /**
     * A resolved device and why it was chosen.
     *
     * @param device CPU or GPU (never AUTO)
     * @param reason one line: why this device (for AUTO falling back to the CPU, what stands against the GPU)
     */
    public record Choice(Device device, String reason) {}

    /** Null when a GPU is usable in this JVM, else why not ("no usable GPU: ..."). Never throws. */
    public static String gpuUnavailableReason() {
        GpuProbe p = GpuProbe.get();
        return p.available() ? null : "no usable GPU: " + p.reason();
    }

    /**
     * Null when {@code model} can train on the GPU here, else the first reason it cannot: no usable GPU, a regression
     * model, or a layer the GPU path does not implement. Never throws.
     */
    public static String whyNotGpu(ModelSpec model) {
        String why = gpuUnavailableReason();
        if (why != null) return why;
        if (model.task() != ModelSpec.Task.CLASSIFICATION) return "the GPU path trains classification models only";
        String bad = GpuModel.unsupportedLayer(model.net());
        return bad == null ? null : "the GPU path cannot run " + bad + " yet";
    }

    /**
     * Null when {@code model} can train on the GPU here with {@code cfg}, else the first reason it cannot:
     * {@link #whyNotGpu(ModelSpec)}, or a training setting the GPU trainer does not implement (gradient masking).
     * Never throws.
     */
    public static String whyNotGpu(ModelSpec model, TrainConfig cfg) {
        String why = whyNotGpu(model);
        if (why != null || cfg == null) return why;
        if (cfg.gradMask().active()) return "the GPU trainer has no gradient masking (--grad-mask) yet";
        return null;
    }

    /**
     * Resolves {@code requested} for {@code model}: CPU always; GPU when it can run the model; AUTO the GPU when it
     * can, else the CPU with the reason.
     *
     * @throws IllegalArgumentException when the GPU is requested and cannot run the model (the reason says why)
     */
    public static Choice choose(Device requested, ModelSpec model) {
        return choose(requested, model, null);
    }

    /**
     * {@link #choose(Device, ModelSpec)} for training with {@code cfg} (null: any settings): the GPU also needs every
     * training setting to run there ({@link #whyNotGpu(ModelSpec, TrainConfig)}).
     *
     * @throws IllegalArgumentException when the GPU is requested and cannot run the model (the reason says why)
     */
    public static Choice choose(Device requested, ModelSpec model, TrainConfig cfg) {
        if (requested == null) throw new IllegalArgumentException("device is required (AUTO, CPU or GPU)");
        if (requested == Device.CPU) return new Choice(Device.CPU, "requested");
        String why = whyNotGpu(model, cfg);
        if (why == null) return new Choice(Device.GPU, GpuProbe.get().reason());
        if (requested == Device.GPU) throw new IllegalArgumentException("GPU requested but " + why);
        return new Choice(Device.CPU, why);
    }

    /**
     * Opens the backend of {@code choice} for {@code model} trained with {@code cfg}; the caller closes it.
     *
     * @throws IllegalArgumentException when choice.device() is AUTO (resolve it with {@link #choose} first)
     */
    public static Backend open(Choice choice, ModelSpec model, TrainConfig cfg) {
        return switch (choice.device()) {
            case CPU -> new CpuBackend(model, cfg);
            case GPU -> new GpuBackend(model, cfg);
            case AUTO -> throw new IllegalArgumentException("Backends.open: resolve AUTO with Backends.choose first");
        };
    }

    /** The GPU backend when the GPU can run {@code model}, else the CPU backend ({@link #choose} with AUTO). */
    public static Backend auto(ModelSpec model, TrainConfig cfg) {
        return open(choose(Device.AUTO, model, cfg), model, cfg);
    }

    /** The CPU reference backend. */
    public static Backend cpu(ModelSpec model, TrainConfig cfg) {
        return new CpuBackend(model, cfg);
    }

    /**
     * The GPU backend.
     *
     * @throws IllegalArgumentException when the GPU cannot run the model, with the reason
     */
    public static Backend gpu(ModelSpec model, TrainConfig cfg) {
        return open(choose(Device.GPU, model, cfg), model, cfg);
    }
}
