package dev.jprune.gpu.train;

import dev.jprune.data.Dataset;
import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;

/** A classification data set resident in device memory: images FLOAT [n, sampleSize], labels INT [n]. */
public final class DeviceDataset implements AutoCloseable {
    public final Dataset host;
    final DeviceBuffer images, labels;
    public final int n, sampleSize;

    /** Uploads {@code d} (reads it; the host copy stays as it is). */
    public DeviceDataset(GpuContext ctx, Dataset d) {
        this.host = d;
        this.n = d.size();
        this.sampleSize = d.sampleSize();
        DeviceBuffer im = ctx.upload(d.images());
        try {
            this.labels = ctx.upload(d.labels());
        } catch (RuntimeException e) {
            im.close();
            throw e;
        }
        this.images = im;
    }

    @Override
    public void close() {
        images.close();
        labels.close();
    }
}
