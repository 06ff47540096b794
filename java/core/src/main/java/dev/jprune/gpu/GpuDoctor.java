package dev.jprune.gpu;

import java.io.IOException;
import java.util.Locale;

/** A plain-text report of the GPU stack for the CLI's {@code doctor} command. Never throws. */
public final class GpuDoctor {
    private GpuDoctor() {}

    public static String report() {
        StringBuilder s = new StringBuilder();
        GpuProbe p = GpuProbe.get();
        s.append("GPU backend: ").append(p.available() ? "available" : "unavailable").append('\n');
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
        s.append("  JCublas:   ").append(p.jcublasReason()).append('\n');
        s.append("  JCusparse: ").append(p.jcusparseReason()).append('\n');
        if (p.available()) {
            try (GpuContext ctx = GpuContext.open(0, false)) {
                long[] mem = ctx.memoryInfo();
                s.append(String.format(Locale.ROOT, "  device 0:  %s, compute capability %d.%d, %d SMs, %.1f GiB (%.1f GiB free)%n",
                        ctx.deviceName(), ctx.computeCapabilityMajor(), ctx.computeCapabilityMinor(), ctx.multiprocessors(),
                        mem[1] / 1073741824.0, mem[0] / 1073741824.0));
                s.append("  kernels:   module loaded\n");
            } catch (RuntimeException e) {
                s.append("  device 0:  cannot open a context or load the kernels: ").append(e.getMessage()).append('\n');
            }
        }
        return s.toString();
    }
}
