package dev.jprune.gpu.train;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Activation and gradient buffers of one training step, returned to the context's pool together when the step
 * ends. With the pool caching by size, a step allocates no device memory after the first one.
 */
final class Scratch implements AutoCloseable {
    private final GpuContext ctx;
    private final List<DeviceBuffer> held = new ArrayList<>();

    Scratch(GpuContext ctx) { this.ctx = ctx; }

    DeviceBuffer floats(long n) {
        DeviceBuffer b = ctx.allocFloat(Math.max(1, n));
        held.add(b);
        return b;
    }

    DeviceBuffer bytes(long n) {
        DeviceBuffer b = ctx.allocBytes(Math.max(1, n));
        held.add(b);
        return b;
    }

    DeviceBuffer ints(long n) {
        DeviceBuffer b = ctx.allocInt(Math.max(1, n));
        held.add(b);
        return b;
    }

    @Override
    public void close() {
        for (int i = held.size() - 1; i >= 0; i--) held.get(i).close();
        held.clear();
    }
}
