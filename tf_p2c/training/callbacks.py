"""Periodic work of a training run: progress bar, TensorBoard, sample grids.

Each callback has `on_train_begin(trainer, start_step)`, `on_step_end(step, logs)` (logs: float
loss terms) and `on_train_end(step)`; `tf_p2c.training.loop.train` calls them on the chief.
"""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf

__all__ = ["Callback", "ProgressCallback", "SampleGridCallback", "TensorBoardCallback",
           "colorize_heatmap", "render_sample_grid", "translate_for_grid"]

# Losses shown on the progress bar (every term goes to TensorBoard).
PROGRESS_KEYS = ("D_loss", "G_loss", "G_cam_loss_A", "G_recon_loss_A", "G_id_loss_A")


class Callback:
    def on_train_begin(self, trainer, start_step: int) -> None:
        pass

    def on_step_end(self, step: int, logs: dict) -> None:
        pass

    def on_train_end(self, step: int) -> None:
        pass


def colorize_heatmap(heatmap: np.ndarray, size: int) -> np.ndarray:
    """(h, w) or (h, w, 1) attention map -> (size, size, 3) float in [0, 1], jet colormap.

    As the original's `cam()`: shifted to 0, divided by its max, resized to the image size.
    """
    x = np.asarray(heatmap, np.float32).reshape(heatmap.shape[0], heatmap.shape[1])
    x = x - x.min()
    x = x / max(float(x.max()), 1e-12)
    x = tf.image.resize(x[..., None], (size, size), method="bilinear").numpy()[..., 0]
    channels = [np.clip(1.5 - np.abs(4.0 * x - c), 0.0, 1.0) for c in (3.0, 2.0, 1.0)]
    return np.stack(channels, axis=-1)


def _to_unit(image):
    return (np.clip(np.asarray(image, np.float32), -1.0, 1.0) + 1.0) / 2.0


def translate_for_grid(gen_src2dst, gen_dst2src, real) -> dict:
    """Images of one direction's grid rows (NHWC [-1, 1] arrays and heatmaps)."""
    identity, _, identity_heatmap = gen_dst2src(real, training=False)
    fake, _, fake_heatmap = gen_src2dst(real, training=False)
    cycle, _, cycle_heatmap = gen_dst2src(fake, training=False)
    out = {"real": real, "identity": identity, "identity_heatmap": identity_heatmap, "fake": fake,
               "fake_heatmap": fake_heatmap, "cycle": cycle, "cycle_heatmap": cycle_heatmap}
    return {k: np.asarray(v) for k, v in out.items()}


def render_sample_grid(*directions: dict) -> np.ndarray:
    """The original's sample sheet: one column per image, rows real, heatmap, identity, heatmap,
    translation, heatmap, cycle; one block per direction (A->B, then B->A) side by side.

    Args:
        *directions: dicts from `translate_for_grid`.

    Returns:
        uint8 (7 H, sum of columns * W, 3).
    """
    rows_order = ("real", "identity_heatmap", "identity", "fake_heatmap", "fake", "cycle_heatmap", "cycle")
    columns = []
    for rows in directions:
        size = rows["real"].shape[1]
        for i in range(rows["real"].shape[0]):
            cells = []
            for name in rows_order:
                value = rows[name][i]
                cells.append(colorize_heatmap(value, size) if name.endswith("heatmap") else _to_unit(value))
            columns.append(np.concatenate(cells, axis=0))
    return (np.concatenate(columns, axis=1) * 255.0 + 0.5).astype(np.uint8)


class ProgressCallback(Callback):
    """A `keras.utils.Progbar` with the main losses and the ETA."""

    def __init__(self, total_steps: int):
        self.total_steps = total_steps
        self.bar = None

    def on_train_begin(self, trainer, start_step):
        import keras

        self.bar = keras.utils.Progbar(self.total_steps, stateful_metrics=list(PROGRESS_KEYS))
        self.bar.update(start_step)

    def on_step_end(self, step, logs):
        self.bar.update(step, [(k, logs[k]) for k in PROGRESS_KEYS if k in logs])

    def on_train_end(self, step):
        if step < self.total_steps:  # stopped early: end the bar's line before what follows
            self.bar.update(step, finalize=True)


def _metadata(plugin: str):
    from tensorflow.core.framework import summary_pb2

    return summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin))


def _scalar(name, value, step):
    # tf.summary.scalar lives in the tensorboard package; without it, write the same record
    # (a float32 scalar tagged for the "scalars" plugin) with TensorFlow's own summary op.
    tf.summary.write(name, tf.constant(float(value), tf.float32), step=step, metadata=_metadata("scalars"))


def _image(name, image, step):
    # The "images" plugin format: [width, height, PNG bytes...] as strings.
    h, w = image.shape[:2]
    tensor = tf.stack([tf.constant(str(w)), tf.constant(str(h)), tf.io.encode_png(image)])
    tf.summary.write(name, tensor, step=step, metadata=_metadata("images"))


class TensorBoardCallback(Callback):
    """Scalars (every loss term, the learning rate) each step; sample grids from SampleGridCallback."""

    def __init__(self, log_dir: str):
        self.writer = tf.summary.create_file_writer(log_dir)
        self.trainer = None

    def on_train_begin(self, trainer, start_step):
        self.trainer = trainer

    def on_step_end(self, step, logs):
        with self.writer.as_default(step=step):
            for key, value in logs.items():
                _scalar(f"loss/{key}", value, step)
            _scalar("learning_rate", float(np.asarray(self.trainer.g_optimizer.learning_rate)), step)

    def scalars(self, step, values: dict):
        """Scalars logged by other callbacks (e.g. evaluation scores), flushed at once: they are rare."""
        with self.writer.as_default(step=step):
            for name, value in values.items():
                _scalar(name, value, step)
        self.writer.flush()

    def image(self, step, name, grid):
        with self.writer.as_default(step=step):
            _image(name, grid, step)

    def on_train_end(self, step):
        self.writer.flush()


class SampleGridCallback(Callback):
    """Every `every` steps, renders the sample grid of fixed images to `out_dir/samples_%07d.png`.

    Args:
        real_a, real_b: fixed (N, H, W, 3) batches in [-1, 1] (e.g. from testA / testB).
        out_dir: where PNGs go.
        every: steps between grids (`--print_freq`).
        tensorboard: optional TensorBoardCallback that also receives the grid.
    """

    def __init__(self, real_a, real_b, out_dir: str, every: int, tensorboard=None):
        self.real_a, self.real_b = real_a, real_b
        self.out_dir, self.every, self.tensorboard = out_dir, every, tensorboard
        self.trainer = None
        self.written = []

    def on_train_begin(self, trainer, start_step):
        self.trainer = trainer
        os.makedirs(self.out_dir, exist_ok=True)

    def on_step_end(self, step, logs):
        if step % self.every == 0:
            self.render(step)

    def render(self, step):
        nets = self.trainer.networks
        grid = render_sample_grid(translate_for_grid(nets["genA2B"], nets["genB2A"], self.real_a),
                                  translate_for_grid(nets["genB2A"], nets["genA2B"], self.real_b))
        path = os.path.join(self.out_dir, f"samples_{step:07d}.png")
        tf.io.write_file(path, tf.io.encode_png(grid))
        self.written.append(path)
        if self.tensorboard is not None:
            self.tensorboard.image(step, "samples/A2B_B2A", grid)
        return path
