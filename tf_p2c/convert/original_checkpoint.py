"""Writing networks back in the original's checkpoint layout (`photo2cartoon_weights.pt`).

The original's trainer saves `{"genA2B": state_dict, "genB2A": ..., "disGA": ..., ...}` with
`torch.save`. Its state dicts hold tensors the Keras networks have no variable for, and list keys
in the order PyTorch registers modules, so both are restored here:

- every hourglass `ConvBlock` owns a `ConvBlock4` (IN, ReLU, 1x1 conv) that its forward pass
  never uses when input and output widths agree (always, in this generator). Its weight is
  written as zeros: the value cannot change an output, and `load_state_dict(strict=True)` needs
  the key;
- a discriminator registers its CAM head before its `model` trunk, and a spectral-norm layer
  lists `bias` before `weight_orig`, `weight_u`, `weight_v`.
"""

from __future__ import annotations

import re

import numpy as np

from tf_p2c.convert.state_dict import model_state_dict
from tf_p2c.convert.torch_writer import save_torch_checkpoint

__all__ = ["original_state_dict", "save_original_checkpoint"]

_CONV_BLOCK3 = re.compile(r"^(.*\.)ConvBlock3\.3\.weight$")
_SPECTRAL_ORDER = {"bias": 0, "weight_orig": 1, "weight_u": 2, "weight_v": 3}


def _with_unused_conv_blocks(state: dict) -> dict:
    out = {}
    for key, value in state.items():
        out[key] = value
        block = _CONV_BLOCK3.match(key)
        if block:
            first = state[block.group(1) + "ConvBlock1.3.weight"]
            dim_out, dim_in = 2 * first.shape[0], first.shape[1]
            out.setdefault(block.group(1) + "ConvBlock4.2.weight", np.zeros((dim_out, dim_in, 1, 1), np.float32))
    return out


def _discriminator_order(state: dict) -> dict:
    def module(key):
        return key.rpartition(".")[0]

    spectral = {module(k) for k in state if k.endswith(".weight_orig")}
    modules = list(dict.fromkeys(module(k) for k in state))
    modules = [m for m in modules if not m.startswith("model.")] + [m for m in modules if m.startswith("model.")]
    out = {}
    for name in modules:
        keys = [k for k in state if module(k) == name]
        if name in spectral:
            keys.sort(key=lambda k: _SPECTRAL_ORDER.get(k.rpartition(".")[2], len(_SPECTRAL_ORDER)))
        out.update((k, state[k]) for k in keys)
    return out


def original_state_dict(model) -> dict[str, np.ndarray]:
    """A generator's or discriminator's state dict with the original's keys, shapes and order."""
    state = {key: np.asarray(value, np.float32) for key, value in model_state_dict(model).items()}
    if "ConvBlock1.1.weight" in state:
        return _with_unused_conv_blocks(state)
    return _discriminator_order(state)


def save_original_checkpoint(networks: dict, path) -> dict[str, dict[str, np.ndarray]]:
    """Writes `{name: Keras model}` as the original's `.pt`; returns what was written."""
    states = {name: original_state_dict(model) for name, model in networks.items()}
    save_torch_checkpoint(states, path)
    return states
