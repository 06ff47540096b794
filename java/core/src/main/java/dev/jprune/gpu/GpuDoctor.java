package dev.jprune.gpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** A plain-text report of the GPU stack for the CLI's {@code doctor} command. Never throws. */
public final class GpuDoctor {
    private GpuDoctor() {}

    public static String report() {
        StringBuilder s = new StringBuilder();
        GpuProbe p = GpuProbe.get();
        s.append("GPU backend: ").append(p.available() ? "available" : "unavailable: " + p.reason()).append('\n');
        s.append("  driver:    ").append(p.driverReason()).append('\n');
        s.append("  fatbin:    ").append(p.fatbinReason());
        if (p.fatbinPresent()) {
            try {
                byte[] f = GpuProbe.readFatbin();
                s.append(", ").append(f.length).append(" bytes, targets ").append(FatbinInfo.targets(f));
            } catch (IOException | RuntimeException e) {
                s.append(", unreadable: ").append(e.getMessage());
            }
        }
        s.append('\n');
        // Both versions side by side: the kernels need a driver at least as new as the toolkit that built them.
        s.append("  versions:  driver ").append(version(p.driverVersion()))
                .append(", kernels built with CUDA ").append(version(p.kernelsCudaVersion())).append('\n');
        s.append("  JCublas:   ").append(p.jcublasReason()).append(from(p.jcublasAvailable(), "libcublas"))
                .append('\n');
        s.append("  JCusparse: ").append(p.jcusparseReason()).append(from(p.jcusparseAvailable(), "libcusparse"))
                .append('\n');
        if (p.available()) {
            try (GpuContext ctx = GpuContext.open(0, false)) {
                long[] mem = ctx.memoryInfo();
                s.append(String.format(Locale.ROOT, "  device 0:  %s, compute capability %d.%d, %d SMs, "
                        + "%.1f GiB (%.1f GiB free)%n", ctx.deviceName(), ctx.computeCapabilityMajor(),
                        ctx.computeCapabilityMinor(), ctx.multiprocessors(), mem[1] / 1073741824.0,
                        mem[0] / 1073741824.0));
                s.append("  kernels:   module loaded\n");
            } catch (RuntimeException e) {
                s.append("  device 0:  cannot open a context or load the kernels: ").append(e.getMessage())
                        .append('\n');
            }
        }
        return s.toString();
    }

    private static String version(int v) { return v > 0 ? GpuProbe.versionString(v) : "unknown"; }

    private static String from(boolean loaded, String lib) {
        if (!loaded) return "";
        String path = loadedLibrary(lib);
        return path == null ? "" : " (" + lib + " from " + path + ")";
    }

    /**
     * The file this process has mapped for the shared library whose name starts with {@code prefix} (e.g.
     * "libcusparse"), from /proc/self/maps; null when none is mapped or the maps cannot be read (not Linux).
     */
    public static String loadedLibrary(String prefix) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) continue;
                String file = line.substring(slash);
                String name = file.substring(file.lastIndexOf('/') + 1);
                if (name.startsWith(prefix + ".") || name.startsWith(prefix + "-")) return file;
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
