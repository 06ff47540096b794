package dev.jprune.cli;

import com.google.gson.GsonBuilder;
import dev.jprune.prune.PruningRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Results of a run or sweep, written as JSON and CSV (atomically: temp file + rename). */
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

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> all = new LinkedHashMap<>(header);
        all.put("runs", runs);
        String json = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(all);
        atomicWrite(dir.resolve("results.json"), json);
        StringBuilder csv = new StringBuilder("criterion,sparsity,schedule,dense_accuracy,pruned_accuracy,achieved_sparsity,seconds\n");
        for (Map<String, Object> r : runs) {
            csv.append(String.format(Locale.ROOT, "%s,%s,%s,%.6f,%.6f,%.6f,%.2f%n", r.get("criterion"), r.get("sparsity"), r.get("schedule"),
                    (Double) r.get("dense_accuracy"), (Double) r.get("pruned_accuracy"), (Double) r.get("achieved_sparsity"), (Double) r.get("seconds")));
        }
        atomicWrite(dir.resolve("results.csv"), csv.toString());
    }

    static void atomicWrite(Path file, String text) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
