#!/usr/bin/env python3
"""Formats the raw lines bench/cpu-speed.sh collected into markdown tables (stdout).
Usage: cpu_speed_table.py DIR CORES   (DIR holds infer.txt, epoch.txt, gemm.txt, serve.txt; any may be missing)."""
import collections
import os
import sys

D, CORES = sys.argv[1], int(sys.argv[2])


def lines(name):
    p = os.path.join(D, name)
    return open(p).read().splitlines() if os.path.exists(p) else []


def fmt(v):
    return "—" if v is None else ("%.0f" % v if v >= 100 else "%.1f" % v)


def ratio(t, j):
    return "—" if t is None or j is None or j == 0 else "%.2f" % (t / j)


def verdict(t, j, target):
    if t is None or j is None:
        return "—"
    return ("met" if t / j >= target else "MISSED") + " (≥ %g)" % target


def row(*cells):
    print("| " + " | ".join(cells) + " |")


def header(*names):
    row(*names)
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(names))) + "|")


# inference: the best (minimum) median over rounds
best = {}
for ln in lines("infer.txt"):
    p = ln.split()
    if len(p) != 6 or p[0] != "RESULT":
        continue
    key = (p[1], p[2], p[3], int(p[4]))
    best[key] = min(best.get(key, float("inf")), float(p[5]))


def get(tool, model, var, b):
    return best.get((tool, model, var, b))


models = list(dict.fromkeys(k[1] for k in best))
batches = sorted({k[3] for k in best})
if best:
    print("## Dense forward, µs per batch (best round's median); Sequential = training engine's forward(x, false)\n")
    header("model", "batch", "torch", "jprune vector", "ratio", "jprune scalar", "ratio", "Sequential (vector)",
           "target ≥ 1.0: vector / scalar")
    for m in models:
        for b in batches:
            t, jv, js = get("torch", m, "dense", b), get("jv", m, "dense", b), get("js", m, "dense", b)
            if t is None and jv is None:
                continue
            row(m, str(b), fmt(t), fmt(jv), ratio(t, jv), fmt(js), ratio(t, js), fmt(get("jv", m, "seq", b)),
                verdict(t, jv, 1.0) + " / " + verdict(t, js, 1.0))
    csr = [v for v in dict.fromkeys(k[2] for k in best) if v.startswith("csr")]
    targets = {("csr0.9", 1): 3.0, ("csr0.9", 64): 1.5, ("csr0.99", 1): 5.0}
    if csr:
        print("\n## Unstructured sparse (CSR) forward, µs per batch; ratio = torch dense / jprune\n")
        header("model", "sparsity", "batch", "torch dense", "torch CSR", "jprune vector", "ratio", "jprune scalar",
               "ratio", "jprune dense (vector)", "target: vector / scalar")
        for m in models:
            for v in csr:
                for b in batches:
                    jv = get("jv", m, v, b)
                    if jv is None:
                        continue
                    t, js, jd = get("torch", m, "dense", b), get("js", m, v, b), get("jv", m, "dense", b)
                    tg = targets.get((v, b))
                    goal = verdict(t, jv, tg) + " / " + verdict(t, js, tg) if tg else "not slower than dense"
                    if jd is not None and jv > jd * 1.1:
                        goal += "; SLOWER than jprune dense"
                    row(m, v[3:], str(b), fmt(t), fmt(get("torch", m, v, b)), fmt(jv), ratio(t, jv), fmt(js),
                        ratio(t, js), fmt(jd), goal)
    if any(k[2] == "shrunk" for k in best):
        print("\n## Structurally shrunk lenet-300-100 (half the hidden neurons: 784-150-50-10), µs per batch\n")
        header("batch", "shrunk (vector)", "shrunk (scalar)", "full dense (vector)", "MACs full/shrunk",
               "time full/shrunk")
        full_macs, half_macs = 784 * 300 + 300 * 100 + 100 * 10, 784 * 150 + 150 * 50 + 50 * 10
        for b in batches:
            s, d = get("jv", "lenet-300-100", "shrunk", b), get("jv", "lenet-300-100", "dense", b)
            row(str(b), fmt(s), fmt(get("js", "lenet-300-100", "shrunk", b)), fmt(d), "%.2f" % (full_macs / half_macs),
                ratio(d, s))

ep = {}
for ln in lines("epoch.txt"):
    p = ln.split()
    if len(p) == 5 and p[0] == "RESULT":
        ep[(p[1], p[2])] = float(p[4])
if ep:
    print("\n## Training epoch (batch 128, SGD momentum), seconds per full epoch; ratio = torch / jprune\n")
    header("model", "torch", "jprune vector", "ratio", "jprune scalar", "ratio", "target: vector / scalar")
    for m, tg in (("lenet-300-100", 2.0), ("lenet-5", 1.0), ("cifar-cnn-b", 1.0)):
        t, jv, js = ep.get(("torch", m)), ep.get(("jv", m)), ep.get(("js", m))
        if t is not None or jv is not None:
            goal = verdict(t, jv, tg) + " / " + verdict(t, js, tg)
            row(m, fmt(t), fmt(jv), ratio(t, jv), fmt(js), ratio(t, js), goal)

g = collections.OrderedDict()
for ln in lines("gemm.txt"):
    p = ln.split()
    if len(p) >= 4 and p[-1] == "GFLOP/s":
        g.setdefault(p[2], {})[p[0]] = float(p[-2])
if g:
    mhz = 0.0
    for ln in open("/proc/cpuinfo"):
        if ln.startswith("cpu MHz"):
            mhz = float(ln.split(":")[1])
            break
    peak = CORES * 2 * 8 * 2 * mhz / 1000
    print("\n## GEMM (dev.jprune.cpu.Gemm, %d threads), GFLOP/s; peak %.0f GFLOP/s = %d cores x 32 flop/cycle"
          " x %.0f MHz\n" % (CORES, peak, CORES, mhz))
    header("op(A),op(B),M,N,K", "vector", "% of peak", "scalar", "% of peak")
    for shape, v in g.items():
        jv, js = v.get("jv"), v.get("js")
        pct = lambda x: "%.0f%%" % (100 * x / peak) if x else "—"
        row(shape, fmt(jv), pct(jv), fmt(js), pct(js))

sv = lines("serve.txt")
if sv:
    print("\n## Serving throughput: calls/s with 1, 2, 4 calling threads (each its own non-forking workspace)\n")
    print("```")
    for ln in sv:
        print(ln.replace("jv SERVE", "vector").replace("js SERVE", "scalar"))
    print("```")
