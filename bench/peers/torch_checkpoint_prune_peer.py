#!/usr/bin/env python3
"""PyTorch peer of `jprune prune --weights W --grads G --criterion taylor --sparsity 0.9` (bench/checkpoint-prune.sh).

What a PyTorch user does with the same files: load the checkpoint and its gradients into memory (the safetensors format
parsed by hand: there is no safetensors package offline), one module per tensor, importance |w*g|,
torch.nn.utils.prune.global_unstructured(L1Unstructured, amount, importance_scores), then write NAME (pruned weights)
and NAME_mask (F32 0/1) in the safetensors format (jprune's masked layout: the same bytes jprune writes), fsync.
Prints the phases' seconds and the peak RSS. With --compare FILE: counts the mask entries that differ from FILE's.

usage: torch_checkpoint_prune_peer.py W.safetensors G.safetensors OUT.safetensors [amount] [--compare OTHER]
"""
import json
import os
import resource
import struct
import sys
import time

try:
    import torch
    import torch.nn.utils.prune as prune
except ImportError as e:  # the peer is optional
    print("== PyTorch checkpoint prune peer: torch not importable:", e)
    sys.exit(0)

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        h = json.loads(f.read(n))
    h.pop("__metadata__", None)
    return h, 8 + n


def load(path):
    """All tensors of a safetensors file, in data order, read into memory (as safetensors.torch.load_file does)."""
    h, start = header(path)
    out = {}
    with open(path, "rb") as f:
        for name, e in sorted(h.items(), key=lambda kv: kv[1]["data_offsets"][0]):
            b, end = e["data_offsets"]
            buf = bytearray(end - b)
            f.seek(start + b)
            f.readinto(buf)
            out[name] = torch.frombuffer(buf, dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
    return out


def write(path, tensors):
    """tensors: list of (name, float32 tensor) written in order as F32, then fsync."""
    entries, off = {}, 0
    for name, t in tensors:
        n = t.numel() * 4
        entries[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + n]}
        off += n
    js = json.dumps(entries, separators=(",", ":")).encode()
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for _, t in tensors:
            f.write(t.detach().contiguous().numpy().data)
        f.flush()
        os.fsync(f.fileno())


def compare(a, b):
    ha, sa = header(a)
    hb, sb = header(b)
    diff = total = 0
    for name, e in ha.items():
        if not name.endswith("_mask"):
            continue
        ea, eb = e["data_offsets"], hb[name]["data_offsets"]
        with open(a, "rb") as fa, open(b, "rb") as fb:
            fa.seek(sa + ea[0])
            fb.seek(sb + eb[0])
            x = torch.frombuffer(bytearray(fa.read(ea[1] - ea[0])), dtype=DTYPES[e["dtype"]]).float()
            y = torch.frombuffer(bytearray(fb.read(eb[1] - eb[0])), dtype=DTYPES[hb[name]["dtype"]]).float()
        diff += int((x != y).sum())
        total += x.numel()
    return diff, total


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    other = sys.argv[sys.argv.index("--compare") + 1] if "--compare" in sys.argv else None
    if other in args:
        args.remove(other)
    w_path, g_path, out_path = args[:3]
    amount = float(args[3]) if len(args) > 3 else 0.9
    t0 = time.perf_counter()
    w, g = load(w_path), load(g_path)
    t1 = time.perf_counter()
    names = [n for n, t in w.items() if n.endswith(".weight") and t.dim() >= 2]
    mods = []
    for n in names:
        m = torch.nn.Module()
        m.weight = torch.nn.Parameter(w[n].float(), requires_grad=False)
        mods.append(m)
    scores = {(m, "weight"): (m.weight.detach() * g[n].float()).abs() for m, n in zip(mods, names)}
    prune.global_unstructured(list(scores.keys()), pruning_method=prune.L1Unstructured, amount=amount,
                              importance_scores=scores)
    del scores
    t2 = time.perf_counter()
    out = []
    for m, n in zip(mods, names):
        out.append((n, m.weight))
        out.append((n + "_mask", m.weight_mask))
    write(out_path, out)
    t3 = time.perf_counter()
    kept = sum(int(m.weight_mask.sum()) for m in mods)
    total = sum(m.weight_mask.numel() for m in mods)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"torch {torch.__version__}: kept {kept} of {total}; read {t1 - t0:.2f} s, prune {t2 - t1:.2f} s,"
          f" write {t3 - t2:.2f} s, total {t3 - t0:.2f} s; peak RSS {rss / 2**30:.2f} GiB")
    if other:
        d, n = compare(out_path, other)
        print(f"masks differing from {other}: {d} of {n}")


if __name__ == "__main__":
    main()
