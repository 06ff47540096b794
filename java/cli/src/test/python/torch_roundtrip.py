"""PyTorch <-> jprune round trips, run by TorchRoundTripTest (tag "torch"); docs/PYTORCH.md shows the same lines.

Usage: torch_roundtrip.py --jprune '["java", "-cp", "...", "dev.jprune.cli.Main"]' --work DIR

Builds PyTorch models, saves their state_dicts as safetensors, prunes them with the jprune command line, loads the
results back into PyTorch with strict=True in each layout (masked, torch-prune, plain), and checks that the masks equal
torch.nn.utils.prune.global_unstructured with the same importance scores (|w|: magnitude) and that a forward pass
matches the model PyTorch pruned itself within 1e-5. Exits non-zero with the reason on the first failure.
"""
import argparse
import copy
import json
import os
import subprocess
import sys

import torch
from torch import nn
from torch.nn.utils import prune

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import load_file, save_file  # noqa: E402

TOL = 1e-5


class Failure(Exception):
    pass


def check(ok, what):
    if not ok:
        raise Failure(what)


def jprune(args, work, expect_code=0):
    """Runs the jprune command line; returns its stdout; fails on an unexpected exit code."""
    p = subprocess.run(JPRUNE + args, cwd=work, capture_output=True, text=True, timeout=300)
    if p.returncode != expect_code:
        raise Failure("jprune %s exited %d (expected %d)\nstdout:\n%s\nstderr:\n%s"
                      % (" ".join(args), p.returncode, expect_code, p.stdout, p.stderr))
    return p.stdout + p.stderr


def weighted(model):
    """(module, "weight") of every Linear / Conv2d: what jprune prunes by default."""
    return [(m, "weight") for m in model if isinstance(m, (nn.Linear, nn.Conv2d))]


def torch_reference(model, amount):
    """A copy pruned by PyTorch: global L1 over all weights, importance |w| given explicitly."""
    ref = copy.deepcopy(model)
    params = weighted(ref)
    prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=amount,
                              importance_scores={(m, n): getattr(m, n).detach().abs() for m, n in params})
    return ref


def compare(name, loaded, masks, ref, x):
    """masks: {module index: mask tensor} read back; equal to ref's; same forward output as ref within TOL."""
    for i, m in enumerate(ref):
        if not isinstance(m, (nn.Linear, nn.Conv2d)):
            continue
        want = m.weight_mask
        got = masks[i]
        check(got.shape == want.shape, "%s: mask of layer %d has shape %s, expected %s"
              % (name, i, tuple(got.shape), tuple(want.shape)))
        diff = int((got.to(want.dtype) != want).sum())
        check(diff == 0, "%s: mask of layer %d differs from global_unstructured at %d of %d places"
              % (name, i, diff, want.numel()))
    with torch.no_grad():
        a, b = loaded(x), ref(x)
    err = float((a - b).abs().max())
    check(err <= TOL, "%s: forward differs from the PyTorch-pruned model by %g > %g" % (name, err, TOL))
    print("ok: %s: masks equal global_unstructured, forward max |diff| %.3g" % (name, err))


def state_dict_file(model, path, metadata=None):
    save_file({k: v for k, v in model.state_dict().items()}, path, metadata or {"format": "pt"})


def fresh(build, seed):
    torch.manual_seed(seed)
    return build().eval()


def load_torch_prune(build, path):
    """docs/PYTORCH.md, layout torch-prune: identity-prune the modules the file prunes, then load strictly."""
    sd, _ = load_file(path)
    model = fresh(build, 1234)
    for name in sd:
        if name.endswith("_orig"):
            module, param = name[:-len("_orig")].rsplit(".", 1)
            prune.identity(model.get_submodule(module), param)
    model.load_state_dict(sd, strict=True)
    return model, {i: m.weight_mask for i, m in enumerate(model) if hasattr(m, "weight_mask")}


def load_plain(build, path, masks_path):
    """docs/PYTORCH.md, layout plain: the pruned weights load strictly into the unpruned model; masks beside."""
    sd, _ = load_file(path)
    model = fresh(build, 1234)
    model.load_state_dict(sd, strict=True)
    masks, _ = load_file(masks_path)
    for name, mask in masks.items():
        module, param = name[:-len("_mask")].rsplit(".", 1)
        prune.custom_from_mask(model.get_submodule(module), param, mask)
    return model, {int(k.split(".")[0]): getattr(model[int(k.split(".")[0])], "weight_mask") for k in masks}


def load_masked(build, path):
    """docs/PYTORCH.md, layout masked: not a strict state_dict (the _mask entries); pop them, load, re-apply."""
    sd, _ = load_file(path)
    try:
        fresh(build, 1234).load_state_dict(sd, strict=True)
        raise Failure("a masked-layout file loaded strictly; expected unexpected *_mask keys")
    except RuntimeError as e:
        check("Unexpected key(s)" in str(e) and "weight_mask" in str(e), "masked: unexpected error %s" % e)
    masks = {k[:-len("_mask")]: sd.pop(k) for k in list(sd) if k.endswith("_mask")}
    model = fresh(build, 1234)
    model.load_state_dict(sd, strict=True)
    for name, mask in masks.items():
        module, attr = name.rsplit(".", 1)
        prune.custom_from_mask(model.get_submodule(module), attr, mask)
    return model, {int(k.split(".")[0]): v for k, v in masks.items()}


def mlp():
    # The failing example: names start at "1." because of the Flatten.
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 10))


def convnet():
    return nn.Sequential(nn.Conv2d(1, 4, 3, bias=False), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 10))


CONVNET_FILE = {"name": "convnet", "input": [1, 8, 8], "layers": [
    {"kind": "conv2d", "in": 1, "out": 4, "kernel": 3, "bias": False}, {"kind": "relu"},
    {"kind": "maxpool2d", "kernel": 2}, {"kind": "flatten"}, {"kind": "linear", "in": 36, "out": 10}]}


def prune_args(inp, out, amount, layout, extra=()):
    return ["prune", "--weights", inp, "--criterion", "magnitude", "--scope", "global", "--sparsity", str(amount),
            "--out", out, "--layout", layout, "--device", "cpu"] + list(extra)


def chain_in_three_layouts(work):
    """Sequential(Flatten, Linear, ReLU, ...): no model given, recognised from names "1.", "3.", "5."."""
    model = fresh(mlp, 7)
    state_dict_file(model, "mlp.safetensors")
    amount = 0.8
    ref = torch_reference(model, amount)
    x = torch.randn(5, 1, 8, 8)
    out = jprune(prune_args("mlp.safetensors", "mlp-tp.safetensors", amount, "torch-prune"), work)
    check("a chain of Linear layers" in out, "jprune did not state the recognised chain:\n" + out)
    compare("chain torch-prune", *load_torch_prune(mlp, "mlp-tp.safetensors"), ref, x)
    jprune(prune_args("mlp.safetensors", "mlp-plain.safetensors", amount, "plain",
                      ["--masks-out", "mlp-plain-masks.safetensors"]), work)
    compare("chain plain", *load_plain(mlp, "mlp-plain.safetensors", "mlp-plain-masks.safetensors"), ref, x)
    jprune(prune_args("mlp.safetensors", "mlp-masked.safetensors", amount, "masked"), work)
    compare("chain masked", *load_masked(mlp, "mlp-masked.safetensors"), ref, x)
    return ref


def torch_pruned_state_dict_read_by_jprune(work, ref):
    """A state_dict of a model PyTorch pruned (weight_orig + weight_mask) is read by jprune as layout torch-prune."""
    state_dict_file(ref, "ref-pruned.safetensors")
    out = jprune(prune_args("ref-pruned.safetensors", "again.safetensors", 0.8, "plain",
                            ["--masks-out", "again-masks.safetensors"]), work)
    check("layout torch-prune, 3 masks" in out, "jprune did not say it read layout torch-prune:\n" + out)
    # Its pruned weights are exactly the 80% zeros: pruning them again at 0.8 keeps the same masks.
    compare("torch-pruned file re-pruned", *load_plain(mlp, "again.safetensors", "again-masks.safetensors"), ref,
            torch.randn(3, 1, 8, 8))


def conv_with_model_file(work):
    """A conv net without bias in its first layer, described by a model file."""
    with open(os.path.join(work, "convnet.json"), "w") as f:
        json.dump(CONVNET_FILE, f)
    model = fresh(convnet, 11)
    check("0.bias" not in model.state_dict(), "bias=False has no 0.bias")
    state_dict_file(model, "conv.safetensors")
    ref = torch_reference(model, 0.8)
    jprune(prune_args("conv.safetensors", "conv-tp.safetensors", 0.8, "torch-prune", ["--model", "convnet.json"]), work)
    compare("conv model file torch-prune", *load_torch_prune(convnet, "conv-tp.safetensors"), ref,
            torch.randn(4, 1, 8, 8))
    # Without a model file the conv state_dict's tensors are pruned by name, out of core (every *.weight of 2 or
    # more dimensions): the same masks, loading strictly.
    jprune(prune_args("conv.safetensors", "conv-none.safetensors", 0.8, "plain",
                      ["--masks-out", "conv-none-masks.safetensors"]), work)
    compare("conv by tensor name plain", *load_plain(convnet, "conv-none.safetensors", "conv-none-masks.safetensors"),
            ref, torch.randn(4, 1, 8, 8))


def trained_and_pruned_by_jprune(work):
    """prune with training (Taylor scores) from a model file, saved torch-prune: loads strictly, masks are global."""
    jprune(["prune", "--model", "convnet.json", "--data", "embedded", "--train-limit", "256", "--epochs", "1",
            "--fine-tune-epochs", "1", "--criterion", "taylor", "--sparsity", "0.7", "--schedule", "oneshot",
            "--out-dir", "trained-out", "--save", "trained-tp.safetensors", "--layout", "torch-prune", "--quiet",
            "--device", "cpu"], work, expect_code=2)  # embedded data is 28x28; the model file says 8x8: refused
    small = dict(CONVNET_FILE, input=[1, 28, 28])
    small["layers"] = CONVNET_FILE["layers"][:-1] + [{"kind": "linear", "in": 676, "out": 10}]
    with open(os.path.join(work, "convnet28.json"), "w") as f:
        json.dump(small, f)
    jprune(["prune", "--model", "convnet28.json", "--data", "embedded", "--train-limit", "256", "--epochs", "1",
            "--fine-tune-epochs", "1", "--criterion", "taylor", "--sparsity", "0.7", "--schedule", "oneshot",
            "--out-dir", "trained-out", "--save", "trained-tp.safetensors", "--layout", "torch-prune", "--quiet",
            "--device", "cpu"], work)

    def build():
        return nn.Sequential(nn.Conv2d(1, 4, 3, bias=False), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(676, 10))
    model, masks = load_torch_prune(build, "trained-tp.safetensors")
    total = sum(m.numel() for m in masks.values())
    kept = int(sum(m.sum() for m in masks.values()))
    check(kept == total - round(0.7 * total), "trained: kept %d of %d, expected %d" % (kept, total,
                                                                                     total - round(0.7 * total)))
    for i, m in masks.items():
        orig = model[i].weight_orig  # jprune's pruned values are 0, so orig holds them as 0 too
        check(bool(((orig == 0) | (m == 1)).all()), "trained: layer %d weight_orig nonzero where pruned" % i)
    print("ok: trained + Taylor-pruned by jprune, torch-prune layout loads strictly; kept %d of %d" % (kept, total))


def main():
    global JPRUNE
    ap = argparse.ArgumentParser()
    ap.add_argument("--jprune", required=True, help="the jprune command as a JSON list")
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    JPRUNE = json.loads(a.jprune)
    torch.set_num_threads(1)
    os.makedirs(a.work, exist_ok=True)
    os.chdir(a.work)
    print("torch %s" % torch.__version__)
    try:
        ref = chain_in_three_layouts(a.work)
        torch_pruned_state_dict_read_by_jprune(a.work, ref)
        conv_with_model_file(a.work)
        trained_and_pruned_by_jprune(a.work)
    except Failure as e:
        print("FAILED: %s" % e)
        return 1
    print("all round trips ok")
    return 0


JPRUNE = []

if __name__ == "__main__":
    sys.exit(main())
