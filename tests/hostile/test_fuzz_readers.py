"""Seeded mutations of the fixtures through the `.pt`, `.onnx` and image readers.

Each mutation (a truncation, flipped bytes, or a length-like field overwritten with a large
number) must end in the reader's own error type or in success: never another exception, a hang
(each case runs under an alarm), or more memory than the stated budget (Python and numpy
allocations, by tracemalloc).
"""

import contextlib
import os
import signal
import struct
import tracemalloc

import numpy as np
import pytest

from tf_p2c.convert.state_dict import WeightsError
from tf_p2c.convert.torch_pickle import CheckpointError, load_torch_checkpoint
from tf_p2c.image_io import ImageReadError, decode_image
from paths import FIXTURES

CASES = 150
SECONDS_PER_CASE = 20
# The readers' memory budget: at most 20x the file's size (plus 1 MiB) decompressed, and the
# tensors or pixels themselves; here, for files under 3 MB, 64 MB + 20x the size.
MEMORY_SLACK = 64 << 20


def mutations(data: bytes, seed: int):
    rng = np.random.default_rng(seed)
    for case in range(CASES):
        kind = case % 3
        buffer = bytearray(data)
        if kind == 0:  # truncation
            yield f"truncated at {(cut := int(rng.integers(0, len(data))))}", bytes(buffer[:cut])
        elif kind == 1:  # flipped bytes
            for at in rng.integers(0, len(data), size=int(rng.integers(1, 9))):
                buffer[at] ^= int(rng.integers(1, 256))
            yield "flipped bytes", bytes(buffer)
        else:  # a 4- or 8-byte field overwritten with a huge or negative count
            at = int(rng.integers(0, max(1, len(data) - 8)))
            value = int(rng.choice([2**31 - 1, 2**32 - 1, 2**40, -1, 0x7FFFFFFFFFFFFFFF]))
            width = int(rng.choice([4, 8]))
            packed = struct.pack("<q", value)[:width] if value >= 0 else struct.pack("<q", value)[:width]
            buffer[at:at + width] = packed
            yield f"length field at {at} = {value}", bytes(buffer)


@contextlib.contextmanager
def deadline(seconds, what):
    def expire(*_):
        raise TimeoutError(f"{what} took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_cases(data, seed, read, allowed, tmp_path, suffix):
    outcomes = {"ok": 0, "refused": 0}
    for index, (what, mutated) in enumerate(mutations(data, seed)):
        path = tmp_path / f"case{index}{suffix}"
        path.write_bytes(mutated)
        tracemalloc.start()
        try:
            with deadline(SECONDS_PER_CASE, what):
                read(str(path), mutated)
            outcomes["ok"] += 1
        except allowed:
            outcomes["refused"] += 1
        except Exception as error:  # noqa: BLE001 (the point: no other exception type)
            pytest.fail(f"case {index} ({what}): {type(error).__name__}: {error}")
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            path.unlink()
        assert peak <= 20 * len(data) + MEMORY_SLACK, f"case {index} ({what}): {peak} bytes allocated"
    assert outcomes["refused"] > CASES // 3, outcomes  # the mutations do reach the checks
    return outcomes


@pytest.mark.parametrize("fixture", ["pickle/state_zip.pt", "pickle/state_legacy.pt", "faceid/mobilefacenet_w025.pth"])
def test_torch_checkpoint_reader(fixture, tmp_path):
    with open(os.path.join(FIXTURES, fixture), "rb") as handle:
        data = handle.read()
    run_cases(data, 1, lambda path, _: load_torch_checkpoint(path), CheckpointError, tmp_path, ".pt")


def test_onnx_reader(tmp_path):
    from tf_p2c.config import ModelConfig
    from tf_p2c.convert.onnx_weights import onnx_generator_widths, onnx_state_dict, read_onnx
    from tf_p2c.convert.state_dict import model_state_dict
    from tf_p2c.models import build_generator

    expected = model_state_dict(build_generator(ModelConfig(ngf=8, img_size=64)))

    def read(path, _):
        model = read_onnx(path)
        onnx_generator_widths(model, path)
        onnx_state_dict(model, expected, path)

    with open(os.path.join(FIXTURES, "gen_tiny.onnx"), "rb") as handle:
        data = handle.read()
    run_cases(data, 2, read, WeightsError, tmp_path, ".onnx")


@pytest.mark.parametrize("fixture", ["faces/blank.png", "faces/border_cut.jpg"])
def test_image_reader(fixture, tmp_path):
    with open(os.path.join(FIXTURES, fixture), "rb") as handle:
        data = handle.read()
    run_cases(data, 3, lambda _, raw: decode_image(raw), ImageReadError, tmp_path, os.path.splitext(fixture)[1])
