#!/usr/bin/env python3
"""PyTorch peer of dev.jprune.bench.gpu.GpuPruneBench (run by bench/gpu-check.sh on the GPU machine).

Same problems, same sizes: global unstructured prune of 1e8 parameters in 100 tensors with importance |w*g|
(torch.nn.utils.prune.global_unstructured(..., importance_scores=...)), clip_grad_norm_ with foreach=True over the
same gradients, and 4096x4096 inference at 70/90/95/99% sparsity, batch 1/8/64/256: dense matmul vs torch.sparse CSR
matmul. CUDA events, warm-up, median. Prints one table. Args: [params] [tensors].
"""
import statistics
import sys

try:
    import torch
    import torch.nn.utils.prune as prune
except ImportError as e:  # the peer is optional
    print("== PyTorch prune peer: torch not importable:", e)
    sys.exit(0)


def timed(fn, warm=2, reps=7):
    for _ in range(warm):
        fn()
    out = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        out.append(a.elapsed_time(b))
    return statistics.median(out)


def main():
    if not torch.cuda.is_available():
        print("== PyTorch prune peer: no CUDA device")
        return
    params = int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000_000
    tensors = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    per = params // tensors
    dev = "cuda"
    rows = ["device: " + torch.cuda.get_device_name(0) + ", torch " + torch.__version__]
    g0 = torch.Generator(device=dev).manual_seed(1)
    w0 = [torch.rand(per, device=dev, generator=g0) * 2 - 1 for _ in range(tensors)]
    grads = [(torch.rand(per, device=dev, generator=g0) * 2 - 1) * 1e-3 for _ in range(tensors)]

    copy_dst = [torch.empty_like(t) for t in w0]
    ms = timed(lambda: [d.copy_(s) for d, s in zip(copy_dst, w0)])
    copy_gbs = 2 * 4 * per * tensors / (ms * 1e6)
    rows.append(f"{'D2D copy floor':44s} {ms:10.3f} ms {copy_gbs:8.1f} GB/s")

    mods = []
    for t in range(tensors):
        m = torch.nn.Module()
        m.weight = torch.nn.Parameter(w0[t].clone())
        mods.append(m)

    def prune_step():
        for m, s in zip(mods, w0):  # restore dense weights (removes the previous reparametrisation)
            if hasattr(m, "weight_orig"):
                prune.remove(m, "weight")
            m.weight.data.copy_(s)
        scores = {(m, "weight"): (m.weight.detach() * g).abs() for m, g in zip(mods, grads)}
        prune.global_unstructured(list(scores.keys()), pruning_method=prune.L1Unstructured, amount=0.9,
                                  importance_scores=scores)

    ms = timed(prune_step, warm=1, reps=3)
    total = per * tensors
    kept = total - round(0.9 * total)
    bytes_ = 4 * total * 2 + total + 4 * (total - kept)
    gbs = bytes_ / (ms * 1e6)
    rows.append(f"{'torch global_unstructured |w*g| 90%':44s} {ms:10.3f} ms {gbs:8.1f} GB/s"
                f" {100 * gbs / copy_gbs:5.1f}% of floor"
                " (incl. weight restore)")

    ps = [torch.nn.Parameter(torch.empty(0, device=dev)) for _ in range(tensors)]
    for p, g in zip(ps, grads):
        p.grad = g
    ms = timed(lambda: torch.nn.utils.clip_grad_norm_(ps, 1e9, foreach=True))
    gbs = 4 * total / (ms * 1e6)
    rows.append(f"{'clip_grad_norm_ foreach (' + str(tensors) + ')':44s} {ms:10.3f} ms {gbs:8.1f} GB/s"
                f" {100 * gbs / copy_gbs:5.1f}% of floor")
    del w0, grads, mods, ps, copy_dst
    torch.cuda.empty_cache()

    dim = 4096
    for sp in (0.7, 0.9, 0.95, 0.99):
        w = torch.rand(dim, dim, device=dev, generator=g0) * 2 - 1
        w[torch.rand(dim, dim, device=dev, generator=g0) < sp] = 0
        wc = w.to_sparse_csr()
        for n in (1, 8, 64, 256):
            x = torch.rand(n, dim, device=dev, generator=g0)
            xt = x.t().contiguous()
            dense = timed(lambda: x @ w.t())
            sparse = timed(lambda: wc @ xt)
            rows.append(f"sparse {dim}x{dim} {100 * sp:4.0f}% batch {n:3d}: torch.sparse CSR {sparse:8.4f} ms"
                        f"  dense {dense:8.4f} ms")
    print("== PyTorch prune peer")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
