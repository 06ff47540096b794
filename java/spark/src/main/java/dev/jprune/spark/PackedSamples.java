package dev.jprune.spark;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;

/**
 * A data set packed for the jobs: each RDD partition's samples checked against the model and held as one flat
 * {@link Shard} in executor memory (persisted), with the partition sizes known on the driver. Close it to unpersist.
 */
public final class PackedSamples implements AutoCloseable {
    final JavaRDD<Shard> shards;
    final int[] sizes;
    final long total;

    private PackedSamples(JavaRDD<Shard> shards, int[] sizes) {
        this.shards = shards;
        this.sizes = sizes;
        long t = 0;
        for (int n : sizes) t += n;
        this.total = t;
    }

    /**
     * Packs and persists {@code samples}, checking every sample's length and label (one job).
     *
     * @throws PartitionException naming the partition and sample of the first bad one
     */
    static PackedSamples pack(JavaRDD<Sample> samples, int[] sampleShape, int numClasses) {
        int[] shape = sampleShape.clone();
        JavaRDD<Shard> shards = samples.mapPartitionsWithIndex(
                (p, it) -> List.of(Shard.pack(p, it, shape, numClasses)).iterator(), true)
                .persist(StorageLevel.MEMORY_ONLY());
        int[] sizes = new int[samples.getNumPartitions()];
        boolean packed = false;
        try {
            List<int[]> counts = Jobs.run("packing the samples",
                    () -> shards.map(s -> new int[] {s.partition, s.size()}).collect());
            for (int[] ps : counts) sizes[ps[0]] = ps[1];
            packed = true;
        } finally {
            if (!packed) shards.unpersist(false);  // whatever failed (Spark's own exceptions are checked ones)
        }
        return new PackedSamples(shards, sizes);
    }

    /** Number of RDD partitions (empty ones included). */
    public int partitions() { return sizes.length; }

    /** Number of partitions that hold samples (the replicas that train). */
    public int nonEmptyPartitions() {
        int n = 0;
        for (int s : sizes) if (s > 0) n++;
        return n;
    }

    /** Samples in partition {@code p}. */
    public int size(int p) { return sizes[p]; }

    /** Samples over all partitions. */
    public long total() { return total; }

    @Override
    public void close() { shards.unpersist(false); }
}
