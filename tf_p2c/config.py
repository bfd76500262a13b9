"""Typed configuration of the networks, with named presets.

The model config is the single source of truth for the architecture: it is saved beside every run
and every exported file, and weight import checks checkpoints against it.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Architecture of the photo2cartoon generator and discriminators.

    Args:
        ngf: base channel count of the generator (32 in the released model).
        img_size: square input side; must be a multiple of 16 (each hourglass pools four times).
        light: `True` pools the attention map before the style MLP (the released model);
            `False` flattens it, which ties the generator to `img_size`.
        ndf: base channel count of the discriminators (`--ch` of the original trainer).
        n_layers_global: depth of the global discriminator.
        n_layers_local: depth of the local discriminator.
    """

    ngf: int = 32
    img_size: int = 256
    light: bool = True
    ndf: int = 32
    n_layers_global: int = 7
    n_layers_local: int = 5

    def __post_init__(self):
        if self.ngf < 4 or self.ngf % 4:
            # ConvBlock splits its channels into halves and quarters.
            raise ValueError(f"ngf must be a positive multiple of 4. Received: ngf={self.ngf}")
        if self.ndf < 1:
            raise ValueError(f"ndf must be positive. Received: ndf={self.ndf}")
        # Each hourglass halves the side four times and reflection-pads the result: 32 is the least.
        if self.img_size < 32 or self.img_size % 16:
            raise ValueError(
                f"img_size must be a multiple of 16 and at least 32. Received: img_size={self.img_size}"
            )
        for field in ("n_layers_global", "n_layers_local"):
            if getattr(self, field) < 3:
                raise ValueError(f"{field} must be at least 3. Received: {field}={getattr(self, field)}")

    def replace(self, **changes: Any) -> "ModelConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "ModelConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown model config keys: {', '.join(unknown)}")
        return cls(**values)


PRESETS: dict[str, ModelConfig] = {
    # The released photo2cartoon model.
    "photo2cartoon": ModelConfig(),
    # Small enough for unit tests and CI smoke runs. At 64 px a 7-layer global discriminator
    # ends on a map too small for its last 4x4 convolution; 6 is the deepest that fits.
    "smoke": ModelConfig(ngf=8, img_size=64, ndf=8, n_layers_global=6),
}


def get_preset(name: str) -> ModelConfig:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(sorted(PRESETS))}") from None
