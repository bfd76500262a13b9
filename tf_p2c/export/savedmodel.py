"""Generator -> TensorFlow SavedModel with a `serving_default` signature.

Signature: input `input` (batch, S, S, 3) float32 RGB in [-1, 1] -> dict outputs `image`,
`cam_logit`, `heatmap` (the same contract as the TFLite float models). The batch is fixed
(default 1, as on a phone). Its variables stay variables; the TFLite converters start from a
frozen copy instead (`tflite.write_conversion_source`).
"""

from __future__ import annotations

import os


def export_savedmodel(model, path, batch_size: int = 1, uint8_io: bool = False) -> str:
    """Writes `model` as a SavedModel at `path` (a new directory) and returns the path.

    Args:
        model: generator, (B, S, S, 3) float32 in [-1, 1] -> (image, cam_logit, heatmap).
        path: output directory.
        batch_size: static batch of the signature.
        uint8_io: uint8 RGB in and `image` out (see `tflite.serving_model`).
    """
    from tf_p2c.export.tflite import trace_serving

    traced = trace_serving(model, uint8_io=uint8_io, batch_size=batch_size)
    return save_signature(traced, path)


def save_signature(function, path) -> str:
    """Writes a SavedModel at `path` whose `serving_default` is the concrete `function`, with the
    variables it reads (none once frozen). Returns the path.

    A plain module with the weights and the one endpoint: `keras.export.ExportArchive` also saves
    every Keras layer it reaches, ~3x the time for the same signature. The layers' custom gradients
    are not part of a serving signature, so they are not saved.
    """
    import tensorflow as tf

    module = tf.Module()
    module.weights = list(function.variables)
    options = tf.saved_model.SaveOptions(experimental_custom_gradients=False)
    tf.saved_model.save(module, os.fspath(path), signatures={"serving_default": function}, options=options)
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
