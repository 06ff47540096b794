/**
 * Data sets in memory and how they are read: {@link dev.jprune.data.Dataset} (NCHW float images + int labels),
 * {@link dev.jprune.data.IdxReader} (MNIST-family IDX, plain or gzip), {@link dev.jprune.data.Cifar10Reader}
 * (CIFAR-10 binary), {@link dev.jprune.data.EmbeddedMnist} (10k digits on the classpath),
 * {@link dev.jprune.data.FashionMnist}, {@link dev.jprune.data.Datasets#load(String)} (by spec),
 * {@link dev.jprune.data.Normalization} (per-channel, fitted on train, in place) and
 * {@link dev.jprune.data.Batcher} (seeded, deterministic mini-batches). Readers are strict: any mismatch between
 * what a header promises and what a file holds is an {@link java.io.IOException} naming the file.
 */
package dev.jprune.data;
