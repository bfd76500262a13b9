"""`compact_model`: a smaller flatbuffer that computes bit-identical outputs."""

from __future__ import annotations

import numpy as np
import pytest

from tf_p2c.export.tflite import embed_metadata, read_metadata


@pytest.fixture(scope="module")
def small_flatbuffer():
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(3)
    inputs = keras.Input((16, 16, 3), batch_size=1, name="input")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.Conv2D(8, 3, padding="same")(x) + x
    y = keras.layers.Dense(4)(keras.layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, {"image": x, "logit": y})
    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def _schema_model(flatbuffer):
    from tensorflow.lite.tools import flatbuffer_utils

    return flatbuffer_utils.convert_bytearray_to_object(bytearray(flatbuffer))


def _outputs(flatbuffer, x):
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_content=flatbuffer, num_threads=1).get_signature_runner("serving_default")(input=x)


def test_compaction_shrinks_the_model_and_keeps_outputs_bit_identical(small_flatbuffer):
    full = embed_metadata(small_flatbuffer, {"k": 1}, compact=False)
    compact = embed_metadata(small_flatbuffer, {"k": 1})
    assert len(compact) < len(full)
    x = np.random.default_rng(0).uniform(-1, 1, (1, 16, 16, 3)).astype(np.float32)
    a, b = _outputs(full, x), _outputs(compact, x)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert read_metadata(compact) == {"k": 1}


def test_compaction_shares_the_empty_buffer_and_drops_empty_quantization(small_flatbuffer):
    model = _schema_model(embed_metadata(small_flatbuffer, {"k": 1}))
    tensors = model.subgraphs[0].tensors
    without_data = [t for t in tensors if model.buffers[t.buffer].data is None]
    assert without_data and all(t.buffer == 0 for t in without_data)
    # Every buffer but the empty one holds data: nothing else is left behind.
    assert all(b.data is not None and len(b.data) for b in model.buffers[1:])
    assert all(t.quantization is None for t in tensors)
    names = {t.name for t in tensors} - {None}
    assert names == {b"input", b"image", b"logit"}
