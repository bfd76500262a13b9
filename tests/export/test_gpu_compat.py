"""The float exports stay runnable whole on LiteRT's GPU delegate (static check of the delegate's
rules, tf_p2c.export.gpu_compat), and the check itself catches what the delegate refuses."""

import pytest

from tf_p2c.export.gpu_compat import gpu_delegate_issues
from tf_p2c.export.pipeline import FILES


@pytest.mark.parametrize("name", ["fp32", "fp16"])
def test_float_exports_pass_the_gpu_delegate_rules(export_dir, name):
    out, _ = export_dir
    flatbuffer = (out / FILES[name]).read_bytes()
    assert gpu_delegate_issues(flatbuffer) == []


def _convert(fn, shape, dtype="float32"):
    import tensorflow as tf

    function = tf.function(fn, input_signature=[tf.TensorSpec(shape, dtype)])
    return tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()]).convert()


def test_the_check_names_ops_and_tensors_the_delegate_refuses():
    import tensorflow as tf

    assert gpu_delegate_issues(_convert(lambda x: tf.math.cumsum(x, axis=1), (1, 8))) == ["CUMSUM: no GPU operation"]
    integer = gpu_delegate_issues(_convert(lambda x: tf.cast(tf.cast(x, tf.int32) * 3, tf.float32), (1, 8)))
    assert any("non-constant INT32" in issue for issue in integer)
    five_d = gpu_delegate_issues(_convert(lambda x: tf.reshape(x, (1, 2, 2, 2, 2)) * 2.0, (1, 16)))
    assert any("5-D tensor" in issue for issue in five_d)
    assert gpu_delegate_issues(_convert(lambda x: tf.nn.relu(x * 2.0 + 1.0), (1, 4, 4, 3))) == []


def test_the_uint8_export_is_not_for_the_gpu(export_dir):
    # uint8 in and out (casts and rounding in the graph) is the CPU variant; the check says why.
    out, _ = export_dir
    issues = gpu_delegate_issues((out / FILES["uint8"]).read_bytes())
    assert "CAST: no GPU operation" in issues and "ROUND: no GPU operation" in issues
