"""Named training recipes: the settings a kind of run needs, on top of the flags' defaults.

A recipe fills in `TrainConfig` fields; any flag the user gives explicitly wins over it.

- ``few_shot``: a style learned from a small set of cartoons (about 100), usually starting from
  released weights (`--pretrained_weights photo2cartoon_weights.pt`). DiffAugment on every
  discriminator input (colour, translation, cutout) keeps the discriminators from memorising the
  few cartoons (docs/learning.md has the measured effect); a shorter schedule, since a
  pretrained start needs far fewer steps than the original's 200k from scratch; and frequent
  checkpoints. Add `--eval_freq 1000 --inception_weights PATH` to keep the best checkpoint by
  KID (the Inception weights cannot be fetched at run time, so the recipe cannot turn it on).
"""

from __future__ import annotations

from typing import Any

__all__ = ["RECIPES", "recipe_fields"]

RECIPES: dict[str, dict[str, Any]] = {
    "few_shot": {
        "diff_augment": "color,translation,cutout",
        "iteration": 20_000,
        "print_freq": 500,
        "save_freq": 1000,
    },
}


def recipe_fields(name: str | None) -> dict[str, Any]:
    """The `TrainConfig` fields of recipe `name` ({} for None)."""
    if name is None:
        return {}
    try:
        return dict(RECIPES[name])
    except KeyError:
        raise ValueError(f"unknown recipe {name!r}; choose one of: {', '.join(sorted(RECIPES))}") from None
