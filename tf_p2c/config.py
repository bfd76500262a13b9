"""Typed configuration of the networks, with named presets.

The model config is the single source of truth for the architecture: it is saved beside every run
and every exported file, and weight import checks checkpoints against it.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any


def check_img_size(img_size) -> None:
    """The one rule for a generator's input side, for every command that takes one.

    Raises:
        ValueError: not an integer multiple of 16 of at least 32.
    """
    # Each hourglass halves the side four times and reflection-pads the result: 32 is the least.
    if int(img_size) != img_size or img_size < 32 or img_size % 16:
        raise ValueError(f"img_size must be a multiple of 16 and at least 32. Received: img_size={img_size}")


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
        check_img_size(self.img_size)
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


# The discriminator's geometry lives here, free of Keras, so flags are checked before TensorFlow loads.
def final_map_side(img_size: int, n_layers: int) -> int:
    """Side of the logit map a discriminator of depth `n_layers` makes from `img_size` images,
    or 0 when a layer gets a map too small for it (reflection padding needs a side of 2, the
    4x4 convolutions a padded side of 4)."""
    side = img_size
    n_stride2 = n_layers - 2
    for i in range(n_stride2 + 2):  # the stride-2 convs, the stride-1 conv, the final conv
        if side < 2:
            return 0
        stride = 2 if i < n_stride2 else 1
        side = (side + 2 - 4) // stride + 1
    return max(side, 0)


def discriminator_fit_problem(img_size: int, n_layers: int) -> str | None:
    """None when images of `img_size` suit a discriminator of depth `n_layers`, else what to
    change: "needs images of at least 96 px (at 64 px the deepest that fits has 6 layers)"."""
    if final_map_side(img_size, n_layers) >= 1:
        return None
    deepest = max((n for n in range(3, n_layers) if final_map_side(img_size, n) >= 1), default=None)
    least = img_size
    while final_map_side(least, n_layers) < 1:
        least += 16  # image sides are multiples of 16
    return (f"needs images of at least {least} px"
            + (f" (at {img_size} px the deepest that fits has {deepest} layers)" if deepest else ""))


def check_discriminator_fits(img_size: int, n_layers: int) -> None:
    """Raises a one-line ValueError when `img_size` is too small for `n_layers` layers."""
    problem = discriminator_fit_problem(img_size, n_layers)
    if problem:
        raise ValueError(f"a {n_layers}-layer discriminator {problem}; got img_size={img_size}")

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
