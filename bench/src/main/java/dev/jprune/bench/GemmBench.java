package dev.jprune.bench;

import dev.jprune.cpu.Gemm;
import dev.jprune.cpu.PackedB;
import dev.jprune.util.Rng;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: {@link Gemm} on the GEMM shapes of a Linear layer training step (lenet-300-100, batch 128).
 * GFLOP/s = 2*M*N*K / (time per op). NaiveGemm is not benchmarked at these sizes (seconds per call).
 * Run: java -jar bench/target/jprune-bench.jar GemmBench -f 3 -wi 3 -i 5 (the scalar kernels), and with
 * {@code -jvmArgsAppend "--add-modules jdk.incubator.vector"} for the Vector API kernels. The prepacked variant is what
 * an inference layer runs ({@link PackedB}: its weight packed once).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GemmBench {
    /** "transA,transB,M,N,K": forward Y = X W^T (NT), dX = dY W (NN), dW = dY^T X (TN), plus NT for 300->100. */
    @Param({"N,T,128,300,784", "T,N,300,784,128", "N,N,128,784,300", "N,T,128,100,300", "T,N,100,300,128",
            "N,N,128,300,100", "N,T,1,300,784", "N,T,8,300,784", "N,T,64,300,784", "N,N,50,512,500", "N,T,500,50,512",
            "T,N,500,512,50", "N,N,20,9216,25", "N,N,512,512,512"})
    public String shape;

    private boolean ta, tb;
    private int m, n, k;
    private float[] a, b, c;
    private PackedB packed;

    @Setup
    public void setup() {
        String[] s = shape.split(",");
        ta = s[0].equals("T");
        tb = s[1].equals("T");
        m = Integer.parseInt(s[2]);
        n = Integer.parseInt(s[3]);
        k = Integer.parseInt(s[4]);
        Rng rng = new Rng(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        rng.fillUniform(a, -1f, 1f);
        rng.fillUniform(b, -1f, 1f);
        packed = PackedB.pack(tb, k, n, b, 0, tb ? k : n);
    }

    @Benchmark
    public float[] gemm() {
        Gemm.gemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, c, 0, n);
        return c;
    }

    @Benchmark
    public float[] gemmPrepacked() {
        Gemm.gemm(ta, m, 1f, a, 0, ta ? m : k, packed, 0f, c, 0, n);
        return c;
    }
}
