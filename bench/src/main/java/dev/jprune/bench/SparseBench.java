package dev.jprune.bench;

import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Linear;
import dev.jprune.nn.Sequential;
import dev.jprune.sparse.SparseModel;
import dev.jprune.sparse.Workspace;
import dev.jprune.tensor.Tensor;
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
 * JMH: one Linear layer W [300, 784] (lenet-300-100's first) on the sparse kernels against the prepacked dense kernel
 * (the SpMM), and one whole lenet-300-100 forward, at several batch sizes and densities. Each call uses the caller's
 * workspace, so the figures exclude allocation.
 * Run: java -jar bench/target/jprune-bench.jar SparseBench -f 3 -wi 3 -i 5, and with
 * -jvmArgsAppend "--add-modules jdk.incubator.vector" for the Vector API kernels.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
public class SparseBench {
    @Param({"1", "8", "64", "256"})
    public int batch;

    @Param({"0.1", "0.01"})
    public double density;

    private SparseModel layerSparse, layerDense, model;
    private Workspace wsSparse, wsDense, wsModel;
    private Tensor x, y, xm, ym;

    @Setup
    public void setup() {
        Sequential layer = new Sequential(new Linear(784, 300, new Rng(1)));
        CpuInferBench.mask(layer, 1 - density, new Rng(2));
        layerSparse = SparseModel.exportSparse(layer);
        layerDense = SparseModel.exportDense(layer);
        wsSparse = layerSparse.newWorkspace();
        wsDense = layerDense.newWorkspace();
        x = CpuInferBench.input(batch, new int[] {784}, new Rng(3));
        y = Tensor.zeros(batch, 300);
        ModelSpec spec = Models.build("lenet-300-100", 1);
        CpuInferBench.mask(spec.net(), 1 - density, new Rng(4));
        model = SparseModel.export(spec.net());
        wsModel = model.newWorkspace();
        xm = CpuInferBench.input(batch, spec.sampleShape(), new Rng(5));
        ym = Tensor.zeros(batch, 10);
    }

    @Benchmark
    public Tensor spmm() {
        layerSparse.forwardInto(x, y, wsSparse);
        return y;
    }

    @Benchmark
    public Tensor denseLayer() {
        layerDense.forwardInto(x, y, wsDense);
        return y;
    }

    @Benchmark
    public Tensor lenet300100Forward() {
        model.forwardInto(xm, ym, wsModel);
        return ym;
    }
}
