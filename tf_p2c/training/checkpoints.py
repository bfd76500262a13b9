"""Training checkpoints: networks, both optimizers, the step and the data seed.

A `tf.train.CheckpointManager` writes `ckpt-N.index` / `ckpt-N.data-*` and then rewrites the
small `checkpoint` state file atomically (write to a temporary file, rename), so the latest
checkpoint it names is always complete: a run killed during a save resumes from the previous one.
The data order is reproduced from (seed, step): `make_unpaired_dataset(..., skip_steps=step)`.
"""

from __future__ import annotations

import json
import os
import tempfile

import tensorflow as tf

from tf_p2c.training.config import MODEL_FIELDS_CHECKED_ON_RESUME, TrainConfig

__all__ = [
    "CheckpointMismatchError", "TrainingCheckpoint", "check_resume_config", "load_run_config", "load_run_networks",
]

CONFIG_NAME = "config.json"


class CheckpointMismatchError(ValueError):
    """Flags that contradict the run being resumed; the message is one line."""


def load_run_config(run_dir: str):
    path = os.path.join(run_dir, CONFIG_NAME)
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return TrainConfig.from_dict(json.load(handle))


def check_resume_config(saved: TrainConfig, requested: TrainConfig) -> None:
    """Raises CheckpointMismatchError if the architecture or data seed differ."""
    diffs = [f"{f}={getattr(saved.model, f)} (flags: {getattr(requested.model, f)})"
             for f in MODEL_FIELDS_CHECKED_ON_RESUME if getattr(saved.model, f) != getattr(requested.model, f)]
    if saved.seed != requested.seed:
        diffs.append(f"seed={saved.seed} (flags: {requested.seed}); the data order depends on it")
    if saved.batch_size != requested.batch_size:
        diffs.append(f"batch_size={saved.batch_size} (flags: {requested.batch_size})")
    if diffs:
        raise CheckpointMismatchError(
            f"--resume: the run in {requested.run_dir} was started with " + ", ".join(diffs)
            + "; use the same flags or another --result_dir")


class TrainingCheckpoint:
    """`tf.train.Checkpoint` + `CheckpointManager` over a `UGATIT` trainer.

    Args:
        trainer: the `UGATIT` (networks, optimizers, step).
        directory: where checkpoints go (the run's `checkpoints/`).
        seed: the data seed, stored to check on resume.
        max_to_keep: checkpoints kept.
        chief: False on non-chief multi-worker workers, which write to a private temporary
            directory (every worker must take part in a save; only the chief's copy is kept).
    """

    def __init__(self, trainer, directory: str, seed: int = 0, max_to_keep: int = 3, chief: bool = True):
        self.trainer = trainer
        self.directory = directory
        self.seed = tf.Variable(int(seed), dtype=tf.int64, trainable=False, name="data_seed")
        objects = dict(trainer.networks)
        self.checkpoint = tf.train.Checkpoint(
            **objects, g_optimizer=trainer.g_optimizer, d_optimizer=trainer.d_optimizer,
            step=trainer.step, data_seed=self.seed)
        write_dir = directory if chief else tempfile.mkdtemp(prefix="tf_p2c_worker_ckpt_")
        self.manager = tf.train.CheckpointManager(self.checkpoint, write_dir, max_to_keep=max_to_keep,
                                                  step_counter=trainer.step)

    @property
    def latest(self):
        return self.manager.latest_checkpoint

    def save(self) -> str:
        return self.manager.save(checkpoint_number=int(self.trainer.step.numpy()))

    def restore_latest(self) -> int:
        """Restores the newest complete checkpoint; returns its step (0 when there is none)."""
        path = self.manager.latest_checkpoint
        if path is None:
            return 0
        self.restore(path)
        return int(self.trainer.step.numpy())

    def restore(self, path: str) -> None:
        """Restores everything from `path`; the data seed must equal the one this was built with."""
        expected_seed = int(self.seed.numpy())
        try:
            status = self.checkpoint.restore(path)
            status.assert_existing_objects_matched()
        except (tf.errors.OpError, AssertionError, ValueError) as error:
            first = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
            raise CheckpointMismatchError(f"{path}: cannot restore into this run's networks ({first})") from None
        if int(self.seed.numpy()) != expected_seed:
            raise CheckpointMismatchError(
                f"{path}: saved with data seed {int(self.seed.numpy())}, this run uses --seed {expected_seed}")


def load_run_networks(path: str) -> dict:
    """The six networks of a training run's newest checkpoint (or of one checkpoint prefix).

    Args:
        path: a run directory (holding `config.json` and `checkpoints/`), its `checkpoints/`
            folder, or a checkpoint prefix such as `run/checkpoints/ckpt-1200`.

    Returns:
        dict from `genA2B`, `genB2A`, `disGA`, `disGB`, `disLA`, `disLB` to Keras models, built
        from the run's own `config.json`.
    """
    from tf_p2c.models import build_networks

    prefix = path.removesuffix(".index")
    if os.path.isdir(path):
        prefix = tf.train.latest_checkpoint(path) or tf.train.latest_checkpoint(os.path.join(path, "checkpoints"))
        if prefix is None:
            raise CheckpointMismatchError(f"{path}: no checkpoint in this directory")
    run_dir = os.path.dirname(os.path.dirname(os.path.abspath(prefix)))
    config = load_run_config(run_dir)
    if config is None:
        raise CheckpointMismatchError(f"{prefix}: no {CONFIG_NAME} in {run_dir}, so the architecture is unknown")
    networks = build_networks(config.model)
    try:
        tf.train.Checkpoint(**networks).restore(prefix).expect_partial().assert_existing_objects_matched()
    except (tf.errors.OpError, AssertionError, ValueError) as error:
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        raise CheckpointMismatchError(f"{prefix}: cannot restore the run's networks ({first})") from None
    return networks


def restore_networks(trainer, path: str) -> list[str]:
    """Loads only the networks from one of our checkpoints (a prefix or a run/checkpoint dir)."""
    if os.path.isdir(path):
        latest = tf.train.latest_checkpoint(path) or tf.train.latest_checkpoint(os.path.join(path, "checkpoints"))
        if latest is None:
            raise CheckpointMismatchError(f"{path}: no checkpoint in this directory")
        path = latest
    checkpoint = tf.train.Checkpoint(**trainer.networks)
    try:
        checkpoint.restore(path).expect_partial().assert_existing_objects_matched()
    except (tf.errors.OpError, AssertionError, ValueError) as error:
        first = str(error).strip().splitlines()[0][:200]
        raise CheckpointMismatchError(f"{path}: cannot restore into this run's networks ({first})") from None
    return list(trainer.networks)
