#!/usr/bin/env python3
"""PyTorch peer of dev.jprune.bench.gpu.GpuBench: the same GEMM shapes (fp32 with TF32 off, and TF32), the same
D2D copy, timed the same way (CUDA events around `inner` launches, 3 warm-ups, median). Random inputs, never zeros.
Run on the GPU machine: python3 bench/peers/torch_gpu_peer.py"""
import statistics
import torch


def timed(fn, samples, inner):
    for _ in range(3):
        for _ in range(inner):
            fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(samples):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(inner):
            fn()
        b.record()
        b.synchronize()
        ts.append(a.elapsed_time(b) / inner)
    return statistics.median(ts)


def gemm(rows, label, tf32, ta, tb, m, n, k, inner):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    A = torch.rand(k, m, device="cuda") * 2 - 1 if ta else torch.rand(m, k, device="cuda") * 2 - 1
    B = torch.rand(n, k, device="cuda") * 2 - 1 if tb else torch.rand(k, n, device="cuda") * 2 - 1
    opA = A.t() if ta else A
    opB = B.t() if tb else B
    C = torch.empty(m, n, device="cuda")
    ms = timed(lambda: torch.matmul(opA, opB, out=C), 15, inner)
    rows.append("%-44s %-16s %10.4f %10.1f GFLOP/s" % (label + (" tf32" if tf32 else " fp32"),
                ("T" if ta else "N") + ("T" if tb else "N") + " %dx%dx%d" % (m, n, k), ms,
                2.0 * m * n * k / (ms * 1e6)))


def model_gemms(bs):
    """GpuBench.modelGemms: every GEMM of a training step of lenet-300-100 and cifar-cnn-a at batch bs."""
    g = []
    for i, o in ((784, 300), (300, 100), (100, 10)):
        g += [("lenet fwd %d->%d" % (i, o), False, True, bs, o, i),
              ("lenet dX %d->%d" % (i, o), False, False, bs, i, o),
              ("lenet dW %d->%d" % (i, o), True, False, o, i, bs)]
    np1, np2 = bs * 32 * 32, bs * 16 * 16
    g += [("cnn-a conv1 fwd", False, False, 64, np1, 27), ("cnn-a conv1 dW", False, True, 64, 27, np1),
          ("cnn-a conv2 fwd", False, False, 128, np2, 576), ("cnn-a conv2 dW", False, True, 128, 576, np2),
          ("cnn-a conv2 dX", True, False, 576, np2, 128)]
    for i, o in ((8192, 1024), (1024, 10)):
        g += [("cnn-a fc fwd %d->%d" % (i, o), False, True, bs, o, i),
              ("cnn-a fc dX %d->%d" % (i, o), False, False, bs, i, o),
              ("cnn-a fc dW %d->%d" % (i, o), True, False, o, i, bs)]
    return g


def main():
    rows = []
    for v in (1, 0, 2):
        ta, tb = v == 2, v == 1
        gemm(rows, "torch gemm 4096^3", False, ta, tb, 4096, 4096, 4096, 1)
        gemm(rows, "torch gemm 4096^3", True, ta, tb, 4096, 4096, 4096, 1)
    for label, ta, tb, m, n, k in model_gemms(128):
        gemm(rows, "torch " + label, False, ta, tb, m, n, k, 50)
    n = 1 << 28
    a = torch.rand(n, device="cuda")
    b = torch.empty_like(a)
    ms = timed(lambda: b.copy_(a), 10, 1)
    rows.append("%-44s %-16s %10.4f %10.1f GB/s" % ("torch D2D copy", "1 GiB", ms, 8.0 * n / (ms * 1e6)))
    print("== PyTorch %s on %s, CUDA events, median ==" % (torch.__version__, torch.cuda.get_device_name()))
    print("%-44s %-16s %10s %10s" % ("what", "shape", "ms", "rate"))
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
