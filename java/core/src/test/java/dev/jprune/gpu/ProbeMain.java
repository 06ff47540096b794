package dev.jprune.gpu;

/** Child-JVM entry for {@link NativeLibrariesTest}: probes the GPU stack once and prints what it found. */
public final class ProbeMain {
    private ProbeMain() {}

    public static void main(String[] args) {
        GpuProbe p = GpuProbe.get();
        System.out.println("driver: " + p.driverReason());
        System.out.println("jcublas: " + p.jcublasReason());
        System.out.println("probe done");
    }
}
