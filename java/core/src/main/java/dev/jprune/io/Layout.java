package dev.jprune.io;

import java.util.Locale;

/**
 * How a pruned checkpoint stores a pruned tensor NAME and its mask (docs/PYTORCH.md shows the PyTorch side of each).
 * Masks are 0/1 in the weight's own dtype for {@link #TORCH_PRUNE} and {@link #PLAIN} (what torch.nn.utils.prune
 * registers); {@link #MASKED} keeps jprune's F32 0/1 masks.
 */
public enum Layout {
    /** jprune's own: "NAME" (pruned entries are 0) and "NAME_mask". Not a state_dict PyTorch loads strictly. */
    MASKED("masked"),
    /**
     * What a module pruned by torch.nn.utils.prune holds in its state_dict: "NAME_orig" and "NAME_mask", no "NAME";
     * loads with strict=True into a model after {@code prune.identity(module, "weight")} on the pruned modules.
     */
    TORCH_PRUNE("torch-prune"),
    /** "NAME" only (pruned entries are 0): loads strictly into the unpruned model; masks go to a second file. */
    PLAIN("plain");

    private final String cliName;

    Layout(String cliName) { this.cliName = cliName; }

    /** The name the command line's {@code --layout} takes: "masked", "torch-prune" or "plain". */
    public String cliName() { return cliName; }

    /**
     * The layout named {@code name} (case-insensitive, as {@link #cliName}).
     *
     * @throws IllegalArgumentException naming the accepted values when {@code name} is none of them
     */
    public static Layout parse(String name) {
        for (Layout l : values()) if (l.cliName.equals(name.toLowerCase(Locale.ROOT))) return l;
        throw new IllegalArgumentException("--layout must be masked, torch-prune or plain, got '" + name + "'");
    }
}
