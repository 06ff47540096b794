package dev.jprune.prune;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;

/** Child JVM of {@link CheckpointHeapTest}: global Taylor at 90% of args[0] with gradients args[1] into args[2]. */
public final class CheckpointPruneMain {
    private CheckpointPruneMain() {}

    public static void main(String[] args) throws Exception {
        CheckpointPruner.Result r = CheckpointPruner.builder().weights(Path.of(args[0])).grads(Path.of(args[1]))
                .spec(PruneSpec.builder().criterion(Criterion.TAYLOR).sparsity(0.9).build()).out(Path.of(args[2]))
                .build().run();
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
        }
        System.out.println("kept " + r.kept() + " of " + r.candidates() + "; heap limit "
                + Runtime.getRuntime().maxMemory() + " peak heap used " + peak);
    }
}
