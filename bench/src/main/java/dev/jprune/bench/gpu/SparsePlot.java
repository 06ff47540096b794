package dev.jprune.bench.gpu;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Charts GpuPruneBench's sparse-crossover.csv (written on the GPU machine, whose trimmed JRE has no java.desktop):
 * one panel per batch size, time against sparsity for our CSR kernel, cuSPARSE and our dense GEMM, so the crossover
 * is visible. Run here: {@code java -cp ... dev.jprune.bench.gpu.SparsePlot sparse-crossover.csv out.png}.
 */
public final class SparsePlot {
    private SparsePlot() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) throw new IllegalArgumentException("usage: SparsePlot sparse-crossover.csv out.png");
        List<String> lines = Files.readAllLines(Path.of(args[0]));
        if (lines.size() < 2 || !lines.get(0).startsWith("device,dim,sparsity,batch,")) {
            throw new IOException(args[0] + ": not a GpuPruneBench sparse-crossover.csv");
        }
        // batch -> series name -> (sparsity, ms)
        TreeMap<Integer, TreeMap<String, List<double[]>>> byBatch = new TreeMap<>();
        String device = "", dim = "";
        for (String line : lines.subList(1, lines.size())) {
            int q = line.lastIndexOf('"');
            device = line.substring(1, q);
            String[] f = line.substring(q + 2).split(",");
            dim = f[0];
            double sp = Double.parseDouble(f[1]);
            int batch = Integer.parseInt(f[2]);
            String[] names = {"ours (CSR)", "cuSPARSE", "dense GEMM"};
            for (int i = 0; i < 3; i++) {
                double ms = Double.parseDouble(f[3 + i]);
                if (Double.isFinite(ms)) byBatch.computeIfAbsent(batch, b -> new TreeMap<>())
                        .computeIfAbsent(names[i], n -> new ArrayList<>()).add(new double[] {sp * 100, ms});
            }
        }
        List<XYChart> charts = new ArrayList<>();
        for (var e : byBatch.entrySet()) {
            XYChart c = new XYChartBuilder().width(480).height(360)
                    .title(String.format(Locale.ROOT, "%sx%s, batch %d", dim, dim, e.getKey()))
                    .xAxisTitle("sparsity (%)").yAxisTitle("ms (log)").build();
            c.getStyler().setYAxisLogarithmic(true);
            for (var s : e.getValue().entrySet()) {
                double[] x = s.getValue().stream().mapToDouble(p -> p[0]).toArray();
                double[] y = s.getValue().stream().mapToDouble(p -> p[1]).toArray();
                c.addSeries(s.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
            }
            charts.add(c);
        }
        String out = args[1].endsWith(".png") ? args[1].substring(0, args[1].length() - 4) : args[1];
        BitmapEncoder.saveBitmap(charts, 2, (charts.size() + 1) / 2, out, BitmapEncoder.BitmapFormat.PNG);
        System.out.println("SparsePlot: " + out + ".png (" + charts.size() + " batch sizes, " + device + ")");
    }
}
