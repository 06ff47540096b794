#!/usr/bin/env python3
"""CPU PyTorch peer of dev.jprune.bench.CpuInferBench: forward time (µs per batch, median) of the built-in models,
dense, and of the MLPs with torch.sparse CSR weights at given unstructured sparsities.

Same architectures as dev.jprune.models.Models (layer for layer), random weights and inputs (the content does not
change the time of a dense forward; CSR masks are uniform random, like the Java side). torch.inference_mode().
CSR Linear: y = (W_csr @ x^T)^T + b, the way torch.sparse is used for a Linear on CPU.

Usage: python3 bench/peers/torch_cpu_infer_peer.py [--threads N] [--models a,b] [--batches 1,8,64,256]
       [--sparsities 0.9,0.99] [--reps R]
Prints one line per measurement:  RESULT <model> <variant> <batch> <microseconds>
Run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (bench/cpu-speed.sh does)."""
import argparse
import statistics
import time
import torch
import torch.nn as nn


def build(name):
    if name == "mlp-128":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2),
                             nn.Linear(128, 10)), (1, 28, 28)
    if name == "lenet-300-100":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(),
                             nn.Linear(100, 10)), (1, 28, 28)
    if name == "lenet-5":
        return nn.Sequential(nn.Conv2d(1, 20, 5), nn.MaxPool2d(2, 2), nn.Conv2d(20, 50, 5), nn.MaxPool2d(2, 2),
                             nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10)), (1, 28, 28)
    if name == "cifar-cnn-a":
        return nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Conv2d(64, 128, 3, 1, 1),
                             nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(), nn.Linear(8192, 1024), nn.ReLU(),
                             nn.Linear(1024, 10)), (3, 32, 32)
    if name == "cifar-cnn-b":
        return nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                             nn.MaxPool2d(2, 2), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(1024, 64),
                             nn.ReLU(), nn.Linear(64, 10)), (3, 32, 32)
    raise SystemExit("unknown model " + name)


class CsrLinear(nn.Module):
    def __init__(self, lin, sparsity, gen):
        super().__init__()
        w = lin.weight.detach().clone()
        w[torch.rand(w.shape, generator=gen) < sparsity] = 0
        self.w = w.to_sparse_csr()
        self.b = lin.bias.detach().clone()

    def forward(self, x):
        return torch.sparse.mm(self.w, x.t()).t() + self.b


def to_csr(model, sparsity, gen):
    return nn.Sequential(*[CsrLinear(m, sparsity, gen) if isinstance(m, nn.Linear) else m for m in model])


def median_us(fn, x, reps):
    for _ in range(max(3, reps // 4)):
        fn(x)
    t = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        fn(x)
        t.append((time.perf_counter_ns() - t0) / 1e3)
    return statistics.median(t)


def reps_for(model, batch, base):
    per_sample = 20 if model.startswith("cifar-cnn-a") else 4 if model.startswith("cifar") or model == "lenet-5" else 1
    work = batch * per_sample
    return max(5, min(base, int(base * 64 / max(1, work))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--models", default="mlp-128,lenet-300-100,lenet-5,cifar-cnn-a,cifar-cnn-b")
    ap.add_argument("--batches", default="1,8,64,256")
    ap.add_argument("--sparsities", default="0.9,0.99")
    ap.add_argument("--csr-models", default="lenet-300-100")
    ap.add_argument("--reps", type=int, default=200)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(3)
    print("torch %s threads %d" % (torch.__version__, torch.get_num_threads()))
    batches = [int(b) for b in a.batches.split(",")]
    with torch.inference_mode():
        for name in a.models.split(","):
            model, shape = build(name)
            model.eval()
            for b in batches:
                x = torch.rand((b,) + shape)
                print("RESULT %s dense %d %.1f" % (name, b, median_us(model, x, reps_for(name, b, a.reps))), flush=True)
            if name in a.csr_models.split(","):
                for s in [float(v) for v in a.sparsities.split(",") if v]:
                    sm = to_csr(model, s, gen)
                    for b in batches:
                        x = torch.rand((b,) + shape)
                        print("RESULT %s csr%g %d %.1f" % (name, s, b, median_us(sm, x, reps_for(name, b, a.reps))),
                              flush=True)


if __name__ == "__main__":
    main()
