package dev.jprune.cli;

import com.google.gson.GsonBuilder;
import dev.jprune.io.AtomicFiles;
import dev.jprune.prune.PruningRun;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Results of a run or sweep, written as JSON and CSV (atomically, through {@link AtomicFiles}). */
final class Results {
    final Map<String, Object> header = new LinkedHashMap<>();
    final List<Map<String, Object>> runs = new ArrayList<>();

    void add(String criterion, double sparsity, String schedule, PruningRun.Outcome o) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("criterion", criterion);
        r.put("sparsity", sparsity);
        r.put("schedule", schedule);
        r.put("dense_accuracy", o.denseAccuracy());
        r.put("pruned_accuracy", o.prunedAccuracy());
        r.put("achieved_sparsity", o.achievedSparsity());
        Map<String, Double> d = new LinkedHashMap<>();
        for (int i = 0; i < o.targetNames().length; i++) d.put(o.targetNames()[i], o.densities()[i]);
        r.put("density", d);
        r.put("seconds", o.seconds());
        runs.add(r);
    }

    /**
     * Writes results.json and results.csv into {@code dir} (created when missing), each atomically. Refuses, before
     * writing anything, a result that is not a finite number (JSON has no NaN; a NaN accuracy is no result).
     */
    void write(Path dir) throws IOException {
        requireFinite("", header);
        for (Map<String, Object> r : runs) {
            requireFinite(r.get("criterion") + " at sparsity " + r.get("sparsity") + ": ", r);
        }
        OutputPaths.createDirectories(dir, "--out-dir");
        Map<String, Object> all = new LinkedHashMap<>(header);
        all.put("runs", runs);
        String json = new GsonBuilder().setPrettyPrinting().create().toJson(all);
        AtomicFiles.writeString(dir.resolve("results.json"), json);
        StringBuilder csv = new StringBuilder("criterion,sparsity,schedule,dense_accuracy,pruned_accuracy,achieved_sparsity,seconds\n");
        for (Map<String, Object> r : runs) {
            csv.append(String.format(Locale.ROOT, "%s,%s,%s,%.6f,%.6f,%.6f,%.2f%n", r.get("criterion"), r.get("sparsity"), r.get("schedule"),
                    (Double) r.get("dense_accuracy"), (Double) r.get("pruned_accuracy"), (Double) r.get("achieved_sparsity"), (Double) r.get("seconds")));
        }
        AtomicFiles.writeString(dir.resolve("results.csv"), csv.toString());
    }

    /** Every number in {@code m} (nested maps included) is finite, else an ArithmeticException naming the field. */
    static void requireFinite(String where, Map<?, ?> m) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?> inner) requireFinite(where + e.getKey() + ".", inner);
            else if (v instanceof Number n && !Double.isFinite(n.doubleValue())) {
                throw new ArithmeticException("refusing to write results: " + where + e.getKey() + " is " + n
                        + ", not a finite number");
            }
        }
    }
}
