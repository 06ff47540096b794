package dev.jprune.bench;

import dev.jprune.io.DType;
import dev.jprune.io.SafeTensorFile;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.io.TensorSink;
import dev.jprune.io.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Plain harness for safetensors I/O throughput and memory. Run with a small -Xmx to show streaming:
 *   java -Xmx64m  ... SafeTensorsIoHarness generated 100000000 DIR   (no array at all: constant memory)
 *   java -Xmx512m ... SafeTensorsIoHarness array     100000000 DIR   (one 400 MB float[] + streaming buffer)
 * "array" also reads the file back and checks it. Prints one line per phase.
 */
public final class SafeTensorsIoHarness {
    public static void main(String[] args) throws IOException {
        String mode = args[0];
        int n = Integer.parseInt(args[1]);
        Path dir = Path.of(args[2]);
        Path file = dir.resolve("harness-" + n + ".safetensors");
        TensorSource src;
        float[] data = null;
        if (mode.equals("generated")) {
            src = new TensorSource() {
                public DType dtype() { return DType.F32; }
                public int[] shape() { return new int[] {n}; }
                public void writeData(TensorSink sink) throws IOException {
                    float[] chunk = new float[1 << 16];
                    for (int off = 0; off < n; off += chunk.length) {
                        int m = Math.min(chunk.length, n - off);
                        for (int i = 0; i < m; i++) chunk[i] = off + i;
                        sink.putFloats(chunk, 0, m);
                    }
                }
            };
        } else {
            data = new float[n];
            for (int i = 0; i < n; i++) data[i] = i * 0.25f;
            src = TensorEntry.f32(data, n);
        }
        long t0 = System.nanoTime();
        SafeTensors.write(file, Map.of("w", src), Map.of("format", "pt"));
        double s = (System.nanoTime() - t0) / 1e9;
        long bytes = Files.size(file);
        Runtime rt = Runtime.getRuntime();
        System.out.printf("write %s n=%d: %.2f s, %.0f MB/s, file %d bytes, max heap %d MB%n", mode, n, s,
                bytes / s / 1e6, bytes, rt.maxMemory() >> 20);
        if (data != null) {
            data = null; // let the reader allocate its own array within the same heap
            src = null;
            t0 = System.nanoTime();
            SafeTensorFile f = SafeTensors.read(file);
            s = (System.nanoTime() - t0) / 1e9;
            float[] r = f.get("w").floats();
            for (int i = 0; i < n; i++) if (r[i] != i * 0.25f) throw new AssertionError("element " + i);
            System.out.printf("read  n=%d: %.2f s, %.0f MB/s%n", n, s, bytes / s / 1e6);
        }
        Files.delete(file);
    }
}
