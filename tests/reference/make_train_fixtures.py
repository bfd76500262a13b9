"""Write the training-step parity fixture ``tests/fixtures/train/step_tiny.npz``.

Run once, from the repository root, with torch installed:

    .venv/bin/python tests/reference/make_train_fixtures.py

The file holds (all float32; images NHWC; tensors in the original's state-dict layout):
- ``config/<field>``: architecture, loss weights, lr, iteration, batch;
- ``input/real_A``, ``input/real_B``: the batch;
- ``before/<network>/<key>``: every network's initial state dict (parameters and spectral-norm
  ``weight_u`` / ``weight_v``), rho / w drawn in [0, 1];
- ``losses/<term>``: every loss term at the initial weights, computed as the trainer's
  ``compute_losses`` does (D terms from the D phase; G terms with the discriminators not updated;
  power iterations run, then u / v restored);
- ``step_losses/<term>``: the terms reported by one full original step (D update, G update, clip);
- the state after that step, per state-dict tensor, as either ``delta/<network>/<key>``
  = (after - before) / lr in float16 (tensors whose every entry moved by at most lr: all
  parameters; quantisation error <= lr * 2**-11) or ``after/<network>/<key>`` in float32 (the
  spectral-norm u / v, which a power iteration moves by more);
- ``illcond/<network>/<key>``: packed bits marking entries whose float32 gradient is not
  trustworthy to its sign (|g64| < 10 |g32 - g64| between this float32 step and a float64 rerun
  of the same step, g = loss gradient + 1e-4 * weight): Adam's first step is lr * sign(g) there,
  so two correct float32 implementations may legitimately move it in opposite directions.

The initial weights are rounded to float16-representable values, so ``before/`` is stored in
float16 without loss (the networks stay ordinary random networks).

ConvBlock's unused ``ConvBlock4`` tensors are left out (they never change and Keras has no
variables for them).
"""

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import randomize_norm_params
from torch_train_reference import UGATITReference

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO_ROOT, "tests", "fixtures", "train", "step_tiny.npz")
# ngf=8: at ngf=4 ConvBlock stages have ONE channel and float32 gradients of the decoder are
# off by ~4% even torch float32 vs float64 (0.4% at ngf=8).
CONFIG = {"ngf": 8, "img_size": 64, "light": True, "ndf": 2, "n_layers_global": 6, "n_layers_local": 5}
WEIGHTS = {"adv": 1.0, "cycle": 50.0, "identity": 10.0, "cam": 1000.0, "faceid": 0.0}
OPTIM = {"lr": 1e-4, "iteration": 10, "decay_flag": True, "weight_decay": 1e-4}
BATCH = 2
SEED = 20
SIZE_LIMIT = 3 * 1024 * 1024


def _state(model):
    return {k: v.detach().double().numpy().copy() for k, v in model.state_dict().items()
            if ".ConvBlock4." not in k}  # unused in the forward pass


def _buffers(ref):
    return [b for net in ref.networks().values() for b in net.buffers()]


def _build(dtype):
    torch.manual_seed(SEED)
    ref = UGATITReference(**CONFIG, weights=WEIGHTS, **OPTIM)
    gen = torch.Generator().manual_seed(SEED + 1)
    randomize_norm_params(ref.genA2B, gen)
    randomize_norm_params(ref.genB2A, gen)
    real_A = torch.rand(BATCH, 3, CONFIG["img_size"], CONFIG["img_size"], generator=gen) * 2 - 1
    real_B = torch.rand(BATCH, 3, CONFIG["img_size"], CONFIG["img_size"], generator=gen) * 2 - 1
    with torch.no_grad():
        for net in ref.networks().values():
            for tensor in list(net.parameters()) + list(net.buffers()):
                tensor.copy_(tensor.half().float())
            net.to(dtype)
    # The optimizers were built on the float32 parameters; .to() keeps the same Parameter objects.
    return ref, real_A.half().to(dtype), real_B.half().to(dtype)


def _run_step(ref, real_A, real_B):
    grads = {}
    step_fns = {"G": ref.G_optim.step, "D": ref.D_optim.step}

    def recording(kind):
        def step():
            for name, net in ref.networks().items():
                if (kind == "G") != name.startswith("gen"):
                    continue
                for key, param in net.named_parameters():
                    if param.grad is not None and ".ConvBlock4." not in key:
                        g = param.grad + OPTIM["weight_decay"] * param
                        grads[(name, key)] = g.detach().double().numpy().copy()
            step_fns[kind]()
        return step

    ref.G_optim.step = recording("G")
    ref.D_optim.step = recording("D")
    return ref.step(real_A, real_B, 1), grads


def main():
    ref, real_A, real_B = _build(torch.float32)
    out = {f"config/{k}": np.asarray(v) for k, v in {**CONFIG, **OPTIM, "batch": BATCH}.items()}
    out.update({f"config/loss_{k}": np.asarray(v) for k, v in WEIGHTS.items()})
    out["input/real_A"] = real_A.permute(0, 2, 3, 1).numpy().astype(np.float16)
    out["input/real_B"] = real_B.permute(0, 2, 3, 1).numpy().astype(np.float16)
    before = {name: _state(net) for name, net in ref.networks().items()}
    for name, state in before.items():
        for key, value in state.items():
            assert np.array_equal(value.astype(np.float16).astype(np.float64), value)
            out[f"before/{name}/{key}"] = value.astype(np.float16)

    # compute_losses semantics: no update, power iterations run and are undone.
    ref.train()
    saved = [b.clone() for b in _buffers(ref)]
    with torch.no_grad():
        terms = {**ref.d_terms(real_A, real_B), **ref.g_terms(real_A, real_B)}
        for buffer, value in zip(_buffers(ref), saved):
            buffer.copy_(value)
    out.update({f"losses/{k}": np.float32(v) for k, v in terms.items()})

    step_terms, grads32 = _run_step(ref, real_A, real_B)
    out.update({f"step_losses/{k}": np.float32(v) for k, v in step_terms.items()})
    lr = OPTIM["lr"]
    for name, net in ref.networks().items():
        for key, value in _state(net).items():
            delta = (value.astype(np.float32) - before[name][key].astype(np.float32)).astype(np.float64)
            if np.max(np.abs(delta)) <= lr * (1 + 1e-3):
                out[f"delta/{name}/{key}"] = (delta / lr).astype(np.float16)
            else:
                out[f"after/{name}/{key}"] = value.astype(np.float32)

    ref64, real_A64, real_B64 = _build(torch.float64)
    _, grads64 = _run_step(ref64, real_A64, real_B64)
    n_ill = n_all = 0
    for (name, key), g32 in grads32.items():
        g64 = grads64[(name, key)]
        ill = np.abs(g64) < 10 * np.abs(g32 - g64)
        n_ill += int(ill.sum())
        n_all += ill.size
        out[f"illcond/{name}/{key}"] = np.packbits(ill.reshape(-1))
    print(f"ill-conditioned gradient entries: {n_ill} of {n_all}")

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    np.savez_compressed(OUT, **out)
    size = os.path.getsize(OUT)
    print(f"wrote {OUT}: {len(out)} arrays, {size / 1e6:.2f} MB")
    if size > SIZE_LIMIT:
        raise SystemExit(f"{OUT} is {size} bytes, over the {SIZE_LIMIT} budget")


if __name__ == "__main__":
    main()
