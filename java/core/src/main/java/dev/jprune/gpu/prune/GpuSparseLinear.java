package dev.jprune.gpu.prune;

import dev.jprune.gpu.CpuTwin;
import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuInternals;
import dev.jprune.gpu.GpuElementwise;
import dev.jprune.gpu.GpuOps;
import dev.jprune.gpu.GpuProbe;
import dev.jprune.sparse.Csr;
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.jcusparse.JCusparse;
import jcuda.jcusparse.cusparseDnMatDescr;
import jcuda.jcusparse.cusparseHandle;
import jcuda.jcusparse.cusparseIndexBase;
import jcuda.jcusparse.cusparseIndexType;
import jcuda.jcusparse.cusparseOperation;
import jcuda.jcusparse.cusparseOrder;
import jcuda.jcusparse.cusparseSpMMAlg;
import jcuda.jcusparse.cusparseSpMatDescr;
import jcuda.jcusparse.cusparseStatus;
import jcuda.runtime.cudaStream_t;

import java.util.HashMap;
import java.util.Map;

/**
 * A Linear layer y[N, out] = act(x[N, in]·Wᵀ + b) with W [out, in] in CSR on the device (twin: Spmm.linear, then the
 * activation). Two paths: our warp-per-row gather kernel (jp_csr_spmm, for small batches) and cuSPARSE's generic SpMM
 * (used only when {@link GpuProbe#jcusparseAvailable()} and a handle can be created; otherwise every request for it
 * falls back to ours, with the reason in {@link #cusparseReason()}, and {@code forward} returns the path that ran).
 * {@link #choose} times both with CUDA events for a batch size and keeps the faster ("at model load, time both per
 * layer"). Only functions that libcusparse.so.12 exports are called
 * (cusparseCreate, SetStream, CreateCsr, CreateDnMat, SpMM_bufferSize, SpMM, the Destroy calls): JCuda binds lazily and
 * a missing symbol would end the JVM. The SpMM workspace is allocated once (grown when a larger batch needs more) and
 * reused. Not thread-safe.
 */
public final class GpuSparseLinear implements AutoCloseable {
    public enum Path { OURS, CUSPARSE }
    public enum Activation { NONE, RELU }

    /** A timed choice: the path kept for a batch size and both device times (NaN where not measured). */
    public record Choice(int batch, Path path, float oursMs, float cusparseMs, String reason) {}

    private final GpuContext ctx;
    private final SparseKernels k;
    private final GpuElementwise ops;
    public final int out, in;
    private final int nnz;
    private final DeviceBuffer rowPtr, colIdx, values, bias;
    private final Map<Integer, Choice> choices = new HashMap<>();
    private String cusparseReason;
    private cusparseHandle handle;
    private cusparseSpMatDescr matA;
    private DeviceBuffer workspace;
    private boolean closed;

    private GpuSparseLinear(GpuContext ctx, int out, int in, int nnz, DeviceBuffer rowPtr, DeviceBuffer colIdx,
                            DeviceBuffer values, DeviceBuffer bias) {
        this.ctx = ctx;
        this.k = new SparseKernels(ctx);
        this.ops = new GpuOps(ctx).elementwise();
        this.out = out;
        this.in = in;
        this.nnz = nnz;
        this.rowPtr = rowPtr;
        this.colIdx = colIdx;
        this.values = values;
        this.bias = bias;
        GpuProbe p = GpuProbe.get();
        cusparseReason = p.jcusparseAvailable() ? null : p.jcusparseReason();
        if (cusparseReason == null && nnz == 0) cusparseReason = "the matrix has no nonzeros";
    }

    /**
     * CSR of the dense row-major W = {@code w[off .. off + out·in)} built on the device (Csr.fromDense: nonzero means
     * != 0f, columns ascending): count per row, exclusive scan, fill. {@code bias} [out] (FLOAT, copied) may be null.
     * Reads w only.
     */
    @CpuTwin("dev.jprune.sparse.Csr#fromDense")
    public static GpuSparseLinear fromDense(GpuContext ctx, DeviceBuffer w, long off, int out,
                                            int in, DeviceBuffer bias) {
        checkShape("GpuSparseLinear.fromDense", out, in);
        if (w == null || w.type() != DeviceBuffer.Type.FLOAT || off < 0 || w.length() < off + (long) out * in) {
            throw new IllegalArgumentException("GpuSparseLinear.fromDense: W [" + out + ", " + in + "] at offset " + off
                    + " does not fit " + w);
        }
        if (bias != null && (bias.type() != DeviceBuffer.Type.FLOAT || bias.length() != out)) {
            throw new IllegalArgumentException("GpuSparseLinear.fromDense: bias " + bias + " for " + out + " rows");
        }
        SparseKernels kk = new SparseKernels(ctx);
        DeviceBuffer rp = ctx.allocInt((long) out + 1), ci = null, v = null, b = null;
        boolean ok = false;
        try (DeviceBuffer nnzBuf = ctx.allocLong(1)) {
            GpuInternals.zero(rp);
            if (out > 0) {
                kk.csrCount(GpuInternals.pointer(w, off), out, in, rp);
                kk.csrScan(rp, out, nnzBuf);
            } else {
                GpuInternals.zero(nnzBuf);
            }
            long[] nz = new long[1];
            GpuInternals.download(nnzBuf, nz);
            if (nz[0] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("GpuSparseLinear.fromDense: " + nz[0]
                        + " nonzeros exceed the 32-bit CSR index range");
            }
            ci = ctx.allocInt(Math.max(1, nz[0]));
            v = ctx.allocFloat(Math.max(1, nz[0]));
            if (out > 0 && nz[0] > 0) kk.csrFill(GpuInternals.pointer(w, off), out, in, rp, ci, v);
            if (bias != null) { b = ctx.allocFloat(out); b.copyFrom(bias); }
            GpuSparseLinear s = new GpuSparseLinear(ctx, out, in, (int) nz[0], rp, ci, v, b);
            ok = true;
            return s;
        } finally {
            if (!ok) { rp.close(); if (ci != null) ci.close(); if (v != null) v.close(); if (b != null) b.close(); }
        }
    }

    /** Uploads a host CSR matrix (and bias [rows], may be null). */
    public static GpuSparseLinear fromCsr(GpuContext ctx, Csr w, float[] bias) {
        if (w == null) throw new IllegalArgumentException("GpuSparseLinear.fromCsr: null matrix");
        checkShape("GpuSparseLinear.fromCsr", w.rows, w.cols);
        if (bias != null && bias.length != w.rows) throw new IllegalArgumentException("GpuSparseLinear.fromCsr: bias "
                + "has " + bias.length + " entries for " + w.rows + " rows");
        int[] rp = w.rowPtr(), ci = w.colIdx();
        float[] v = w.values();
        DeviceBuffer a = ctx.upload(rp), c = ctx.allocInt(Math.max(1, ci.length)),
                d = ctx.allocFloat(Math.max(1, v.length));
        if (ci.length > 0) { c.upload(ci); d.upload(v); }
        DeviceBuffer b = bias == null ? null : ctx.upload(bias);
        return new GpuSparseLinear(ctx, w.rows, w.cols, w.nnz(), a, c, d, b);
    }

    static void checkShape(String op, int out, int in) {
        if (out < 0 || in < 0) throw new IllegalArgumentException(op + ": negative shape [" + out + ", " + in + "]");
    }

    public int nnz() { return nnz; }
    /** Null when the cuSPARSE path can be used, else why not. */
    public String cusparseReason() { return cusparseReason; }

    /** The device CSR copied back (for tests and export). */
    public Csr toCsr() {
        int[] rp = new int[out + 1], ci = new int[nnz];
        float[] v = new float[nnz];
        rowPtr.download(rp);
        if (nnz > 0) {
            int[] c = new int[Math.toIntExact(colIdx.length())];
            float[] vv = new float[Math.toIntExact(values.length())];
            colIdx.download(c);
            values.download(vv);
            System.arraycopy(c, 0, ci, 0, nnz);
            System.arraycopy(vv, 0, v, 0, nnz);
        }
        return new Csr(out, in, rp, ci, v);
    }

    /**
     * y[n, out] = act(x[n, in]·Wᵀ + b) on {@code path} (CUSPARSE falls back to OURS when unavailable). Overwrites the
     * first n·out floats of y; x and y must not alias.
     */
    @CpuTwin("dev.jprune.sparse.Spmm#linear")
    public Path forward(DeviceBuffer x, int n, DeviceBuffer y, Activation act, Path path) {
        if (closed) throw new IllegalStateException("GpuSparseLinear used after close");
        if (n < 0) throw new IllegalArgumentException("GpuSparseLinear.forward: negative batch " + n);
        if (x == null || y == null || x.type() != DeviceBuffer.Type.FLOAT || y.type() != DeviceBuffer.Type.FLOAT
                || x.length() < (long) n * in || y.length() < (long) n * out) {
            throw new IllegalArgumentException("GpuSparseLinear.forward: x " + x + " / y " + y
                    + " too small for batch " + n + " and W [" + out + ", " + in + "]");
        }
        if (x == y) throw new IllegalArgumentException("GpuSparseLinear.forward: input and output must not alias");
        if ((long) n * Math.max(in, out) > Integer.MAX_VALUE)
                throw new IllegalArgumentException("GpuSparseLinear.forward: batch " + n + " too large");
        if (n == 0 || out == 0) return path;
        if (path == Path.CUSPARSE && cusparseReason == null && cusparseReady()) {
            cusparseForward(x, n, y);
            if (bias != null) {
                if (act == Activation.RELU) ops.biasRelu(y, bias, n, out); else ops.biasAdd(y, bias, n, out);
            } else if (act == Activation.RELU) {
                ops.reluForward(y, y, n * out);
            }
            return Path.CUSPARSE;
        }
        k.csrSpmm(rowPtr, colIdx, values, GpuInternals.pointer(x, 0), n, in, out, bias, act == Activation.RELU,
                GpuInternals.pointer(y, 0));
        return Path.OURS;
    }

    /** {@link #forward} on the path chosen for this batch size ({@link #choose}); OURS when none was chosen. */
    @CpuTwin("dev.jprune.sparse.Spmm#linear")
    public Path forward(DeviceBuffer x, int n, DeviceBuffer y, Activation act) {
        Choice c = choices.get(n);
        return forward(x, n, y, act, c == null ? Path.OURS : c.path());
    }

    /**
     * Times both paths for batch n (one warm-up each, then {@code reps} runs inside CUDA events, mean per run) on
     * scratch inputs and keeps the faster for {@link #forward(DeviceBuffer, int, DeviceBuffer, Activation)}.
     */
    public Choice choose(int n, int reps) {
        if (n < 1 || reps < 1) throw new IllegalArgumentException("GpuSparseLinear.choose: batch "
                + n + ", reps " + reps);
        try (DeviceBuffer x = ctx.allocFloat((long) n * in); DeviceBuffer y = ctx.allocFloat((long) n * out)) {
            GpuInternals.zero(x);
            float ours = time(x, n, y, Path.OURS, reps);
            Choice c;
            if (cusparseReason != null) {
                c = new Choice(n, Path.OURS, ours, Float.NaN, "cuSPARSE unavailable: " + cusparseReason);
            } else {
                float cs;
                try {
                    cs = time(x, n, y, Path.CUSPARSE, reps);
                } catch (dev.jprune.gpu.GpuException e) {
                    // A cuSPARSE status error (not a kernel fault): keep our kernel for good, with the reason.
                    cusparseReason = "cuSPARSE failed: " + e.getMessage();
                    cs = Float.NaN;
                }
                if (cusparseReason != null) cs = Float.NaN;  // no handle: the timed runs took our kernel
                c = cusparseReason != null ? new Choice(n, Path.OURS, ours, cs, cusparseReason)
                        : new Choice(n, cs < ours ? Path.CUSPARSE : Path.OURS, ours, cs, "timed");
            }
            choices.put(n, c);
            return c;
        }
    }

    private float time(DeviceBuffer x, int n, DeviceBuffer y, Path p, int reps) {
        forward(x, n, y, Activation.NONE, p);
        return ctx.timeMillis(() -> { for (int r = 0; r < reps; r++) forward(x, n, y, Activation.NONE, p); }) / reps;
    }

    private static void cs(int status, String what) {
        if (status != cusparseStatus.CUSPARSE_STATUS_SUCCESS) {
            throw new dev.jprune.gpu.GpuException(what + " failed: " + cusparseStatus.stringFor(status));
        }
    }

    /**
     * The cuSPARSE handle and matrix descriptor, created on first use. A library that loads but cannot create a handle
     * (no usable CUDA runtime for this driver, say) makes cuSPARSE unavailable for this layer, with the reason in
     * {@link #cusparseReason()}: false, and the caller takes our kernel. Failures after that are errors.
     */
    private boolean cusparseReady() {
        if (handle != null) return true;
        GpuInternals.bind(ctx);
        cusparseHandle h = new cusparseHandle();
        int st;
        try {
            st = JCusparse.cusparseCreate(h);
        } catch (LinkageError e) {
            cusparseReason = "cusparseCreate is not callable: " + e;
            return false;
        }
        if (st != cusparseStatus.CUSPARSE_STATUS_SUCCESS) {
            cusparseReason = "cusparseCreate failed: " + cusparseStatus.stringFor(st);
            return false;
        }
        handle = h;
        cs(JCusparse.cusparseSetStream(handle, new cudaStream_t(GpuInternals.stream(ctx))), "cusparseSetStream");
        cusparseSpMatDescr a = new cusparseSpMatDescr();
        int i32 = cusparseIndexType.CUSPARSE_INDEX_32I;
        cs(JCusparse.cusparseCreateCsr(a, out, in, nnz, GpuInternals.pointer(rowPtr, 0),
                GpuInternals.pointer(colIdx, 0), GpuInternals.pointer(values, 0), i32, i32,
                cusparseIndexBase.CUSPARSE_INDEX_BASE_ZERO, cudaDataType.CUDA_R_32F), "cusparseCreateCsr");
        matA = a;
        return true;
    }

    // Yᵀ [out, n] = W [out, in] · Xᵀ [in, n] in column-major: x row-major [n, in] IS Xᵀ column-major with ld = in,
    // and y row-major [n, out] IS Yᵀ column-major with ld = out — so no transposes are needed.
    private void cusparseForward(DeviceBuffer x, int n, DeviceBuffer y) {
        GpuInternals.bind(ctx);
        cusparseDnMatDescr b = new cusparseDnMatDescr(), c = new cusparseDnMatDescr();
        cs(JCusparse.cusparseCreateDnMat(b, in, n, in, GpuInternals.pointer(x, 0), cudaDataType.CUDA_R_32F,
                cusparseOrder.CUSPARSE_ORDER_COL), "cusparseCreateDnMat(X)");
        try {
            cs(JCusparse.cusparseCreateDnMat(c, out, n, out, GpuInternals.pointer(y, 0), cudaDataType.CUDA_R_32F,
                    cusparseOrder.CUSPARSE_ORDER_COL), "cusparseCreateDnMat(Y)");
            try {
                Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});
                int op = cusparseOperation.CUSPARSE_OPERATION_NON_TRANSPOSE;
                long[] size = new long[1];
                cs(JCusparse.cusparseSpMM_bufferSize(handle, op, op, one, matA.asConst(), b.asConst(), zero, c,
                        cudaDataType.CUDA_R_32F, cusparseSpMMAlg.CUSPARSE_SPMM_ALG_DEFAULT, size),
                        "cusparseSpMM_bufferSize");
                if (workspace == null || workspace.length() < size[0]) {
                    if (workspace != null) workspace.close();
                    workspace = ctx.allocBytes(Math.max(1, size[0]));
                }
                cs(JCusparse.cusparseSpMM(handle, op, op, one, matA.asConst(), b.asConst(), zero,
                        c, cudaDataType.CUDA_R_32F, cusparseSpMMAlg.CUSPARSE_SPMM_ALG_DEFAULT,
                        GpuInternals.pointer(workspace, 0)), "cusparseSpMM (W [" + out + ", " + in + "] nnz " + nnz
                        + ", batch " + n + ")");
            } finally {
                JCusparse.cusparseDestroyDnMat(c.asConst());
            }
        } finally {
            JCusparse.cusparseDestroyDnMat(b.asConst());
        }
    }

    /** Destroys the cuSPARSE objects (with this context current, like every entry point) and returns the buffers to
     *  the pool. Idempotent; after the context's own close only the buffers are let go. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (GpuInternals.bindIfOpen(ctx)) {
            if (matA != null) JCusparse.cusparseDestroySpMat(matA.asConst());
            if (handle != null) JCusparse.cusparseDestroy(handle);
        }
        for (DeviceBuffer b : new DeviceBuffer[] {rowPtr, colIdx, values, bias, workspace}) if (b != null) b.close();
    }
}
