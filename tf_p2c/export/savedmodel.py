"""Generator -> TensorFlow SavedModel with a `serving_default` signature.

Signature: input `input` (batch, S, S, 3) float32 RGB in [-1, 1] -> dict outputs `image`,
`cam_logit`, `heatmap` (the same contract as the TFLite float models). The batch is fixed
(default 1, as on a phone); the SavedModel written by `export_all` is also what its TFLite
models are converted from, so the graph is traced once for every float TFLite variant.
"""

from __future__ import annotations

import functools
import os


def export_savedmodel(model, path, batch_size: int = 1, uint8_io: bool = False) -> str:
    """Writes `model` as a SavedModel at `path` (a new directory) and returns the path.

    Args:
        model: generator, (B, S, S, 3) float32 in [-1, 1] -> (image, cam_logit, heatmap).
        path: output directory.
        batch_size: static batch of the signature.
        uint8_io: uint8 RGB in and `image` out (see `tflite.serving_model`).
    """
    import keras
    import tensorflow as tf

    from tf_p2c.export.tflite import INPUT_NAME, serving_model

    size = model.input_shape[1]
    wrapper = serving_model(model, uint8_io=uint8_io)
    archive = keras.export.ExportArchive()
    archive.track(wrapper)
    spec = tf.TensorSpec((batch_size, size, size, 3), tf.uint8 if uint8_io else tf.float32, name=INPUT_NAME)
    # The first endpoint is also written as `serving_default`.
    archive.add_endpoint("serve", functools.partial(wrapper.__call__, training=False), [spec])
    archive.write_out(os.fspath(path), verbose=False)
    return os.fspath(path)


def load_savedmodel_runner(path):
    """A callable `f(x: np.ndarray) -> dict of np.ndarray` on the `serving_default` signature."""
    import tensorflow as tf

    loaded = tf.saved_model.load(os.fspath(path))
    signature = loaded.signatures["serving_default"]

    def run(x):
        return {name: value.numpy() for name, value in signature(input=tf.constant(x)).items()}

    run.loaded = loaded  # keeps the variables alive
    return run
