package dev.jprune.testutil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts a JVM on this test run's class path (for tests of what happens across processes: crashes, kills, natives). */
public final class ChildJvm {
    private ChildJvm() {}

    /** A started child: its process, and its output (stdout and stderr together) once it has ended. */
    public record Result(int exitCode, String output) {}

    /** Builds the command: this JVM's java, the test class path, {@code jvmArgs}, then the main class and its args. */
    public static ProcessBuilder builder(List<String> jvmArgs, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(jvmArgs);
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true);
    }

    /** Waits up to {@code seconds} for {@code p} (killed after that) and returns its exit code and output. */
    public static Result await(Process p, long seconds) throws IOException, InterruptedException {
        byte[][] out = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = ("(output unreadable: " + e + ")").getBytes(StandardCharsets.UTF_8);
            }
        });
        reader.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
        }
        reader.join();
        return new Result(p.exitValue(), new String(out[0], StandardCharsets.UTF_8));
    }

    /** Runs one child to its end. */
    public static Result run(List<String> jvmArgs, Map<String, String> env, long seconds, String mainClass,
            String... args)
            throws IOException, InterruptedException {
        ProcessBuilder b = builder(jvmArgs, mainClass, args);
        b.environment().putAll(env);
        return await(b.start(), seconds);
    }
}
