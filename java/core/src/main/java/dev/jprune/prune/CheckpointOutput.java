package dev.jprune.prune;

import dev.jprune.io.CheckpointFiles;
import dev.jprune.io.DType;
import dev.jprune.io.Layout;
import dev.jprune.io.MappedCheckpoint;
import dev.jprune.io.SafeTensorsPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The files a pruned checkpoint is written to, planned before anything is written, and the {@link MaskSink} that
 * writes the pruned tensors as the selection's decisions arrive.
 *
 * <p>Each input file has an output file with the same tensors in the same order, the candidates stored as the
 * {@link Layout} says (masked: NAME with zeros where pruned + NAME_mask F32; torch-prune: NAME_orig, the input's bytes,
 * + NAME_mask in NAME's dtype; plain: NAME with zeros, its NAME_mask in NAME's dtype in a separate masks file), every
 * other tensor and the metadata unchanged. The headers, non-candidates and NAME_orig are written first
 * ({@link #writeFixed}); the pass then writes values and masks at their offsets with positional writes, each task
 * through its own staging buffers (several threads write one file at once, at disjoint places).
 */
final class CheckpointOutput implements MaskSink {
    /** Staging per task and stream: 256 KiB. */
    static final int STAGE_BYTES = 1 << 18;

    /** One output file: where, its plan, and the input tensors copied into it unchanged (plan name → tensor). */
    record FileOut(Path path, SafeTensorsPlan plan, Map<String, CheckpointFiles.Tensor> copies) {}

    private final MappedCheckpoint input;
    private final List<FileOut> files;
    private final CheckpointFiles.Tensor[] in;        // per target
    private final int[] valueFile, maskFile;          // output file index per target, -1 when the pass writes none
    private final long[] valuePos, maskPos;           // absolute offsets in those files
    private final DType[] maskType;
    private final FileChannel[] channels;
    private final Map<String, String> weightMap = new LinkedHashMap<>();
    private final ConcurrentLinkedQueue<ByteBuffer[]> stages = new ConcurrentLinkedQueue<>();

    private CheckpointOutput(MappedCheckpoint input, List<FileOut> files, CheckpointFiles.Tensor[] in) {
        this.input = input;
        this.files = files;
        this.in = in;
        int nt = in.length;
        valueFile = new int[nt];
        maskFile = new int[nt];
        valuePos = new long[nt];
        maskPos = new long[nt];
        maskType = new DType[nt];
        channels = new FileChannel[files.size()];
    }

    /**
     * Plans the output of pruning {@code targets} (tensors of {@code weights}, in target order) in {@code layout}:
     * {@code out} is the output file, or for a sharded checkpoint the output index (the shards go beside it, under
     * their input names); {@code masksOut} is the masks file of the plain layout (null: masks not written).
     *
     * @throws IllegalArgumentException when an output name collides with an input tensor (an already pruned
     *     checkpoint), two outputs are one file, or a header cannot be written
     */
    static CheckpointOutput plan(MappedCheckpoint input, List<CheckpointFiles.Tensor> targets, Layout layout,
            Path out, Path masksOut) {
        CheckpointFiles weights = input.files();
        Map<String, Integer> target = new HashMap<>();
        for (int t = 0; t < targets.size(); t++) target.put(targets.get(t).name(), t);
        int nf = weights.files().size();
        List<List<SafeTensorsPlan.Spec>> specs = new ArrayList<>();
        List<Map<String, CheckpointFiles.Tensor>> copies = new ArrayList<>();
        for (int f = 0; f < nf; f++) {
            specs.add(new ArrayList<>());
            copies.add(new LinkedHashMap<>());
        }
        List<SafeTensorsPlan.Spec> maskSpecs = new ArrayList<>();
        Map<String, String> producedBy = new HashMap<>(); // output name -> what it holds, for collision messages
        for (CheckpointFiles.Tensor t : weights.tensors().values()) {
            List<SafeTensorsPlan.Spec> s = specs.get(t.file());
            String name = t.name();
            if (!target.containsKey(name)) {
                add(s, producedBy, weights, name, t.dtype(), t.shape(), "the input's tensor");
                copies.get(t.file()).put(name, t);
                continue;
            }
            String mask = name + "_mask";
            switch (layout) {
                case MASKED -> {
                    add(s, producedBy, weights, name, t.dtype(), t.shape(), "the pruned values of '" + name + "'");
                    add(s, producedBy, weights, mask, DType.F32, t.shape(), "the mask of '" + name + "'");
                }
                case TORCH_PRUNE -> {
                    add(s, producedBy, weights, name + "_orig", t.dtype(), t.shape(), "the values of '" + name + "'");
                    add(s, producedBy, weights, mask, t.dtype(), t.shape(), "the mask of '" + name + "'");
                    copies.get(t.file()).put(name + "_orig", t);
                }
                case PLAIN -> {
                    add(s, producedBy, weights, name, t.dtype(), t.shape(), "the pruned values of '" + name + "'");
                    if (masksOut != null) {
                        add(maskSpecs, producedBy, weights, mask, t.dtype(), t.shape(), "the mask of '" + name + "'");
                    }
                }
                default -> throw new AssertionError(layout);
            }
        }
        List<Path> paths = outputPaths(weights, out);
        List<FileOut> files = new ArrayList<>();
        for (int f = 0; f < nf; f++) {
            files.add(new FileOut(paths.get(f), plan(paths.get(f), specs.get(f), weights.metadata(f)), copies.get(f)));
        }
        if (masksOut != null) files.add(new FileOut(masksOut, plan(masksOut, maskSpecs, Map.of()), Map.of()));
        List<Path> all = new ArrayList<>(paths);
        if (masksOut != null) all.add(masksOut);
        if (weights.sharded()) all.add(out);
        for (int i = 0; i < all.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (all.get(i).toAbsolutePath().normalize().equals(all.get(j).toAbsolutePath().normalize())) {
                    throw new IllegalArgumentException("two outputs would be the same file " + all.get(i)
                            + " (the masks file must differ from the checkpoint's files)");
                }
            }
        }
        CheckpointOutput o = new CheckpointOutput(input, files, targets.toArray(CheckpointFiles.Tensor[]::new));
        for (int t = 0; t < targets.size(); t++) {
            CheckpointFiles.Tensor tt = targets.get(t);
            String name = tt.name();
            SafeTensorsPlan p = files.get(tt.file()).plan();
            o.valueFile[t] = layout == Layout.TORCH_PRUNE ? -1 : tt.file();
            o.valuePos[t] = layout == Layout.TORCH_PRUNE ? -1 : p.get(name).fileOffset();
            boolean separate = layout == Layout.PLAIN;
            o.maskFile[t] = separate ? (masksOut == null ? -1 : nf) : tt.file();
            SafeTensorsPlan mp = separate ? (masksOut == null ? null : files.get(nf).plan()) : p;
            o.maskPos[t] = mp == null ? -1 : mp.get(name + "_mask").fileOffset();
            o.maskType[t] = mp == null ? null : mp.get(name + "_mask").dtype();
        }
        for (int f = 0; f < nf; f++) {
            String shard = paths.get(f).getFileName().toString();
            for (String n : files.get(f).plan().tensors().keySet()) o.weightMap.put(n, shard);
        }
        return o;
    }

    private static void add(List<SafeTensorsPlan.Spec> specs, Map<String, String> producedBy, CheckpointFiles weights,
            String name, DType dtype, int[] shape, String what) {
        String earlier = producedBy.putIfAbsent(name, what);
        if (earlier != null) {
            String base = name.replaceAll("_(mask|orig)$", "");
            throw new IllegalArgumentException("the output would hold two tensors named '" + name + "': " + earlier
                    + " and " + what + " (is " + weights.path() + " already pruned? prune the unpruned checkpoint, or"
                    + " leave '" + base + "' out with an exclude pattern)");
        }
        specs.add(new SafeTensorsPlan.Spec(name, dtype, shape));
    }

    private static SafeTensorsPlan plan(Path file, List<SafeTensorsPlan.Spec> specs, Map<String, String> metadata) {
        try {
            return SafeTensorsPlan.of(specs, metadata);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> outputPaths(CheckpointFiles weights, Path out) {
        if (!weights.sharded()) return List.of(out);
        Path dir = out.toAbsolutePath().getParent();
        List<Path> p = new ArrayList<>();
        for (Path shard : weights.files()) p.add(dir.resolve(shard.getFileName().toString()));
        return p;
    }

    /** The output files: one per input file, in input order, then the masks file if any. */
    List<FileOut> files() { return files; }

    /** Every output tensor → the file name it is in (for a sharded checkpoint's index). */
    Map<String, String> weightMap() { return weightMap; }

    /** Bytes of tensor data over the checkpoint files (not the masks file): an index's total_size. */
    long checkpointDataBytes() {
        long n = 0;
        for (int f = 0; f < input.files().files().size(); f++) {
            SafeTensorsPlan p = files.get(f).plan();
            n += p.fileSize() - p.dataStart();
        }
        return n;
    }

    /**
     * Writes file {@code f}'s header and every tensor it copies unchanged to {@code ch}, and makes {@code ch} the
     * channel the pass writes file {@code f}'s other tensors to.
     */
    void writeFixed(int f, FileChannel ch) throws IOException {
        channels[f] = ch;
        FileOut fo = files.get(f);
        ByteBuffer head = ByteBuffer.wrap(fo.plan().prefix());
        long pos = 0;
        while (head.hasRemaining()) pos += ch.write(head, pos);
        for (Map.Entry<String, CheckpointFiles.Tensor> c : fo.copies().entrySet()) {
            input.copyTo(c.getValue(), ch, fo.plan().get(c.getKey()).fileOffset());
        }
        // The file's full length now, whatever the pass writes: the last byte (rewritten by the pass if it is its).
        if (ch.size() < fo.plan().fileSize()) writeAt(ch, ByteBuffer.wrap(new byte[1]), fo.plan().fileSize() - 1);
    }

    @Override
    public Writer open() {
        ByteBuffer[] s = stages.poll();
        if (s == null) {
            s = new ByteBuffer[] {ByteBuffer.allocateDirect(STAGE_BYTES).order(ByteOrder.LITTLE_ENDIAN),
                    ByteBuffer.allocateDirect(STAGE_BYTES).order(ByteOrder.LITTLE_ENDIAN)};
        }
        return new TaskWriter(s);
    }

    /** Elements converted per step: the decisions become values and masks in primitive arrays, copied in bulk. */
    private static final int STEP = 2048;

    /**
     * Stages a task's contiguous decisions and writes them as runs: the values and the mask of one target each. Pruned
     * values become +0 and masks 0/1 in the element's width (short, int or long), then go to the staging buffers in
     * bulk: no per-element buffer call.
     */
    private final class TaskWriter implements Writer {
        private final ByteBuffer[] stage;
        private final ByteBuffer values, masks;
        private final ShortBuffer values2, masks2;
        private final IntBuffer values4, masks4;
        private final LongBuffer values8, masks8;
        private final short[] s2 = new short[STEP];
        private final int[] s4 = new int[STEP];
        private final long[] s8 = new long[STEP];
        private int target = -1;
        private long runFrom;
        private int runLength;

        TaskWriter(ByteBuffer[] stage) {
            this.stage = stage;
            this.values = stage[0].clear();
            this.masks = stage[1].clear();
            values2 = values.asShortBuffer();
            masks2 = masks.asShortBuffer();
            values4 = values.asIntBuffer();
            masks4 = masks.asIntBuffer();
            values8 = values.asLongBuffer();
            masks8 = masks.asLongBuffer();
        }

        @Override
        public void write(int t, int from, byte[] keep, int n) {
            int es = in[t].dtype().size();
            int cap = STAGE_BYTES / Math.max(es, maskType[t] == null ? 1 : maskType[t].size());
            for (int done = 0; done < n; ) {
                int k = Math.min(Math.min(n - done, STEP), cap);
                if (t != target || from + done != runFrom + runLength || runLength + k > cap) {
                    flush();
                    target = t;
                    runFrom = from + done;
                }
                if (valueFile[t] >= 0) stageValues(t, from + done, keep, done, k, es);
                if (maskFile[t] >= 0) stageMask(maskType[t], keep, done, k);
                runLength += k;
                done += k;
            }
        }

        /** The input's values of [from, from + k) with pruned ones set to +0 (all bits clear), at the run's end. */
        private void stageValues(int t, long from, byte[] keep, int off, int k, int es) {
            CheckpointFiles.Tensor tt = in[t];
            switch (es) {
                case 2 -> {
                    input.readRaw(tt, from, k, s2, 0);
                    for (int j = 0; j < k; j++) s2[j] &= (short) -keep[off + j]; // keep is 0 or 1: mask 0 or all ones
                    values2.put(runLength, s2, 0, k);
                }
                case 4 -> {
                    input.readRaw(tt, from, k, s4, 0);
                    for (int j = 0; j < k; j++) s4[j] &= -keep[off + j];
                    values4.put(runLength, s4, 0, k);
                }
                case 8 -> {
                    input.readRaw(tt, from, k, s8, 0);
                    for (int j = 0; j < k; j++) s8[j] &= -(long) keep[off + j];
                    values8.put(runLength, s8, 0, k);
                }
                default -> throw new AssertionError(es);
            }
        }

        /** Mask entries 1.0 / +0.0 in the mask's dtype for keep[off, off + k), at the run's end. */
        private void stageMask(DType mt, byte[] keep, int off, int k) {
            switch (mt) {
                case F16, BF16 -> {
                    short one = mt == DType.F16 ? (short) 0x3c00 : (short) 0x3f80;
                    for (int j = 0; j < k; j++) s2[j] = (short) (one * keep[off + j]);
                    masks2.put(runLength, s2, 0, k);
                }
                case F32 -> {
                    for (int j = 0; j < k; j++) s4[j] = 0x3f800000 * keep[off + j];
                    masks4.put(runLength, s4, 0, k);
                }
                case F64 -> {
                    for (int j = 0; j < k; j++) s8[j] = 0x3ff0000000000000L * keep[off + j];
                    masks8.put(runLength, s8, 0, k);
                }
                default -> throw new AssertionError(mt);
            }
        }

        private void flush() {
            if (runLength == 0) return;
            int t = target;
            try {
                if (valueFile[t] >= 0) {
                    values.limit(runLength * in[t].dtype().size()).position(0);
                    writeAt(channels[valueFile[t]], values, valuePos[t] + runFrom * in[t].dtype().size());
                }
                if (maskFile[t] >= 0) {
                    masks.limit(runLength * maskType[t].size()).position(0);
                    writeAt(channels[maskFile[t]], masks, maskPos[t] + runFrom * maskType[t].size());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("writing the pruned '" + in[t].name() + "': " + e.getMessage(), e);
            } finally {
                values.clear();
                masks.clear();
                runLength = 0;
            }
        }

        @Override
        public void close() {
            try {
                flush();
            } finally {
                stages.add(stage);
            }
        }
    }

    private static void writeAt(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) pos += ch.write(b, pos);
    }

}
