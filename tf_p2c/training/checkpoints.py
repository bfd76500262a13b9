"""Training checkpoints: networks, both optimizers, the step and the data seed.

A `tf.train.CheckpointManager` writes `ckpt-N.index` / `ckpt-N.data-*` and then rewrites the
small `checkpoint` state file atomically (write to a temporary file, rename), so the latest
checkpoint it names is always complete: a run killed during a save resumes from the previous one.
The data order is reproduced from (seed, step): `make_unpaired_dataset(..., skip_steps=step)`.

Resuming does not trust the state file alone: `find_resume_checkpoint` looks at the
`ckpt-N.index` files themselves and takes the newest one whose every tensor reads, so a lost or
garbled state file or a truncated newest checkpoint falls back (with a warning) instead of
silently restarting from step 0 over the run.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile

import tensorflow as tf

from tf_p2c.atomic_write import write_bytes
from tf_p2c.training.config import MODEL_FIELDS_CHECKED_ON_RESUME, TrainConfig

__all__ = ["CheckpointMismatchError", "TrainingCheckpoint", "UnreadableCheckpointError", "check_resume_config",
           "checkpoint_prefixes", "find_resume_checkpoint", "load_run_config", "load_run_networks"]

CONFIG_NAME = "config.json"
STATE_NAME = "checkpoint"  # tf.train.CheckpointManager's state file
_INDEX = re.compile(r"^ckpt-(\d+)\.index$")

log = logging.getLogger(__name__)


class CheckpointMismatchError(ValueError):
    """Flags that contradict the run being resumed, or a run without the config.json that says
    what its checkpoints hold; the message is one line."""


class UnreadableCheckpointError(ValueError):
    """A run whose checkpoints exist but none of which reads; the message is one line."""


def checkpoint_prefixes(directory: str) -> list[str]:
    """The `ckpt-N` prefixes that have an index file in `directory`, newest (highest N) first."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    numbered = [(int(m.group(1)), name[: -len(".index")]) for name in names if (m := _INDEX.match(name))]
    return [os.path.join(directory, prefix) for _, prefix in sorted(numbered, reverse=True)]


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


class _QuietTensorFlowLog:
    """Holds back TensorFlow's Python warnings (its own report of a garbled state file)."""

    def __enter__(self):
        self.logger = logging.getLogger("tensorflow")
        self.level = self.logger.level
        self.logger.setLevel(logging.ERROR)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)


def _state_problem(directory: str) -> str | None:
    """Why the state file cannot be trusted ("missing", "not a checkpoint state file"), or None."""
    if not os.path.exists(os.path.join(directory, STATE_NAME)):
        return "missing"
    try:
        with _QuietTensorFlowLog():
            state = tf.train.get_checkpoint_state(directory)
    except Exception as error:  # noqa: BLE001 (bad UTF-8, an unreadable file)
        return f"unreadable ({_first_line(error)})"
    if state is None or not state.model_checkpoint_path:
        return "not a checkpoint state file"
    return None


def _write_state(directory: str, latest: str, all_paths: list[str]) -> None:
    """Writes the manager's state file naming `latest`, atomically."""
    lines = [f'model_checkpoint_path: "{os.path.basename(latest)}"']
    lines += [f'all_model_checkpoint_paths: "{os.path.basename(p)}"' for p in all_paths]
    # With timestamps the manager counts these towards max_to_keep (without, it keeps them forever).
    lines += [f"all_model_checkpoint_timestamps: {os.path.getmtime(p + '.index')}" for p in all_paths]
    path = os.path.join(directory, STATE_NAME)
    write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


def _unreadable(prefix: str) -> str | None:
    """None when every tensor of checkpoint `prefix` reads back, else why not."""
    try:
        reader = tf.train.load_checkpoint(prefix)
        for key in reader.get_variable_to_shape_map():
            reader.get_tensor(key)
    except Exception as error:  # noqa: BLE001 (truncation shows as IndexError, DataLossError, ...)
        return _first_line(error)
    return None


def find_resume_checkpoint(directory: str) -> str | None:
    """The newest `ckpt-N` prefix in `directory` that reads completely; None when there is none.

    Warns when it passes over unreadable newer checkpoints or a missing / garbled state file.

    Raises:
        UnreadableCheckpointError: checkpoint files exist (or the state file does) but none reads.
    """
    prefixes = checkpoint_prefixes(directory)
    state = os.path.join(directory, STATE_NAME)
    problem = _state_problem(directory)
    if not prefixes:
        if problem == "missing":
            return None
        raise UnreadableCheckpointError(
            f"{state} is {problem or 'there'} but {directory} holds no ckpt-N.index file to resume from; "
            "move the folder away or choose another --result_dir")
    skipped = []
    for prefix in prefixes:
        reason = _unreadable(prefix)
        if reason is None:
            break
        skipped.append(f"{os.path.basename(prefix)} ({reason})")
    else:
        state_note = f"; {state} is {problem}" if problem else ""
        raise UnreadableCheckpointError(
            f"no checkpoint in {directory} reads: {'; '.join(skipped)}{state_note}")
    if problem:
        log.warning("%s is %s; resuming from %s, the newest checkpoint that reads", state, problem,
                    os.path.basename(prefix))
    for note in skipped:
        log.warning("skipping unreadable checkpoint %s; resuming from %s", note, os.path.basename(prefix))
    return prefix


def load_run_config(run_dir: str) -> TrainConfig | None:
    """The `TrainConfig` a run saved in `run_dir/config.json`; None for a run not yet started
    (neither that file nor checkpoints).

    The file is what says which architecture, data seed and batch size the checkpoints hold, so
    checkpoints without it cannot be resumed or loaded safely.

    Raises:
        CheckpointMismatchError: `run_dir/checkpoints` holds checkpoints but config.json is
            missing, or config.json does not read as a run's config.
    """
    path = os.path.join(run_dir, CONFIG_NAME)
    if not os.path.exists(path):
        held = checkpoint_prefixes(os.path.join(run_dir, "checkpoints"))
        if held:
            raise CheckpointMismatchError(
                f"{path} is missing: it records the architecture, data seed and batch size that "
                f"{os.path.basename(held[0])} was trained with; put it back or choose another --result_dir")
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            return TrainConfig.from_dict(json.load(handle))
    except (OSError, ValueError, TypeError, AttributeError) as error:  # bad JSON, wrong keys or types
        raise CheckpointMismatchError(f"{path}: not a readable run config ({_first_line(error)})") from None


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
        self.chief, self.max_to_keep = chief, max_to_keep
        self.seed = tf.Variable(int(seed), dtype=tf.int64, trainable=False, name="data_seed")
        objects = dict(trainer.networks)
        if trainer.augment is not None:  # DiffAugment's draws continue on resume
            objects["diff_augment_rng"] = trainer.augment.rng
        self.checkpoint = tf.train.Checkpoint(
            **objects, g_optimizer=trainer.g_optimizer, d_optimizer=trainer.d_optimizer,
            step=trainer.step, data_seed=self.seed)
        write_dir = directory if chief else tempfile.mkdtemp(prefix="tf_p2c_worker_ckpt_")
        with _QuietTensorFlowLog():  # a garbled state file is reported by find_resume_checkpoint
            self.manager = tf.train.CheckpointManager(self.checkpoint, write_dir, max_to_keep=max_to_keep,
                                                      step_counter=trainer.step)

    @property
    def latest(self):
        return self.manager.latest_checkpoint

    def save(self) -> str:
        return self.manager.save(checkpoint_number=int(self.trainer.step.numpy()))

    def restore_latest(self) -> int:
        """Restores the newest checkpoint that reads (see `find_resume_checkpoint`); returns its
        step (0 when there is none)."""
        return self.resume_from(find_resume_checkpoint(self.directory))

    def resume_from(self, path: str | None) -> int:
        """Restores `path` (None: nothing, step 0) and makes it the manager's latest, so that
        later saves and their clean-up continue from it; returns the step."""
        if path is None:
            return 0
        self.restore(path)
        if self.chief and self.manager.latest_checkpoint != path:
            # The state file was missing, garbled or named a broken checkpoint: write one that
            # names `path` and the older ones (which later saves then rotate out) and re-read it.
            older = [p for p in reversed(checkpoint_prefixes(self.directory))
                     if int(p.rsplit("-", 1)[1]) <= int(path.rsplit("-", 1)[1])]
            _write_state(self.directory, path, older)
            self.manager = tf.train.CheckpointManager(self.checkpoint, self.directory,
                                                      max_to_keep=self.max_to_keep,
                                                      step_counter=self.trainer.step)
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


def _checkpoint_prefix(path: str) -> str:
    """A checkpoint prefix from a prefix, a `.index` file, a checkpoints folder or a run folder."""
    if not os.path.isdir(path):
        return path.removesuffix(".index")
    folder = path if checkpoint_prefixes(path) else os.path.join(path, "checkpoints")
    prefix = find_resume_checkpoint(folder) if os.path.isdir(folder) else None
    if prefix is None:
        raise CheckpointMismatchError(f"{path}: no checkpoint in this directory")
    return prefix


def _restore_networks(networks: dict, prefix: str) -> None:
    try:
        tf.train.Checkpoint(**networks).restore(prefix).expect_partial().assert_existing_objects_matched()
    except (tf.errors.OpError, AssertionError, ValueError) as error:
        raise CheckpointMismatchError(f"{prefix}: cannot restore the networks ({_first_line(error)})") from None


def load_run_networks(path: str) -> dict:
    """The six networks of a training run's newest readable checkpoint (or of one checkpoint prefix).

    Args:
        path: a run directory (holding `config.json` and `checkpoints/`), its `checkpoints/`
            folder, or a checkpoint prefix such as `run/checkpoints/ckpt-1200`.

    Returns:
        dict from `genA2B`, `genB2A`, `disGA`, `disGB`, `disLA`, `disLB` to Keras models, built
        from the run's own `config.json`.
    """
    from tf_p2c.models import build_networks

    prefix = _checkpoint_prefix(path)
    run_dir = os.path.dirname(os.path.dirname(os.path.abspath(prefix)))
    config = load_run_config(run_dir)
    if config is None:
        raise CheckpointMismatchError(f"{prefix}: no {CONFIG_NAME} in {run_dir}, so the architecture is unknown")
    networks = build_networks(config.model)
    _restore_networks(networks, prefix)
    return networks


def restore_networks(trainer, path: str) -> list[str]:
    """Loads only the networks from one of our checkpoints (a prefix or a run/checkpoint dir)."""
    _restore_networks(trainer.networks, _checkpoint_prefix(path))
    return list(trainer.networks)
