package dev.jprune.cli;

import dev.jprune.gpu.GpuProbe;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Report the machine: Java, CPU threads, CUDA driver, GPU, fatbin, JCublas, JCusparse.",
                "The exit code says whether the GPU backend can run, so scripts can test for a GPU:",
                "jprune doctor >/dev/null && ..."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:a usable GPU (driver, device and the jar's kernels)",
                "3:no usable GPU; the report's first lines say why (training then runs on the CPU with --device auto)",
                "1:the report itself failed (a bug)"})
final class DoctorCommand implements Callable<Integer> {
    /** Exit code when the machine has no usable GPU (documented in --help, README.md and docs/GPU.md). */
    static final int NO_GPU = 3;

    @Override
    public Integer call() {
        Reporter r = Reporter.system(false);
        r.line("java: " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
                + System.getProperty("os.arch"));
        r.line("cpu threads: " + dev.jprune.util.Parallel.threads());
        r.line(dev.jprune.cpu.Simd.describe());
        String report = dev.jprune.gpu.GpuDoctor.report();
        r.line(report);
        // GpuDoctor opens a context and loads the kernels when the probe finds a device; its failure line says so.
        boolean usable = GpuProbe.get().available() && !report.contains("cannot open a context");
        return usable ? 0 : NO_GPU;
    }
}
