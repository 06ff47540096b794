package dev.jprune.cli;

import dev.jprune.io.Checkpoint;
import dev.jprune.io.SafeTensorHeader;
import dev.jprune.io.SafeTensors;
import dev.jprune.models.CheckpointModels;
import dev.jprune.models.ModelFileException;
import dev.jprune.models.ModelOptions;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Describe a model by name, or the tensors of a .safetensors file.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--model", converter = Main.ModelName.class,
            description = "model name or FILE.json")
    String model;
    @Option(names = "--weights", description = ".safetensors file")
    Path weights;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(false);
        if (model == null && weights == null) throw new IllegalArgumentException(
                "info needs --model NAME or --weights FILE");
        if (model != null && weights != null) {
            throw new IllegalArgumentException("info takes --model NAME or --weights FILE, not both (it describes"
                    + " one of them; to check that weights fit a model, use eval or export with both options)");
        }
        if (model != null) {
            boolean sized = DataLoading.sizedByData(model);  // shown at its default size
            ModelSpec m = sized ? Models.build(model, 0, ModelOptions.DEFAULT) : ModelArgs.named(model).build(0);
            if (sized) r.line(model + " takes its input and output sizes from tabular --data; shown at its defaults");
            r.line(m.name() + ": " + m.net().describe());
            r.line("input " + java.util.Arrays.toString(m.sampleShape()) + ", " + m.net().parameterCount()
                    + " parameters, default " + m.defaultOptimizer() + " lr " + m.defaultLr());
            for (Map.Entry<String, Parameter> e : m.net().namedParameters().entrySet()) {
                r.linef("  %-10s %s", e.getKey(), java.util.Arrays.toString(e.getValue().value.shape()));
            }
        }
        if (weights != null) describeWeights(r);
        return 0;
    }

    /** The header only, then each tensor's values streamed in chunks: memory use does not grow with the file. */
    private void describeWeights(Reporter r) throws java.io.IOException {
        SafeTensorHeader h = SafeTensors.readHeader(weights);
        Map<String, String> shown = new java.util.TreeMap<>(h.metadata());
        shown.remove(Models.METADATA_MODEL_FILE); // one long JSON line: summarised below
        String meta = shown.isEmpty() ? "" : ", metadata " + shown;
        r.line(weights + ": " + h.tensors().size() + " tensors" + meta);
        String layout = Checkpoint.layoutOf(h.tensors().keySet()).cliName();
        String recorded = h.metadata().get(Checkpoint.LAYOUT_KEY);
        boolean differs = recorded != null && !recorded.equals(layout);
        r.line("layout: " + layout + (differs ? " (no masks in it; written with --layout " + recorded + ")" : ""));
        try {
            CheckpointModels.Found found = CheckpointModels.find(weights);
            if (found != null) r.line("model: " + found.architecture() + " (" + found.description() + ")");
        } catch (ModelFileException e) { // the tensors are still worth listing
            r.notice("warning: " + e.getMessage());
        }
        List<String> warnings = new ArrayList<>();
        for (SafeTensorHeader.Tensor t : h.tensors().values()) {
            TensorStats st = new TensorStats(t.name().endsWith(Checkpoint.MASK_SUFFIX));
            SafeTensors.streamFloats(h, t, st::add);
            long n = t.elementCount();
            String bad = st.nan + st.inf == 0 ? "" : String.format(Locale.ROOT, "  NaN %d, inf %d", st.nan, st.inf);
            r.linef("  %-16s %-5s %-14s nonzero %6.2f%%%s", t.name(), t.dtype(), java.util.Arrays.toString(t.shape()),
                    n == 0 ? 0 : 100.0 * st.nonzero / n, bad);
            if (st.nan + st.inf > 0) {
                warnings.add(String.format(Locale.ROOT, "tensor '%s' has %d NaN and %d infinite values (first at"
                        + " element %d); jprune refuses to load it", t.name(), st.nan, st.inf, st.firstNonFinite));
            }
            if (st.notBinary > 0) {
                warnings.add(String.format(Locale.ROOT, "mask '%s' has %d values other than 0 and 1 (first: %s at"
                        + " element %d); a mask must hold only 0 and 1, jprune refuses to load it", t.name(),
                        st.notBinary, st.firstNotBinary, st.firstNotBinaryAt));
            }
        }
        for (String w : warnings) r.notice("warning: " + w);
    }

    /** Counts over one tensor's values, fed a chunk at a time. */
    private static final class TensorStats {
        final boolean mask;
        long seen, nonzero, nan, inf, notBinary, firstNonFinite = -1, firstNotBinaryAt = -1;
        float firstNotBinary;

        TensorStats(boolean mask) { this.mask = mask; }

        void add(float[] v, int n) {
            for (int i = 0; i < n; i++, seen++) {
                float x = v[i];
                if (x != 0f) nonzero++;
                if (Float.isNaN(x) || Float.isInfinite(x)) {
                    if (Float.isNaN(x)) nan++; else inf++;
                    if (firstNonFinite < 0) firstNonFinite = seen;
                }
                if (mask && x != 0f && x != 1f) {
                    if (notBinary++ == 0) { firstNotBinary = x; firstNotBinaryAt = seen; }
                }
            }
        }
    }
}
