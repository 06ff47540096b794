package dev.jprune.cli;

import java.util.Locale;

/** Resolves --device. The GPU training path is not wired into the pipeline yet, so cpu is what runs. */
final class Device {
    private Device() {}

    static String resolve(String requested, Reporter r) {
        switch (requested.toLowerCase(Locale.ROOT)) {
            case "cpu": return "cpu";
            case "auto":
                r.notice("device: cpu (" + gpuReason() + ")");
                return "cpu";
            case "gpu":
                throw new IllegalArgumentException("--device gpu: " + gpuReason() + "; use --device cpu or auto");
            default:
                throw new IllegalArgumentException("--device must be cpu, gpu or auto; got '" + requested + "'");
        }
    }

    /** Validates the option's spelling without any notice. */
    static void check(String requested) {
        String v = requested.toLowerCase(Locale.ROOT);
        if (!v.equals("cpu") && !v.equals("gpu") && !v.equals("auto")) throw new IllegalArgumentException("--device must be cpu, gpu or auto; got '" + requested + "'");
    }

    static String gpuReason() {
        dev.jprune.gpu.GpuProbe p = dev.jprune.gpu.GpuProbe.get();
        return p.available() ? "a GPU is usable, but the pruning pipeline does not run on it yet (the kernels do; see 'doctor')"
                : "no usable GPU: " + p.reason();
    }
}
