package dev.jprune;

import java.util.Locale;

/** Where a model trains: the CPU, the GPU, or {@link #AUTO} (the GPU when it is usable for the model, else the CPU). */
public enum Device {
    /** The GPU when {@link Backends#whyNotGpu} finds nothing against it, else the CPU. */
    AUTO,
    /** The CPU reference engine. */
    CPU,
    /** The GPU; refused with the reason when it cannot run the model. */
    GPU;

    /**
     * The device named {@code name} ("auto", "cpu" or "gpu", any case).
     *
     * @throws IllegalArgumentException naming the accepted values for any other name
     */
    public static Device parse(String name) {
        if (name != null) {
            switch (name.toLowerCase(Locale.ROOT)) {
                case "auto": return AUTO;
                case "cpu": return CPU;
                case "gpu": return GPU;
                default: break;
            }
        }
        throw new IllegalArgumentException("device must be cpu, gpu or auto; got '" + name + "'");
    }
}
