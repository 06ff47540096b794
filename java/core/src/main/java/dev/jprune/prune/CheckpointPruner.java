package dev.jprune.prune;

import dev.jprune.io.AtomicFiles;
import dev.jprune.io.CheckpointFiles;
import dev.jprune.io.Layout;
import dev.jprune.io.MappedCheckpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Prunes the tensors of any safetensors checkpoint, no architecture needed, out of core: a single file or a Hugging
 * Face sharded checkpoint ({@code model.safetensors.index.json} with its shards, pruned as one checkpoint: global
 * selection across all shards, written as the same shards plus index).
 *
 * <p><b>What is pruned.</b> Every tensor whose name matches an include pattern and no exclude pattern ({@link NameGlob}
 * syntax: {@code *} matches any characters, dots included); by default the tensors named {@value #DEFAULT_INCLUDE}
 * with two or more dimensions. Each is viewed as {@code [shape[0], rest]} for N:M. Scores: the spec's
 * {@link Criterion} from the weights alone (MAGNITUDE) or with a gradients file of the same names and shapes
 * (GRADIENT |g|, TAYLOR |w·g|, TAYLOR_SQUARED (w·g)², SNIP, MOVEMENT), or precomputed scores from a file.
 * Selection is the library's one dispatch ({@link PruneTargets#select}) on the host engine: global or per-tensor
 * scope, N:M, density bounds, threshold mode, exactly k kept with ties to the lower index in checkpoint order
 * (shards by file name, then data offset). Structured (neuron) pruning needs a model and is refused.
 *
 * <p><b>Out of core.</b> Weights, gradients and scores are read through memory maps a block at a time; the selection's
 * passes score on the fly and the mask pass writes the output as it decides (a {@link MaskSink}), so the heap needed
 * does not grow with the checkpoint (a few MiB of histograms and staging buffers). F32, F16, BF16 and F64 are read
 * natively and written back in their own dtype. Reads: the weights (always checked finite: they are the output) and
 * the gradients or scores three times (two selection passes and the writing pass; more with density bounds, one more
 * check pass for threshold and N:M), the weights' bytes once more, from the page cache, to write them.
 *
 * <p><b>Output.</b> In the {@link Layout}: every tensor not pruned, and every file's "__metadata__", is kept byte for
 * byte; masks are 0/1 (F32 for masked, the weight's dtype otherwise). All files are written atomically and committed
 * together at the end ({@link AtomicFiles}): on any error — bad input found while scoring included — no output file
 * is created or changed.
 *
 * <p>Build with {@link #builder()}; {@link #run()} does the work. Not thread-safe; one run at a time.
 */
public final class CheckpointPruner {
    /** The default include pattern (with two or more dimensions). */
    public static final String DEFAULT_INCLUDE = "*.weight";

    private final Path weights, grads, scores, out, masksOut;
    private final List<String> include, exclude;
    private final PruneSpec spec;
    private final Layout layout;

    private CheckpointPruner(Builder b) {
        weights = b.weights;
        grads = b.grads;
        scores = b.scores;
        out = b.out;
        masksOut = b.masksOut;
        include = List.copyOf(b.include);
        exclude = List.copyOf(b.exclude);
        spec = b.spec;
        layout = b.layout;
    }

    /** A builder: spec {@code PruneSpec.builder().criterion(MAGNITUDE).build()}, layout masked, default patterns. */
    public static Builder builder() { return new Builder(); }

    /** One pruned tensor: name, dtype and shape as in the header ("F32[300, 784]"), elements, kept elements. */
    public record TensorResult(String name, String describe, long size, long kept) {}

    /**
     * What a run did.
     *
     * @param layout  how the masks were stored
     * @param tensors the pruned tensors, in checkpoint order
     * @param written the files written (checkpoint files or shards, masks file, index), in commit order reversed
     * @param bytes   bytes written over all files
     */
    public record Result(Layout layout, List<TensorResult> tensors, List<Path> written, long bytes) {
        /** Elements selected among. */
        public long candidates() { return tensors.stream().mapToLong(TensorResult::size).sum(); }

        /** Elements kept. */
        public long kept() { return tensors.stream().mapToLong(TensorResult::kept).sum(); }

        /** Fraction of the candidates pruned. */
        public double sparsity() { return candidates() == 0 ? 0 : 1 - kept() / (double) candidates(); }
    }

    /**
     * Prunes and writes the output (see the class documentation).
     *
     * @throws IllegalArgumentException for bad input, naming the file and tensor: a pattern matching nothing, a
     *     selected tensor that is not floating point, gradients or scores whose names or shapes differ, an already
     *     pruned input, infeasible density bounds, a non-finite score, weight or gradient the selection reads
     * @throws java.io.IOException ({@link dev.jprune.io.SafeTensorsException} for malformed inputs: a missing or
     *     truncated shard, a bad index) when reading or writing fails
     */
    public Result run() throws IOException {
        CheckpointFiles wf = CheckpointFiles.open(weights);
        CheckpointFiles gf = grads == null ? null : CheckpointFiles.open(grads);
        CheckpointFiles sf = scores == null ? null : CheckpointFiles.open(scores);
        List<CheckpointFiles.Tensor> targets = CheckpointCandidates.select(wf, include, exclude);
        CheckpointFiles.Tensor[] gt = gf == null ? null : CheckpointCandidates.match(wf, targets, gf, "gradients");
        CheckpointFiles.Tensor[] st = sf == null ? null : CheckpointCandidates.match(wf, targets, sf, "scores");
        List<PruneTargets.Target> views = new ArrayList<>();
        for (CheckpointFiles.Tensor t : targets) views.add(PruneTargets.Target.of(t.name(), t.shape()));
        PruneTargets dispatch = new PruneTargets(spec, views);
        if (!spec.thresholdMode()) dispatch.checkTarget(spec.sparsity());
        if (wf.sharded() && !out.getFileName().toString().endsWith(".json")) {
            throw new IllegalArgumentException(out + ": " + weights + " is a sharded checkpoint; the output is its"
                    + " index too (a .json file, e.g. pruned/model.safetensors.index.json) with the shards beside it");
        }
        try (MappedCheckpoint wm = MappedCheckpoint.open(wf);
             MappedCheckpoint gm = gf == null ? null : MappedCheckpoint.open(gf);
             MappedCheckpoint sm = sf == null ? null : MappedCheckpoint.open(sf)) {
            CheckpointFiles.Tensor[] wt = targets.toArray(CheckpointFiles.Tensor[]::new);
            ScoreSource src = sm != null ? MappedScores.precomputed(sm, st, wm, wt)
                    : MappedScores.criterion(spec.criterion(), wm, wt, gm, gt);
            CheckpointOutput output = CheckpointOutput.plan(wm, targets, layout, out, masksOut);
            refuseOverwritingInputs(output, wf, gf, sf);
            long[][] kept = new long[1][];
            List<Path> paths = new ArrayList<>();
            List<FileBody> bodies = new ArrayList<>();
            if (wf.sharded()) {
                byte[] index = wf.indexJson(output.weightMap(), output.checkpointDataBytes())
                        .getBytes(StandardCharsets.UTF_8);
                paths.add(out);
                bodies.add(ch -> writeFully(ch, index));
            }
            long bytes = 0;
            List<CheckpointOutput.FileOut> files = output.files();
            for (int f = files.size() - 1; f >= 0; f--) {
                int ff = f;
                paths.add(files.get(f).path());
                bodies.add(ch -> output.writeFixed(ff, ch));
                bytes += files.get(f).plan().fileSize();
            }
            List<Path> created = new ArrayList<>(); // deepest first
            try {
                if (wf.sharded()) createFolders(out.toAbsolutePath().getParent(), created);
                writeNested(paths, bodies, 0, () -> kept[0] = dispatch.select(new HostSelectionEngine(src, output),
                        spec.sparsity()).keptPerTarget());
            } catch (IOException | RuntimeException | Error e) {
                removeEmpty(created, e);
                throw e;
            }
            List<TensorResult> results = new ArrayList<>();
            for (int t = 0; t < targets.size(); t++) {
                CheckpointFiles.Tensor tt = targets.get(t);
                results.add(new TensorResult(tt.name(), tt.describe(), tt.elementCount(), kept[0][t]));
            }
            if (wf.sharded()) bytes += Files.size(out);
            return new Result(layout, results, List.copyOf(paths), bytes);
        }
    }

    /**
     * An output may replace the checkpoint's own files (pruning in place: the new files hold the weights) but never
     * the gradients or scores, and the masks file never replaces a checkpoint file.
     */
    private void refuseOverwritingInputs(CheckpointOutput output, CheckpointFiles wf, CheckpointFiles gf,
            CheckpointFiles sf) {
        List<Path> outputs = new ArrayList<>();
        for (CheckpointOutput.FileOut f : output.files()) outputs.add(f.path());
        if (wf.sharded()) outputs.add(out);
        for (Path o : outputs) {
            boolean masks = o.equals(masksOut);
            refuse(o, masks ? "the masks file" : "the output", wf, masks ? "the checkpoint" : null);
            refuse(o, masks ? "the masks file" : "the output", gf, "the gradients");
            refuse(o, masks ? "the masks file" : "the output", sf, "the scores");
        }
    }

    private static void refuse(Path output, String what, CheckpointFiles input, String inputName) {
        if (input == null || inputName == null) return;
        List<Path> files = new ArrayList<>(input.files());
        if (input.sharded()) files.add(input.path());
        for (Path in : files) {
            if (AtomicFiles.sameFile(output, in)) {
                throw new IllegalArgumentException(what + " " + output + " is the same file as " + inputName + " "
                        + in + ": writing it would replace an input; choose another file");
            }
        }
    }

    @FunctionalInterface
    private interface FileBody { void write(FileChannel ch) throws IOException; }

    @FunctionalInterface
    private interface Pass { void run() throws IOException; }

    /**
     * Writes {@code paths[i..]} each inside the previous one's atomic write, the pass innermost: every file is complete
     * before any is renamed into place, and an exception anywhere removes every temporary file.
     */
    private static void writeNested(List<Path> paths, List<FileBody> bodies, int i, Pass pass) throws IOException {
        if (i == paths.size()) {
            pass.run();
            return;
        }
        AtomicFiles.write(paths.get(i), ch -> {
            bodies.get(i).write(ch);
            writeNested(paths, bodies, i + 1, pass);
        });
    }

    private static void writeFully(FileChannel ch, byte[] data) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(data);
        while (b.hasRemaining()) ch.write(b);
    }

    /**
     * Creates {@code folder} and its missing parents, adding each one created to {@code created} as it is made
     * (deepest first once done), so that a failure part-way still knows what to remove.
     */
    private static void createFolders(Path folder, List<Path> created) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path p = folder; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.add(p);
        }
        for (int i = missing.size() - 1; i >= 0; i--) {
            Files.createDirectory(missing.get(i));
            created.add(0, missing.get(i));
        }
    }

    /** Removes the folders this run created (deepest first) while they are empty; a failure is added to {@code e}. */
    private static void removeEmpty(List<Path> created, Throwable e) {
        for (Path folder : created) {
            try (var s = Files.list(folder)) {
                if (s.findAny().isPresent()) return; // something else put a file there: keep it and its parents
                Files.delete(folder);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
                return;
            }
        }
    }

    /**
     * Builds a {@link CheckpointPruner}. Required: {@link #weights} and {@link #out}. {@link #build} refuses
     * contradictions (IllegalArgumentException naming them) before any file is opened.
     */
    public static final class Builder {
        private Path weights, grads, scores, out, masksOut;
        private final List<String> include = new ArrayList<>(), exclude = new ArrayList<>();
        private PruneSpec spec = PruneSpec.builder().criterion(Criterion.MAGNITUDE).build();
        private Layout layout = Layout.MASKED;

        private Builder() {}

        /** The checkpoint: a .safetensors file or a sharded checkpoint's .json index. */
        public Builder weights(Path file) { this.weights = file; return this; }
        /** Gradients (same names and shapes; .safetensors or index) for criteria that read them. */
        public Builder grads(Path file) { this.grads = file; return this; }
        /** Precomputed importance scores (same names and shapes), used instead of the spec's criterion. */
        public Builder scores(Path file) { this.scores = file; return this; }
        /** Prune tensors whose names match {@code pattern} (replaces the default, see {@link #DEFAULT_INCLUDE}). */
        public Builder include(String pattern) { include.add(Objects.requireNonNull(pattern)); return this; }
        /** Never prune tensors whose names match {@code pattern}. */
        public Builder exclude(String pattern) { exclude.add(Objects.requireNonNull(pattern)); return this; }
        /** Criterion, granularity (unstructured or N:M), scope, sparsity, density bounds, threshold. */
        public Builder spec(PruneSpec s) { this.spec = Objects.requireNonNull(s); return this; }
        /** How masks are stored (default {@link Layout#MASKED}). */
        public Builder layout(Layout l) { this.layout = Objects.requireNonNull(l); return this; }
        /** The output file, or for a sharded checkpoint the output index (its shards are written beside it). */
        public Builder out(Path file) { this.out = file; return this; }
        /** {@link Layout#PLAIN} only: the file the masks go to (without it the plain layout writes no masks). */
        public Builder masksOut(Path file) { this.masksOut = file; return this; }

        /**
         * The pruner.
         *
         * @throws IllegalArgumentException when weights or out is missing, both gradients and scores are given, the
         *     criterion needs gradients that are not given (or gradients are given that it does not read), the spec is
         *     structured or excludes layers by index, or masksOut is given for a layout other than plain
         */
        public CheckpointPruner build() {
            if (weights == null) {
                throw new IllegalArgumentException("CheckpointPruner: weights (the checkpoint to prune) are required");
            }
            if (out == null) {
                throw new IllegalArgumentException("CheckpointPruner: out (the file to write) is required");
            }
            if (grads != null && scores != null) {
                throw new IllegalArgumentException("gradients and scores contradict each other: scores are the"
                        + " importance itself, gradients make it with the criterion; give one");
            }
            String c = spec.criterion().name().toLowerCase(java.util.Locale.ROOT);
            boolean readsGradients = spec.criterion().readsGradient();
            if (scores == null && readsGradients && grads == null) {
                throw new IllegalArgumentException("criterion " + c + " reads gradients: give a gradients file with the"
                        + " checkpoint's names and shapes, or use magnitude");
            }
            if (grads != null && !readsGradients) {
                throw new IllegalArgumentException("criterion " + c + " reads no gradients, yet a gradients file is"
                        + " given: use gradient, taylor or taylor2 with it");
            }
            if (spec.granularity() == Granularity.STRUCTURED) {
                throw new IllegalArgumentException("structured (neuron) pruning needs a model: which rows feed which"
                        + " layer, the biases to remove with them and the output layer to keep; prune weights or N:M,"
                        + " or give a model");
            }
            if (!spec.excludedLayers().isEmpty() || spec.excludeLast()) {
                throw new IllegalArgumentException("excluded layers are Sequential indices of a model; a checkpoint is"
                        + " pruned by tensor name: leave tensors out with exclude patterns");
            }
            if (masksOut != null && layout != Layout.PLAIN) {
                throw new IllegalArgumentException("a masks file is for the plain layout (the " + layout.cliName()
                        + " layout keeps each mask beside its tensor)");
            }
            return new CheckpointPruner(this);
        }
    }
}
