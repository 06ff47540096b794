package dev.jprune.cli;

import dev.jprune.Backends;
import dev.jprune.models.ModelSpec;
import dev.jprune.train.Backend;
import dev.jprune.train.TrainConfig;
import java.util.Locale;

/**
 * Resolves --device with the library's {@link Backends}: cpu, gpu (an error when it cannot run), or auto (the GPU when
 * a device, the fatbin and the model's layers are all usable there, else the CPU with a one-line notice saying why).
 */
final class Device {
    private Device() {}

    /** Validates the option's spelling without any notice. */
    static void check(String requested) {
        String v = requested.toLowerCase(Locale.ROOT);
        if (!v.equals("cpu") && !v.equals("gpu") && !v.equals("auto")) throw new IllegalArgumentException(
                "--device must be cpu, gpu or auto; got '" + requested + "'");
    }

    /** Returns "cpu" or "gpu" for training {@code m}; {@code gpuCapable} says whether this command has a GPU path. */
    static String resolve(String requested, ModelSpec m, boolean gpuCapable, Reporter r) {
        return resolve(requested, m, null, gpuCapable, r);
    }

    /** {@link #resolve(String, ModelSpec, boolean, Reporter)} for training with {@code cfg} (null: any settings). */
    static String resolve(String requested, ModelSpec m, TrainConfig cfg, boolean gpuCapable, Reporter r) {
        check(requested);
        String v = requested.toLowerCase(Locale.ROOT);
        if (v.equals("cpu")) return "cpu";
        String why = whyNotGpu(m, cfg, gpuCapable);
        if (v.equals("gpu")) {
            if (why != null) throw new IllegalArgumentException("--device gpu: " + why + "; use --device cpu or auto");
            return "gpu";
        }
        if (why == null) { r.notice("device: gpu"); return "gpu"; }
        r.notice("device: cpu (" + why + ")");
        return "cpu";
    }

    static String whyNotGpu(ModelSpec m, boolean gpuCapable) {
        return whyNotGpu(m, null, gpuCapable);
    }

    static String whyNotGpu(ModelSpec m, TrainConfig cfg, boolean gpuCapable) {
        String why = Backends.gpuUnavailableReason();
        if (why != null) return why;
        if (!gpuCapable) return "this command runs on the CPU only so far";
        return Backends.whyNotGpu(m, cfg);
    }

    /** Opens the backend of a resolved device ("cpu" or "gpu") for {@code m}. */
    static Backend open(String device, ModelSpec m, TrainConfig cfg) {
        return device.equals("gpu") ? Backends.gpu(m, cfg) : Backends.cpu(m, cfg);
    }
}
