"""InceptionV3 feature extractor: weights only by path, 2048-d pool features, clear errors."""

from __future__ import annotations

import shutil

import h5py
import keras
import numpy as np
import pytest

from tf_p2c.evaluation.inception import InceptionFeatures


@pytest.mark.large
def test_weights_round_trip_pool_features_and_partial_file(tmp_path):
    source = keras.applications.InceptionV3(include_top=False, weights=None, pooling="avg", input_shape=(299, 299, 3))
    path = tmp_path / "inception_notop.weights.h5"
    source.save_weights(path)
    extractor = InceptionFeatures(path)
    assert extractor.model.trainable is False
    images = np.random.default_rng(0).uniform(-1, 1, (2, 64, 64, 3)).astype("float32")
    features = extractor(images)
    assert features.shape == (2, 2048) and np.all(np.isfinite(features))
    expected = source(keras.ops.image.resize(images, (299, 299)), training=False)
    np.testing.assert_allclose(features, keras.ops.convert_to_numpy(expected), atol=1e-4, rtol=1e-4)

    # A file missing a layer is refused (by Keras, or by our check that every convolution was loaded).
    partial = tmp_path / "partial.weights.h5"
    shutil.copy(path, partial)
    with h5py.File(partial, "r+") as f:
        conv = max(k for k in f["layers"] if k.startswith("conv2d"))
        del f["layers"][conv]
    with pytest.raises(ValueError, match="--inception-weights") as info:
        InceptionFeatures(partial)
    assert "\n" not in str(info.value)


def test_wrong_weights_file_is_a_one_line_error(tmp_path):
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    path = tmp_path / "other.weights.h5"
    other.save_weights(path)
    with pytest.raises(ValueError, match="--inception-weights .*not InceptionV3") as info:
        InceptionFeatures(path)
    assert "\n" not in str(info.value)
    text = tmp_path / "weights.txt"
    text.write_text("x")
    with pytest.raises(ValueError, match="expected a .h5"):
        InceptionFeatures(text)


def test_weights_left_uninitialised_are_refused(tmp_path, monkeypatch):
    # Keras only warns about some parts of a file it cannot match; every convolution must be loaded.
    path = tmp_path / "any.weights.h5"
    path.write_bytes(b"")
    monkeypatch.setattr(keras.Model, "load_weights", lambda self, filepath: None)
    with pytest.raises(ValueError, match=r"94 of 94 convolutions were not in the file"):
        InceptionFeatures(path)
