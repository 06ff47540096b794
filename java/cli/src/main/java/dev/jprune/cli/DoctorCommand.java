package dev.jprune.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "doctor", mixinStandardHelpOptions = true, description = "Report the machine: Java, CPU threads, CUDA driver, GPU, fatbin, JCublas, JCusparse.")
final class DoctorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Reporter r = Reporter.system(false);
        r.line("java: " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), " + System.getProperty("os.arch"));
        r.line("cpu threads: " + dev.jprune.util.Parallel.threads());
        r.line(dev.jprune.cpu.Simd.describe());
        r.line(dev.jprune.gpu.GpuDoctor.report());
        return 0;
    }
}
