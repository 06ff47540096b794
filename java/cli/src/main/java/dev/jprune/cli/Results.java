package dev.jprune.cli;

import com.google.gson.GsonBuilder;
import dev.jprune.io.AtomicFiles;
import dev.jprune.prune.PruningRun;
import dev.jprune.train.Evaluation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Results of a run or sweep, written as JSON and CSV (atomically, through {@link AtomicFiles}). Classification runs
 * report test accuracies (dense, right after the last prune where measured, after retraining); regression runs the
 * train and test MSE at the same points. In threshold mode "sparsity" is the sparsity reached and "threshold" the
 * value asked. A figure not measured (right after pruning, for gradual schedules) is absent from the JSON and an
 * empty CSV cell.
 */
final class Results {
    final Map<String, Object> header = new LinkedHashMap<>();
    final List<Map<String, Object>> runs = new ArrayList<>();
    boolean regression;

    /** Columns of the CSV after criterion,sparsity,threshold,schedule, by task. */
    private static final List<String> ACCURACY = List.of("dense_accuracy", "just_pruned_accuracy", "pruned_accuracy");
    private static final List<String> MSE = List.of("dense_train_mse", "dense_test_mse", "just_pruned_train_mse",
            "just_pruned_test_mse", "pruned_train_mse", "pruned_test_mse");

    /** One run; {@code dense} and {@code denseTrain} measured before it (the sweep's shared dense model). */
    void add(String criterion, double sparsity, float threshold, String schedule, PruningRun.Outcome o,
            Evaluation dense,
             Evaluation denseTrain) {
        Map<String, Object> r = new LinkedHashMap<>();
        boolean thresholdMode = !Float.isNaN(threshold);
        r.put("criterion", criterion);
        r.put("sparsity", thresholdMode ? o.achievedSparsity() : sparsity);
        // 0.01, not 0.00999999977
        if (thresholdMode) r.put("threshold", Double.parseDouble(Float.toString(threshold)));
        r.put("schedule", schedule);
        PruningRun.Evaluations e = o.evaluations();
        if (regression) {
            put(r, "dense_train_mse", denseTrain == null ? null : denseTrain.loss());
            put(r, "dense_test_mse", dense.loss());
            put(r, "just_pruned_train_mse", e.justPrunedTrain() == null ? null : e.justPrunedTrain().loss());
            put(r, "just_pruned_test_mse", e.justPruned() == null ? null : e.justPruned().loss());
            put(r, "pruned_train_mse", e.prunedTrain() == null ? null : e.prunedTrain().loss());
            put(r, "pruned_test_mse", o.evaluations().pruned() == null ? null : o.evaluations().pruned().loss());
        } else {
            r.put("dense_accuracy", dense.accuracy());
            put(r, "just_pruned_accuracy", e.justPruned() == null ? null : e.justPruned().accuracy());
            r.put("pruned_accuracy", o.prunedAccuracy());
        }
        r.put("achieved_sparsity", o.achievedSparsity());
        Map<String, Double> d = new LinkedHashMap<>();
        for (int i = 0; i < o.targetNames().length; i++) d.put(o.targetNames()[i], o.densities()[i]);
        r.put("density", d);
        r.put("seconds", o.seconds());
        runs.add(r);
    }

    private static void put(Map<String, Object> r, String key, Double v) {
        if (v != null) r.put(key, v);
    }

    /** The figure the plot and the summary show: test accuracy, or for regression the test MSE. */
    String metricKey() { return regression ? "pruned_test_mse" : "pruned_accuracy"; }

    /** The dense model's figure of the same kind. */
    String denseKey() { return regression ? "dense_test_mse" : "dense_accuracy"; }

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
        List<String> metrics = regression ? MSE : ACCURACY;
        StringBuilder csv = new StringBuilder("criterion,sparsity,threshold,schedule," + String.join(",", metrics)
                + ",achieved_sparsity,seconds\n");
        for (Map<String, Object> r : runs) {
            csv.append(r.get("criterion")).append(',').append(r.get("sparsity")).append(',')
                    .append(r.containsKey("threshold") ? r.get("threshold") : "").append(',').append(r.get("schedule"));
            for (String k : metrics) csv.append(',').append(r.containsKey(k) ? String.format(Locale.ROOT, "%.6f",
                    (Double) r.get(k)) : "");
            csv.append(String.format(Locale.ROOT, ",%.6f,%.2f%n", (Double) r.get("achieved_sparsity"),
                    (Double) r.get("seconds")));
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
