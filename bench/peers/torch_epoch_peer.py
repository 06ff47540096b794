#!/usr/bin/env python3
"""PyTorch eager peer of dev.jprune.bench.gpu.GpuEpochBench: one epoch of lenet-300-100
(nn.Sequential(Linear(784,300), ReLU(), Linear(300,100), ReLU(), Linear(100,10))), SGD lr 0.05 momentum 0.9,
batch 128, over 60,000 images already on the GPU (random data of MNIST's shape: the content does not change the
time), shuffled per epoch like jprune's trainer. Timed with CUDA events around the epoch; 1 warm-up, median of the rest.
Usage: python3 bench/peers/torch_epoch_peer.py [epochs]"""
import sys
import statistics
import torch

def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.manual_seed(1)
    n, bs = 60000, 128
    x = torch.randn(n, 784, device=dev)
    y = torch.randint(0, 10, (n,), device=dev)
    model = torch.nn.Sequential(torch.nn.Linear(784, 300), torch.nn.ReLU(), torch.nn.Linear(300, 100), torch.nn.ReLU(),
                                torch.nn.Linear(100, 10)).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for e in range(epochs):
        perm = torch.randperm(n, device=dev)
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        losses = []
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            losses.append(loss.detach())
        end.record()
        torch.cuda.synchronize()
        ms = start.elapsed_time(end)
        times.append(ms / 1000)
        print("epoch %d: %.3f s  %.0f samples/s  loss %.4f"
              % (e, ms / 1000, n / (ms / 1000), torch.stack(losses).mean().item()))
    med = statistics.median(times[1:])
    print("RESULT torch eager lenet-300-100 epoch (60000 images, batch 128) on %s: median %.3f s = %.0f samples/s"
          % (torch.cuda.get_device_name(), med, n / med))

if __name__ == "__main__":
    main()
