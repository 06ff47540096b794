/**
 * jprune's entry point: {@link dev.jprune.Pruning} runs the common job — train a model, prune it by a criterion on a
 * schedule with masked fine-tuning, evaluate — and returns a {@link dev.jprune.PruningReport};
 * {@link dev.jprune.Backends} chooses where training runs ({@code auto()}: the GPU when usable, else the CPU, with the
 * reason).
 *
 * <p><b>API packages</b> (documented, kept compatible within a minor version): {@code dev.jprune}, {@code .tensor},
 * {@code .util}, {@code .nn}, {@code .nn.loss}, {@code .optim}, {@code .data}, {@code .models}, {@code .train},
 * {@code .prune}, {@code .sparse}, {@code .io}. Internal: {@code .cpu} (kernels), {@code .gpu}, {@code .gpu.train},
 * {@code .gpu.prune} (reach the GPU through {@link dev.jprune.Backends} and the {@code train}/{@code prune}
 * interfaces).
 *
 * <p>The library never prints, never exits the JVM and keeps no static device state; native memory is owned by
 * {@link java.lang.AutoCloseable} objects (close a {@link dev.jprune.train.Backend} when done).
 */
package dev.jprune;
