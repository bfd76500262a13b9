"""Feature extractors for FID / KID: InceptionV3 pool features, and a tiny stand-in for tests.

An extractor is any callable mapping a (B, H, W, 3) float32 batch in [-1, 1] to (B, D) float
features. `InceptionFeatures` is Keras' InceptionV3 without its top, global-average pooled
(2048-d), built with `weights=None` and loaded from a user-supplied file: nothing is downloaded.
The usual file is Keras' `inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5` (ImageNet),
or a `.weights.h5` saved from `keras.applications.InceptionV3(include_top=False, pooling="avg")`.

Scores computed with these weights are fine for ranking checkpoints of one run; they are not
comparable to published FIDs, which use the TF-slim "pt_inception-2015-12-05" graph.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

__all__ = ["FEATURE_MODELS", "INCEPTION_SIZE", "InceptionFeatures", "TinyFeatures", "build_feature_extractor"]

INCEPTION_SIZE = 299
WEIGHTS_FLAG = "--inception-weights"
FEATURE_MODELS = ("inception", "tiny")


class InceptionFeatures:
    """2048-d InceptionV3 pool features of images in [-1, 1] (resized to 299² bilinear).

    Args:
        weights_path: `.h5` (Keras applications, no top) or `.weights.h5` file.

    Raises:
        FileNotFoundError: no path or no such file (the message names `--inception-weights`).
        ValueError: the file does not hold InceptionV3 (no top) weights.
    """

    dim = 2048

    def __init__(self, weights_path):
        if weights_path is None:
            raise FileNotFoundError(
                f"FID/KID need InceptionV3 weights: pass {WEIGHTS_FLAG} PATH "
                "(e.g. inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5); nothing is downloaded"
            )
        weights_path = os.fspath(weights_path)
        if not os.path.isfile(weights_path):
            raise FileNotFoundError(f"{WEIGHTS_FLAG} {weights_path}: no such file")
        if not weights_path.endswith(".h5"):
            raise ValueError(f"{WEIGHTS_FLAG} {weights_path}: expected a .h5 or .weights.h5 file")
        import keras

        self.model = keras.applications.InceptionV3(
            include_top=False, weights=None, pooling="avg", input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3)
        )
        kernels = [v for v in self.model.weights if v.name == "kernel"]
        before = [v.numpy().ravel()[:32].copy() for v in kernels]
        try:
            with warnings.catch_warnings():
                # Keras only warns about groups it cannot match; the check below turns that into an error.
                warnings.simplefilter("ignore", UserWarning)
                self.model.load_weights(weights_path)
        except Exception as error:  # noqa: BLE001 - h5py / Keras raise many types for a wrong file
            first = str(error).splitlines()[0][:160] if str(error) else ""
            raise ValueError(
                f"{WEIGHTS_FLAG} {weights_path}: not InceptionV3 (include_top=False) weights ({type(error).__name__}: {first})"
            ) from None
        untouched = sum(np.array_equal(v.numpy().ravel()[:32], b) for v, b in zip(kernels, before))
        if untouched:
            raise ValueError(
                f"{WEIGHTS_FLAG} {weights_path}: {untouched} of {len(kernels)} convolutions were not in the file; "
                "not InceptionV3 (include_top=False) weights"
            )
        self.model.trainable = False
        self._forward = None

    def __call__(self, images) -> np.ndarray:
        import tensorflow as tf

        if self._forward is None:
            model = self.model

            @tf.function(reduce_retracing=True)
            def forward(batch):
                # InceptionV3 expects [-1, 1] inputs (keras.applications.inception_v3.preprocess_input).
                batch = tf.image.resize(batch, (INCEPTION_SIZE, INCEPTION_SIZE), method="bilinear")
                return model(batch, training=False)

            self._forward = forward
        return self._forward(tf.convert_to_tensor(images, tf.float32)).numpy()


class TinyFeatures:
    """A deterministic stand-in extractor for tests and smoke runs (NOT a perceptual metric).

    Area-downsamples to 8x8, flattens (192 values) and applies a fixed seeded random projection
    followed by tanh, giving `dim` features. Cheap, no weights file.
    """

    def __init__(self, dim: int = 32, seed: int = 0):
        self.dim = dim
        self.projection = np.random.default_rng(seed).normal(0, 1 / np.sqrt(192), (192, dim)).astype(np.float32)

    def __call__(self, images) -> np.ndarray:
        import tensorflow as tf

        small = tf.image.resize(tf.convert_to_tensor(images, tf.float32), (8, 8), method="area")
        flat = tf.reshape(small, (-1, 192)).numpy()
        return np.tanh(flat @ self.projection)


def build_feature_extractor(name: str = "inception", weights_path=None):
    """`InceptionFeatures(weights_path)` for "inception", `TinyFeatures()` for "tiny"."""
    if name == "inception":
        return InceptionFeatures(weights_path)
    if name == "tiny":
        return TinyFeatures()
    raise ValueError(f"unknown feature model {name!r}; expected one of {', '.join(FEATURE_MODELS)}")
