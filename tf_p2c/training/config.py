"""Typed training options: loss weights and the whole run, saved as the run's config.json."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from tf_p2c.config import ModelConfig, discriminator_fit_problem, get_preset
from tf_p2c.training.diff_augment import parse_policy
from tf_p2c.evaluation.inception import FEATURE_MODELS

__all__ = ["MODEL_FIELDS_CHECKED_ON_RESUME", "LossWeights", "TrainConfig"]

# Resuming with any of these different from the checkpoint's run is an error.
MODEL_FIELDS_CHECKED_ON_RESUME = ("ngf", "img_size", "light", "ndf", "n_layers_global", "n_layers_local")


@dataclasses.dataclass(frozen=True)
class LossWeights:
    """Weights of the generator/discriminator loss terms (the original's defaults)."""

    adv: float = 1.0  # LSGAN terms, both networks (--adv_weight)
    cycle: float = 50.0  # L1(G_BA(G_AB(a)), a) (--cycle_weight)
    identity: float = 10.0  # L1(G_BA(a), a) (--identity_weight)
    cam: float = 1000.0  # generator CAM BCE (--cam_weight)
    faceid: float = 1.0  # 1 - cos(MobileFaceNet(a), MobileFaceNet(G_AB(a))) (--faceid_weight)

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value < 0:
                raise ValueError(f"loss weight {field.name} must be >= 0. Received: {field.name}={value}")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """One training run. Field comments name the train_keras.py flag."""

    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
    loss_weights: LossWeights = dataclasses.field(default_factory=LossWeights)
    dataset: str = "photo2cartoon"  # --dataset: folder name under data_root
    data_root: str = "dataset"  # --data-root: holds DATASET/trainA, trainB, testA, testB
    result_dir: str = "results"  # --result_dir: the run lives in result_dir/dataset
    iteration: int = 200_000  # --iteration: total G+D steps
    batch_size: int = 1  # --batch_size: GLOBAL batch (split across replicas)
    print_freq: int = 1000  # --print_freq: sample grid + TensorBoard images every N steps
    save_freq: int = 1000  # --save_freq: checkpoint every N steps
    decay_flag: bool = True  # --decay_flag: linear LR decay over the second half
    lr: float = 1e-4  # --lr
    weight_decay: float = 1e-4  # --weight_decay: coupled L2 (PyTorch Adam semantics)
    seed: int = 0  # --seed: data order/augmentation and initial weights
    clip_grad_norm: float | None = None  # --clip_grad_norm: cap on each network set's global gradient norm (None = off, as the original)
    diff_augment: str = ""  # --diff_augment: DiffAugment policy before every discriminator, e.g. "color,translation,cutout"
    gpu_ids: tuple | None = None  # --gpu_ids: None = default device, one id, or several (Mirrored)
    multi_worker: bool = False  # --multi_worker: MultiWorkerMirroredStrategy from TF_CONFIG
    resume: bool = False  # --resume: continue from the run's latest checkpoint
    pretrained_weights: str | None = None  # --pretrained_weights: original .pt or our checkpoint
    faceid_model: str | None = None  # --faceid_model (or --faceid_weights): model_mobilefacenet.pth
    mixed_precision: bool = False  # --mixed_precision: mixed_float16 compute, float32 variables
    jit: bool = False  # --jit: XLA-compile the step
    run_eagerly: bool = False  # --run_eagerly: no tf.function (debugging, tiny tests: the graph build takes minutes)
    keep_checkpoints: int = 3  # --keep_checkpoints: CheckpointManager max_to_keep
    tensorboard: bool = True  # --tensorboard: write scalars and images under run/logs
    progress: bool = True  # --progress: progress bar on stderr
    eval_freq: int = 0  # --eval_freq: KID / FID of testA->B every N steps and at the end, best kept (0 = off)
    eval_images: int = 200  # --eval_images: at most this many testA and testB images are scored
    eval_feature_model: str = "inception"  # --eval_feature_model: "inception" or "tiny" (smoke tests only)
    inception_weights: str | None = None  # --inception_weights: local InceptionV3 no-top .h5 (nothing is downloaded)

    def __post_init__(self):
        positive = ("iteration", "batch_size", "print_freq", "save_freq", "keep_checkpoints")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1. Received: {name}={getattr(self, name)}")
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0. Received: lr={self.lr}")
        parse_policy(self.diff_augment)
        if self.clip_grad_norm is not None and self.clip_grad_norm <= 0:
            raise ValueError(f"clip_grad_norm must be > 0 (or unset). Received: clip_grad_norm={self.clip_grad_norm}")
        self._check_evaluation()
        self._check_discriminators_fit()

    def _check_evaluation(self):
        if self.eval_freq < 0:
            raise ValueError(f"--eval_freq must be >= 0 (0 = no evaluation). Received: {self.eval_freq}")
        if self.eval_images < 2:
            raise ValueError(f"--eval_images must be >= 2 (KID and FID need two images). Received: {self.eval_images}")
        if self.eval_feature_model not in FEATURE_MODELS:
            raise ValueError(f"--eval_feature_model must be one of {', '.join(FEATURE_MODELS)}. "
                             f"Received: {self.eval_feature_model!r}")
        if self.eval_freq and self.eval_feature_model == "inception" and not self.inception_weights:
            raise ValueError("--eval_freq with --eval_feature_model inception needs --inception_weights PATH "
                             "(inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5; nothing is downloaded)")

    def _check_discriminators_fit(self):
        # Checked here, not in ModelConfig: generator-only configs (export, inference) may pair
        # a small img_size with the default depths, which only the discriminators cannot take.
        model = self.model
        for which, flag, depth in (("global", "--n_dis", model.n_layers_global),
                                   ("local", "--n_dis_local", model.n_layers_local)):
            problem = discriminator_fit_problem(model.img_size, depth)
            if problem:
                raise ValueError(f"{flag} {depth} is too deep for --img_size {model.img_size}: the {which} "
                                 f"discriminator {problem}; lower {flag} or raise --img_size")

    @property
    def run_dir(self) -> str:
        return os.path.join(self.result_dir, self.dataset)

    def data_dir(self, split: str) -> str:
        return os.path.join(self.data_root, self.dataset, split)

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        if self.gpu_ids is not None:
            out["gpu_ids"] = list(self.gpu_ids)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        values = dict(values)
        # config.json of runs written before the loss weights and the Face-ID file had their own names.
        for old, new in (("weights", "loss_weights"), ("faceid_weights", "faceid_model")):
            if old in values and new not in values:
                values[new] = values.pop(old)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown train config keys: {', '.join(unknown)}")
        if "model" in values:
            values["model"] = ModelConfig.from_dict(values["model"])
        if "loss_weights" in values:
            values["loss_weights"] = LossWeights(**values["loss_weights"])
        if values.get("gpu_ids") is not None:
            values["gpu_ids"] = tuple(values["gpu_ids"])
        return cls(**values)

    @classmethod
    def from_preset(cls, name: str, **changes: Any) -> TrainConfig:
        """The named model preset with training defaults; `smoke` also shrinks the schedule."""
        model = get_preset(name)
        if name == "smoke":
            base = {"iteration": 4, "print_freq": 2, "save_freq": 2}
            base.update(changes)
            changes = base
        return cls(model=model, **changes)
