package dev.jprune.io;

import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Child-JVM entry for {@link KillDuringWriteTest}: saves checkpoint versions FROM, FROM+1, ... to FILE forever (every
 * value of version v is v; metadata "version" = v), printing "saved v" after each save returns.
 */
public final class CheckpointWriterMain {
    private CheckpointWriterMain() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        Sequential net = new Sequential(new TinyDense(1024, 1024)); // 4 MiB of weights: a write takes a while
        System.out.println("started");
        System.out.flush();
        for (long v = Long.parseLong(args[1]); ; v++) {
            for (Parameter p : net.parameters()) Arrays.fill(p.value.data, v);
            Checkpoint.save(file, net, Map.of(), Map.of("version", Long.toString(v)));
            System.out.println("saved " + v);
            System.out.flush();
        }
    }
}
