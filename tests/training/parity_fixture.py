"""Loads tests/fixtures/train/step_tiny.npz (written by tests/reference/make_train_fixtures.py)."""

from __future__ import annotations

import os

import numpy as np

from tf_p2c.config import ModelConfig
from tf_p2c.training.config import LossWeights, TrainConfig
from paths import FIXTURES

PATH = os.path.join(FIXTURES, "train", "step_tiny.npz")


def load():
    data = dict(np.load(PATH))
    c = {k.split("/", 1)[1]: v for k, v in data.items() if k.startswith("config/")}
    model = ModelConfig(ngf=int(c["ngf"]), img_size=int(c["img_size"]), light=bool(c["light"]),
                        ndf=int(c["ndf"]), n_layers_global=int(c["n_layers_global"]),
                        n_layers_local=int(c["n_layers_local"]))
    weights = LossWeights(**{k[len("loss_"):]: float(v) for k, v in c.items() if k.startswith("loss_")})
    config = TrainConfig(model=model, loss_weights=weights, lr=float(c["lr"]), iteration=int(c["iteration"]),
                         decay_flag=bool(c["decay_flag"]), weight_decay=float(c["weight_decay"]),
                         batch_size=int(c["batch"]))
    for key in ("input/real_A", "input/real_B"):
        data[key] = data[key].astype(np.float32)
    return config, data


def states(data, lr):
    """(before, after, illcond) as {network: {key: array}}; after rebuilt from the float16 deltas."""
    before = {n: {k: v.astype(np.float32) for k, v in s.items()} for n, s in section(data, "before").items()}
    after = {n: dict(s) for n, s in section(data, "after").items()}
    for network, deltas in section(data, "delta").items():
        for key, delta in deltas.items():
            exact = before[network][key].astype(np.float64) + delta.astype(np.float64) * lr
            after.setdefault(network, {})[key] = exact.astype(np.float32)
    illcond = {}
    for network, masks in section(data, "illcond").items():
        for key, bits in masks.items():
            shape = before[network][key].shape
            size = int(np.prod(shape))
            illcond.setdefault(network, {})[key] = np.unpackbits(bits)[:size].astype(bool).reshape(shape)
    return before, after, illcond


def section(data, prefix):
    """{network: {key: array}} or {term: value} for one prefix (before, after, grad, losses)."""
    out = {}
    for key, value in data.items():
        if not key.startswith(prefix + "/"):
            continue
        rest = key[len(prefix) + 1:]
        if "/" in rest:
            network, name = rest.split("/", 1)
            out.setdefault(network, {})[name] = value
        else:
            out[rest] = value
    return out
