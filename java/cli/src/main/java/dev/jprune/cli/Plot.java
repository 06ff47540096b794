package dev.jprune.cli;

import dev.jprune.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Test accuracy vs sparsity, one line per criterion (XChart, PNG). */
final class Plot {
    private Plot() {}

    static void accuracyVsSparsity(List<Map<String, Object>> runs, String title, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("sparsity (fraction of weights pruned)").yAxisTitle("test accuracy (%)").build();
        Map<String, TreeMap<Double, Double>> series = new TreeMap<>();
        Double dense = null;
        for (Map<String, Object> r : runs) {
            series.computeIfAbsent((String) r.get("criterion"), k -> new TreeMap<>()).put((Double) r.get("achieved_sparsity"), 100 * (Double) r.get("pruned_accuracy"));
            Double d = (Double) r.get("dense_accuracy");
            if (d != null && !d.isNaN()) dense = d;
        }
        for (var e : series.entrySet()) {
            double[] x = e.getValue().keySet().stream().mapToDouble(Double::doubleValue).toArray();
            double[] y = e.getValue().values().stream().mapToDouble(Double::doubleValue).toArray();
            chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        if (dense != null) {
            double lo = series.values().stream().flatMap(m -> m.keySet().stream()).mapToDouble(Double::doubleValue).min().orElse(0);
            double hi = series.values().stream().flatMap(m -> m.keySet().stream()).mapToDouble(Double::doubleValue).max().orElse(1);
            chart.addSeries("dense", new double[] {lo, hi}, new double[] {100 * dense, 100 * dense}).setMarker(SeriesMarkers.NONE);
        }
        // Encoded in memory, then written atomically: saveBitmap would write in place (a torn PNG on a kill).
        AtomicFiles.writeBytes(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    }
}
