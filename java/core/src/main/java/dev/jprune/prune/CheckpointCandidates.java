package dev.jprune.prune;

import dev.jprune.io.CheckpointFiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which tensors of a checkpoint a {@link CheckpointPruner} prunes, and the matching tensors of its gradients or scores
 * file. Every check here runs before any file is written, and each fault is one IllegalArgumentException naming the
 * file, the tensor or the pattern, and what was expected.
 */
final class CheckpointCandidates {
    private CheckpointCandidates() {}

    /**
     * The tensors of {@code w} (in checkpoint order) matching any of {@code include} (default: names matching
     * {@link CheckpointPruner#DEFAULT_INCLUDE} with two or more dimensions) and none of {@code exclude}. Refuses a
     * pattern that matches no tensor, a selected tensor that is not floating point or has more than 2^31 − 1
     * elements, and an empty selection.
     */
    static List<CheckpointFiles.Tensor> select(CheckpointFiles w, List<String> include, List<String> exclude) {
        boolean defaults = include.isEmpty();
        List<NameGlob> inc = new ArrayList<>(), exc = new ArrayList<>();
        for (String g : defaults ? List.of(CheckpointPruner.DEFAULT_INCLUDE) : include) inc.add(new NameGlob(g));
        for (String g : exclude) exc.add(new NameGlob(g));
        boolean[] incUsed = new boolean[inc.size()], excUsed = new boolean[exc.size()];
        List<CheckpointFiles.Tensor> out = new ArrayList<>();
        for (CheckpointFiles.Tensor t : w.tensors().values()) {
            NameGlob by = null;
            for (int i = 0; i < inc.size(); i++) {
                if (inc.get(i).matches(t.name())) {
                    incUsed[i] = true;
                    if (by == null) by = inc.get(i);
                }
            }
            boolean excluded = false;
            for (int i = 0; i < exc.size(); i++) {
                if (exc.get(i).matches(t.name())) {
                    excUsed[i] = true;
                    excluded = true;
                }
            }
            if (by == null || excluded || (defaults && t.shape().length < 2)) continue;
            if (!t.dtype().isFloatingPoint()) {
                String which = defaults ? "the default pattern" : "the include pattern";
                throw new IllegalArgumentException(w.path() + ": tensor '" + t.name() + "' (" + t.describe()
                        + ") matches " + which + " '" + by + "' but is not floating point: only F32, F16, BF16 and"
                        + " F64 tensors are pruned; leave it out with an exclude pattern");
            }
            if (t.elementCount() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(w.path() + ": tensor '" + t.name() + "' has " + t.elementCount()
                        + " elements; one tensor to prune may hold at most " + Integer.MAX_VALUE);
            }
            out.add(t);
        }
        for (int i = 0; i < inc.size(); i++) {
            if (!defaults && !incUsed[i]) throw unmatched("include", inc.get(i), w);
        }
        for (int i = 0; i < exc.size(); i++) {
            if (!excUsed[i]) throw unmatched("exclude", exc.get(i), w);
        }
        if (out.isEmpty()) {
            String what = defaults ? "tensor named " + CheckpointPruner.DEFAULT_INCLUDE + " with 2 or more dimensions"
                    : "tensor matches the include patterns";
            throw new IllegalArgumentException(w.path() + ": nothing to prune: no " + what
                    + (exc.isEmpty() ? "" : " outside the exclude patterns") + " (" + examples(w)
                    + "); choose tensors with include patterns");
        }
        return out;
    }

    private static IllegalArgumentException unmatched(String kind, NameGlob g, CheckpointFiles w) {
        return new IllegalArgumentException(kind + " pattern '" + g + "' matches no tensor of " + w.path() + " ("
                + examples(w) + "; '*' matches any characters, dots included)");
    }

    /** "N tensors, e.g. a, b, c". */
    private static String examples(CheckpointFiles w) {
        List<String> names = new ArrayList<>(w.tensors().keySet());
        String some = String.join(", ", names.subList(0, Math.min(4, names.size())));
        return names.size() + " tensors" + (names.isEmpty() ? "" : ", e.g. " + some);
    }

    /**
     * The tensors of {@code other} (gradients or scores, described by {@code role}) for the targets of {@code w},
     * in target order. Every name of {@code other} must be a tensor of {@code w} with the same shape, and every
     * target must be in {@code other} as a floating-point tensor.
     */
    static CheckpointFiles.Tensor[] match(CheckpointFiles w, List<CheckpointFiles.Tensor> targets,
            CheckpointFiles other, String role) {
        for (CheckpointFiles.Tensor o : other.tensors().values()) {
            CheckpointFiles.Tensor t = w.get(o.name());
            if (t == null) {
                throw new IllegalArgumentException(other.path() + ": " + role + " file has tensor '" + o.name()
                        + "', which " + w.path() + " does not have: the files must hold the same names (another"
                        + " model?)");
            }
            if (!Arrays.equals(t.shape(), o.shape())) {
                throw new IllegalArgumentException(other.path() + ": tensor '" + o.name() + "' has shape "
                        + Arrays.toString(o.shape()) + " but " + Arrays.toString(t.shape()) + " in " + w.path());
            }
        }
        CheckpointFiles.Tensor[] out = new CheckpointFiles.Tensor[targets.size()];
        for (int i = 0; i < out.length; i++) {
            CheckpointFiles.Tensor o = other.get(targets.get(i).name());
            if (o == null) {
                throw new IllegalArgumentException(other.path() + ": " + role + " file has no tensor '"
                        + targets.get(i).name() + "', which is to be pruned in " + w.path() + " (give " + role
                        + " for every tensor pruned)");
            }
            if (!o.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(other.path() + ": tensor '" + o.name() + "' is " + o.dtype() + "; "
                        + role + " must be floating point (F32, F16, BF16 or F64)");
            }
            out[i] = o;
        }
        return out;
    }
}
