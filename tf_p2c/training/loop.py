"""`train(config)`: the whole training run behind `train_keras.py`."""

from __future__ import annotations

import json
import logging
import math
import os
import re

import numpy as np
import tensorflow as tf

from tf_p2c.atomic_write import save_keras_atomic, write_bytes
from tf_p2c.training.callbacks import (
    ProgressCallback,
    SampleGridCallback,
    TensorBoardCallback,
)
from tf_p2c.interrupt import StopRequest
from tf_p2c.training.checkpoints import (
    CONFIG_NAME,
    STATE_NAME,
    CheckpointMismatchError,
    TrainingCheckpoint,
    UnreadableCheckpointError,
    check_resume_config,
    checkpoint_prefixes,
    find_resume_checkpoint,
    load_run_config,
    restore_networks,
)
from tf_p2c.training.config import TrainConfig
from tf_p2c.training.distribute import is_chief, make_strategy
from tf_p2c.training.trainer import UGATIT

__all__ = ["TrainingDivergedError", "TrainingError", "TrainingInterrupted", "export_generator", "train"]

log = logging.getLogger(__name__)
N_SAMPLES = 3  # images per domain in the sample grid


class TrainingError(RuntimeError):
    """A run that cannot start or go on; the message is one line."""


class TrainingDivergedError(TrainingError):
    """A non-finite loss."""


class TrainingInterrupted(TrainingError):
    """Ctrl-C: the run stopped after a whole step, with a checkpoint of it."""


def _write_atomic(path: str, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def _existing_run(run_dir: str, ckpt_dir: str) -> str | None:
    """What shows that `run_dir` already holds a run (checkpoints, their state file, an
    export), or None. The state file alone is not trusted: it may be lost or garbled."""
    if checkpoint_prefixes(ckpt_dir):
        return "checkpoints"
    if os.path.exists(os.path.join(ckpt_dir, STATE_NAME)):
        return f"checkpoints/{STATE_NAME}"
    if os.path.exists(os.path.join(run_dir, "export", "genA2B.keras")):
        return "export/genA2B.keras"
    return None


def _check_data_dir(path: str) -> None:
    from tf_p2c import image_io

    if not os.path.isdir(path):
        raise TrainingError(f"training folder {path} does not exist (expected DATA_ROOT/DATASET/trainA and trainB)")
    if not image_io.list_images(path) and not any(f.endswith((".tfrecord", ".tfrecords", ".tfrec")) for f in os.listdir(path)):
        raise TrainingError(f"training folder {path} holds no images")


def _fixed_samples(config: TrainConfig):
    from tf_p2c.data.pipeline import make_unpaired_dataset

    folders = []
    for split_test, split_train in (("testA", "trainA"), ("testB", "trainB")):
        test = config.data_dir(split_test)
        try:
            from tf_p2c import image_io

            use_test = os.path.isdir(test) and bool(image_io.list_images(test))
        except OSError:
            use_test = False
        folders.append(test if use_test else config.data_dir(split_train))
    ds = make_unpaired_dataset(folders[0], folders[1], config.model.img_size, batch_size=N_SAMPLES,
                               seed=config.seed, training=False)
    real_a, real_b = next(iter(ds))
    return real_a.numpy(), real_b.numpy()


def _face_id(config: TrainConfig):
    if config.loss_weights.faceid <= 0:
        return None
    if not config.faceid_model:
        raise TrainingError(
            f"--faceid_weight {config.loss_weights.faceid} needs --faceid_model PATH (the original's "
            "model_mobilefacenet.pth); pass it or set --faceid_weight 0")
    from tf_p2c.training.face_id import FaceIdLoss

    try:
        return FaceIdLoss(config.faceid_model)
    except (FileNotFoundError, ValueError) as error:
        raise TrainingError(str(error).splitlines()[0]) from None


def _load_pretrained(trainer: UGATIT, path: str) -> list[str]:
    from tf_p2c.network_files import WeightsError, file_kind, load_networks

    if os.path.isfile(path) and not path.endswith((".index", ".data-00000-of-00001")):
        try:
            if file_kind(path) == "torch":
                return trainer.load_networks_from(load_networks(path, trainer.config.model))
            raise TrainingError(f"--pretrained_weights {path}: expected the original's .pt or one of our checkpoints")
        except (WeightsError, ValueError) as error:
            raise TrainingError(f"--pretrained_weights: {str(error).splitlines()[0]}") from None
    prefix = path.removesuffix(".index")
    try:
        return restore_networks(trainer, prefix)
    except CheckpointMismatchError as error:
        raise TrainingError(f"--pretrained_weights: {error}") from None


def export_generator(trainer: UGATIT, out_dir: str) -> str:
    """Writes `out_dir/genA2B.keras` (float32, for `tf_p2c.load_generator` / export_tflite.py)
    and `out_dir/config.json` (the model config)."""
    from tf_p2c.models import build_generator
    from tf_p2c.training.precision import float32_policy

    os.makedirs(out_dir, exist_ok=True)
    with float32_policy():  # a --mixed_precision run's generator is saved as a float32 model
        model = build_generator(trainer.config.model, name="genA2B")
    model.set_weights([np.asarray(w) for w in trainer.networks["genA2B"].get_weights()])
    path = os.path.join(out_dir, "genA2B.keras")
    save_keras_atomic(model, path)
    _write_atomic(os.path.join(out_dir, CONFIG_NAME), trainer.config.model.to_json())
    return path


def _write_config(config: TrainConfig) -> None:
    os.makedirs(config.run_dir, exist_ok=True)
    _write_atomic(os.path.join(config.run_dir, CONFIG_NAME), config.to_json())


def train(config: TrainConfig, callbacks=None, face_id=None, max_steps: int | None = None) -> dict:
    """Runs (or resumes) a training run; returns a summary dict.

    `max_steps` stops this call after that many steps (a checkpoint is written there), e.g. for
    time-boxed jobs; `--resume` continues the same schedule.

    The run directory `result_dir/dataset` holds config.json, checkpoints/, samples/, logs/
    (TensorBoard) and export/genA2B.keras.

    Raises:
        TrainingError: missing data, missing Face-ID weights, bad pretrained weights.
        CheckpointMismatchError: --resume with flags that contradict the saved run.
        TrainingDivergedError: a NaN/Inf loss (names the step and the last good checkpoint).
        TrainingInterrupted: Ctrl-C; raised after the step in progress and a checkpoint of it.
        UnreadableCheckpointError: --resume where checkpoints exist but none of them reads.

    Nothing of an existing run is written over unless it is resumed: without --resume such a
    run dir is refused, and --resume picks the newest checkpoint that reads (see
    `checkpoints.find_resume_checkpoint`) before anything is written.
    """
    for split in ("trainA", "trainB"):
        _check_data_dir(config.data_dir(split))
    ckpt_dir = os.path.join(config.run_dir, "checkpoints")
    existing = _existing_run(config.run_dir, ckpt_dir)
    resume_from = None
    if config.resume:
        saved = load_run_config(config.run_dir)
        if saved is not None:
            check_resume_config(saved, config)
        try:
            resume_from = find_resume_checkpoint(ckpt_dir)
        except UnreadableCheckpointError as error:
            raise TrainingError(f"--resume: {error}") from None
        if resume_from is None and existing is not None:
            raise TrainingError(f"--resume: {config.run_dir} holds {existing} but no checkpoint to resume from; "
                                "choose another --result_dir")
    elif existing is not None:
        raise TrainingError(f"{config.run_dir} already holds {existing}: pass --resume, or choose another --result_dir")

    if config.mixed_precision:
        import keras

        keras.mixed_precision.set_global_policy("mixed_float16")
    strategy = make_strategy(config.gpu_ids, config.multi_worker)
    if config.batch_size % strategy.num_replicas_in_sync:
        raise TrainingError(f"--batch_size {config.batch_size} is not divisible by the "
                            f"{strategy.num_replicas_in_sync} replicas")
    chief = is_chief(strategy)
    if chief:
        _write_config(config)
    tf.keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        face_id = face_id if face_id is not None else _face_id(config)
    trainer = UGATIT(config, face_id=face_id, strategy=strategy)
    checkpoint = TrainingCheckpoint(trainer, ckpt_dir, seed=config.seed, max_to_keep=config.keep_checkpoints,
                                    chief=chief)
    start = checkpoint.resume_from(resume_from)
    if start == 0 and config.pretrained_weights:
        loaded = _load_pretrained(trainer, config.pretrained_weights)
        fresh = [name for name in trainer.networks if name not in loaded]
        log.info("initialised %s from %s%s", ", ".join(loaded), config.pretrained_weights,
                 f"; {', '.join(fresh)} start fresh" if fresh else "")

    from tf_p2c.data.pipeline import SkipLog, make_unpaired_dataset

    skip_log = SkipLog()
    dataset = make_unpaired_dataset(config.data_dir("trainA"), config.data_dir("trainB"), config.model.img_size,
                                    batch_size=config.batch_size, seed=config.seed, training=True,
                                    skip_steps=start, skip_log=skip_log)
    if strategy.num_replicas_in_sync > 1 or config.multi_worker:
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        dataset = strategy.experimental_distribute_dataset(dataset.with_options(options))
    callbacks = list(callbacks or [])
    if chief:
        tensorboard = TensorBoardCallback(os.path.join(config.run_dir, "logs")) if config.tensorboard else None
        real_a, real_b = _fixed_samples(config)
        defaults = [SampleGridCallback(real_a, real_b, os.path.join(config.run_dir, "samples"),
                                       config.print_freq, tensorboard)]
        if config.eval_freq:
            from tf_p2c.training.model_selection import ModelSelectionError, build_model_selection

            try:  # listed before TensorBoard's callback, whose on_train_end flushes after the final scores
                defaults.append(build_model_selection(config, tensorboard))
            except ModelSelectionError as error:
                raise TrainingError(str(error)) from None
        if tensorboard is not None:
            defaults.append(tensorboard)
        if config.progress:
            defaults.append(ProgressCallback(config.iteration))
        callbacks = defaults + callbacks
    for callback in callbacks:
        callback.on_train_begin(trainer, start)

    step, logs = start, {}
    stop = config.iteration if max_steps is None else min(config.iteration, start + max_steps)
    iterator = iter(dataset)
    saved_step = start
    with StopRequest() as interrupt:
        while step < stop and not interrupt.requested:
            try:
                real_a, real_b = next(iterator)
            except tf.errors.InvalidArgumentError as error:  # the pipeline's checks, e.g. only flat images
                reason = re.search(r"assertion failed: \[([^\]]*)\]", error.message)
                raise TrainingError(f"training data: {reason.group(1) if reason else error.message.splitlines()[0]}") from None
            logs = {k: float(v) for k, v in trainer.train_step(real_a, real_b).items()}
            step += 1
            if not all(math.isfinite(v) for v in logs.values()):
                bad = sorted(k for k, v in logs.items() if not math.isfinite(v))
                raise TrainingDivergedError(
                    f"non-finite loss at step {step} ({', '.join(bad[:4])}); last good checkpoint: "
                    f"{checkpoint.latest or 'none'} (resume from it with a lower --lr)")
            if step % config.save_freq == 0 or step == stop:
                with interrupt.critical():
                    checkpoint.save()
                saved_step = step
            if chief:
                for callback in callbacks:
                    callback.on_step_end(step, logs)
        if interrupt.requested and step < stop:
            with interrupt.critical():
                if step > saved_step:
                    checkpoint.save()
                for callback in callbacks:
                    callback.on_train_end(step)
            raise TrainingInterrupted(
                f"interrupted at step {step} of {config.iteration}; "
                + (f"{checkpoint.latest} holds it, continue with --resume" if checkpoint.latest
                   else "no step completed, nothing saved"))
        with interrupt.critical():
            export_path = export_generator(trainer, os.path.join(config.run_dir, "export")) if chief else None
            for callback in callbacks:
                callback.on_train_end(step)
            skipped_updates = int(trainer.skipped_updates.numpy())
            if skipped_updates:
                log.warning("%d network updates had non-finite gradients and were applied as zero", skipped_updates)
            summary = {"step": step, "start_step": start, "checkpoint": checkpoint.latest, "export": export_path,
                       "skipped_images": skip_log.count, "skipped_updates": skipped_updates, "losses": logs}
            if chief:
                _write_atomic(os.path.join(config.run_dir, "summary.json"), json.dumps(summary, indent=2))
    return summary
