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

/** Test accuracy (regression: test MSE) vs sparsity, one line per criterion (XChart, PNG). */
final class Plot {
    private Plot() {}

    static void accuracyVsSparsity(List<Map<String, Object>> runs, String title, Path png) throws IOException {
        metricVsSparsity(runs, "pruned_accuracy", "dense_accuracy", "test accuracy (%)", 100, title, png);
    }

    /**
     * One line per criterion of {@code key} (times {@code scale}) against the sparsity reached, and the dense model's
     * {@code denseKey} as a flat line; written atomically to {@code png}.
     */
    static void metricVsSparsity(List<Map<String, Object>> runs, String key, String denseKey, String yTitle,
            double scale,
                                 String title, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("sparsity (fraction of "
                + "weights pruned)")
                .yAxisTitle(yTitle).build();
        Map<String, TreeMap<Double, Double>> series = new TreeMap<>();
        Double dense = null;
        for (Map<String, Object> r : runs) {
            series.computeIfAbsent((String) r.get("criterion"), k ->
                    new TreeMap<>()).put((Double) r.get("achieved_sparsity"),
                    scale * (Double) r.get(key));
            Double d = (Double) r.get(denseKey);
            if (d != null && !d.isNaN()) dense = d;
        }
        for (var e : series.entrySet()) {
            double[] x = e.getValue().keySet().stream().mapToDouble(Double::doubleValue).toArray();
            double[] y = e.getValue().values().stream().mapToDouble(Double::doubleValue).toArray();
            chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        if (dense != null) {
            double lo = series.values().stream().flatMap(m -> m.keySet().stream()).mapToDouble(Double::doubleValue)
                    .min().orElse(0);
            double hi = series.values().stream().flatMap(m -> m.keySet().stream()).mapToDouble(Double::doubleValue)
                    .max().orElse(1);
            chart.addSeries("dense", new double[] {lo, hi}, new double[] {scale * dense,
                    scale * dense}).setMarker(SeriesMarkers.NONE);
        }
        // Encoded in memory, then written atomically: saveBitmap would write in place (a torn PNG on a kill).
        AtomicFiles.writeBytes(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    }
}
