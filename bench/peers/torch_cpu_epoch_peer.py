#!/usr/bin/env python3
"""CPU PyTorch peer of dev.jprune.bench.EpochBench: wall time of training epochs (forward, cross-entropy, backward,
SGD momentum 0.9 step) of the built-in models at batch 128, eager mode, oneDNN/OpenBLAS as Debian builds them.

Data: MNIST-shaped [60000, 1, 28, 28] for lenet-300-100 / lenet-5 (Fashion-MNIST from
/usr/share/datasets/fashion-mnist when present, else random of the same shape: the content does not change the time),
CIFAR-shaped random [50000, 3, 32, 32] for the CIFAR models. Shuffled per epoch like jprune's trainer.
Usage: python3 bench/peers/torch_cpu_epoch_peer.py [--threads 2] [--models lenet-5,cifar-cnn-b] [--epochs 3]
       [--images N]   (N < 60000 times a prefix and scales the result to a full epoch)
Prints per model: RESULT <model> epoch <seconds> (median after one warm-up epoch, scaled to the full data set)."""
import argparse
import gzip
import os
import statistics
import struct
import time
import torch
import torch.nn as nn

import importlib.util
_spec = importlib.util.spec_from_file_location(
    "infer_peer", os.path.join(os.path.dirname(__file__), "torch_cpu_infer_peer.py"))
_infer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_infer)


def fashion(n):
    path = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
    if not os.path.exists(path):
        return torch.rand(n, 1, 28, 28), torch.randint(0, 10, (n,))
    with gzip.open(path, "rb") as f:
        _, count, rows, cols = struct.unpack(">IIII", f.read(16))
        raw = bytearray(f.read(count * rows * cols))
        x = torch.frombuffer(raw, dtype=torch.uint8).float().view(count, 1, rows, cols)
    with gzip.open(path.replace("images-idx3", "labels-idx1"), "rb") as f:
        f.read(8)
        y = torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).long()
    x = (x / 255.0 - 0.2860) / 0.3530
    return x[:n].contiguous(), y[:n].contiguous()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--models", default="lenet-300-100,lenet-5,cifar-cnn-b")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--images", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    print("torch %s threads %d" % (torch.__version__, torch.get_num_threads()))
    for name in a.models.split(","):
        model, shape = _infer.build(name)
        full = 50000 if name.startswith("cifar") else 60000
        n = min(full, a.images) if a.images > 0 else full
        if shape == (1, 28, 28):
            x, y = fashion(n)
        else:
            x, y = torch.rand((n,) + shape), torch.randint(0, 10, (n,))
        lr = 0.05 if not name.startswith("cifar") else 0.01
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()
        model.train()
        times = []
        for e in range(a.epochs):
            perm = torch.randperm(n)
            t0 = time.perf_counter()
            for i in range(0, n, a.batch):
                idx = perm[i:i + a.batch]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                opt.step()
            times.append((time.perf_counter() - t0) * full / n)
            print("%s epoch %d: %.2f s (scaled to %d images)" % (name, e, times[-1], full), flush=True)
        print("RESULT %s epoch %.3f" % (name, statistics.median(times[1:]) if len(times) > 1 else times[0]), flush=True)


if __name__ == "__main__":
    main()
