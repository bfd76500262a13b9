"""Hostile weight files: malformed shapes, damaged archives, decompression bombs.

Each ends in one line naming the problem (WeightsError / the CLI's exit 1), quickly and within
the readers' memory budget (see test_fuzz_readers.py).
"""

import os
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest

from tf_p2c.convert.state_dict import WeightsError
from tf_p2c.convert.torch_writer import save_torch_checkpoint
from tf_p2c.network_files import load_generator, load_networks, read_state_dicts
from paths import FIXTURES, REPO


@pytest.fixture(scope="module")
def tiny_states():
    return read_state_dicts(os.path.join(FIXTURES, "p2c_tiny.pt"))


@pytest.mark.parametrize("network, key, shape, message", [
    ("genA2B", "ConvBlock1.1.weight", (0, 3, 7, 7), r"ConvBlock1.1.weight has shape \(0, 3, 7, 7\)"),
    ("genA2B", "FC.0.weight", (32,), r"FC.0.weight has shape \(32,\)"),
    ("disGA", "model.1.weight_orig", (2, 3, 4), r"model.1.weight_orig has shape \(2, 3, 4\)"),
])
def test_malformed_shapes_are_one_line(tiny_states, tmp_path, network, key, shape, message):
    states = {network: dict(tiny_states[network])}
    states[network][key] = np.zeros(shape, np.float32)
    path = tmp_path / "bad.pt"
    save_torch_checkpoint(states, path)
    with pytest.raises(WeightsError, match=message):
        load_networks(path)


def test_damaged_zip_central_directory(tmp_path):
    data = bytearray((open(os.path.join(FIXTURES, "p2c_tiny.pt"), "rb")).read())
    directory = data.find(b"PK\x01\x02")  # the first central-directory record
    data[directory:directory + 4] = b"PK\x09\x09"  # its signature; the end record stays intact
    path = tmp_path / "damaged.pt"
    path.write_bytes(bytes(data))
    assert zipfile.is_zipfile(path)
    with pytest.raises(WeightsError) as error:
        load_generator(path)
    assert "\n" not in str(error.value)


def _bomb(path, inflated=1_600_000_000):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("archive/data.pkl", "w", force_zip64=True) as member:
            chunk = bytes(1 << 24)
            for _ in range(inflated // len(chunk)):
                member.write(chunk)


def test_decompression_bomb_is_refused_before_reading(tmp_path):
    path = tmp_path / "bomb.pt"
    _bomb(path)
    size = os.path.getsize(path)
    assert size < 2_000_000
    tracemalloc.start()
    try:
        with pytest.raises(WeightsError, match="inflates to .* bytes, more than 20x the file's size"):
            load_generator(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * size + (64 << 20)
    out = subprocess.run([sys.executable, "-m", "tf_p2c", "info", "--weights", str(path)], capture_output=True,
                         text=True, cwd=REPO, timeout=120)
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_onnx_external_data_is_refused_never_read(tmp_path):
    # A tensor whose data "lives" in a file the ONNX names: reading it would copy that file
    # (here the repository's README, by a relative path) into the converted weights.
    import onnx
    from onnx import helper, numpy_helper

    tensor = numpy_helper.from_array(np.ones((3, 3, 3, 3), np.float32), "w")
    tensor.ClearField("raw_data")
    tensor.data_location = onnx.TensorProto.EXTERNAL
    tensor.external_data.add(key="location", value="../../README.md")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["input", "w"], ["output"], pads=[1, 1, 1, 1])], "g",
        [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [1, 3, 64, 64])],
        [helper.make_tensor_value_info("output", onnx.TensorProto.FLOAT, None)], [tensor])
    path = tmp_path / "external.onnx"
    onnx.save(helper.make_model(graph), str(path))
    with pytest.raises(WeightsError, match="stored in an external file"):
        load_generator(path)
