"""Parity of the Keras networks with the original, on fixtures from tests/reference/.

The fixtures hold random weights (every rho / w_gamma / w_beta drawn in [0, 1]) written by the
independent PyTorch reference in both torch formats, with the reference's outputs (ONNX files:
test_onnx_import.py). No torch is needed here.
"""

import os

import numpy as np
import pytest

from tf_p2c.config import ModelConfig
from tf_p2c.network_files import load_generator, load_networks
from paths import FIXTURES

TOLERANCE = 1e-4


def fixture(name):
    return os.path.join(FIXTURES, name)


@pytest.fixture(scope="module")
def io():
    return dict(np.load(fixture("p2c_tiny_io.npz")))


def nhwc(array):
    return array.transpose(0, 2, 3, 1) if array.ndim == 4 else array


def assert_outputs_close(outputs, io, prefix):
    for output, part in zip(outputs, ("image", "cam_logit", "heatmap")):
        expected = nhwc(io[f"{prefix}_{part}"])
        assert output.shape == expected.shape, part
        diff = float(np.max(np.abs(np.asarray(output) - expected)))
        assert diff <= TOLERANCE, f"{prefix} {part}: max abs diff {diff:.2e}"


@pytest.mark.parametrize("checkpoint", ["p2c_tiny.pt", "p2c_tiny_legacy.pt"])
def test_generator_a2b_matches_reference_in_both_torch_formats(checkpoint, io):
    model = load_generator(fixture(checkpoint), img_size=64)
    assert_outputs_close(model(nhwc(io["gen_input"])), io, "genA2B")


def test_generator_b2a_and_the_full_variant(io):
    b2a = load_generator(fixture("p2c_tiny.pt"), direction="B2A", img_size=64)
    assert_outputs_close(b2a(nhwc(io["gen_input"])), io, "genB2A")
    full = load_generator(fixture("gen_full_ngf8_64.pt"))
    assert full.input_shape == (None, 64, 64, 3)
    assert "FC_flatten" in [layer.name for layer in full.layers]
    assert_outputs_close(full(nhwc(io["gen_full_input"])), io, "gen_full")


@pytest.mark.parametrize("name", ["disGA", "disGB", "disLA", "disLB"])
def test_discriminators_match_reference_in_eval_mode(name, io):
    model = load_networks(fixture("p2c_tiny.pt"), names=[name])[name]
    outputs = model(nhwc(io["dis_input"]), training=False)
    for output, part in zip(outputs, ("logit", "cam_logit", "heatmap")):
        expected = nhwc(io[f"{name}_{part}"])
        assert output.shape == expected.shape
        assert float(np.max(np.abs(np.asarray(output) - expected))) <= TOLERANCE, part


def test_checkpoint_subsets_and_inferred_architecture():
    networks = load_networks(fixture("p2c_tiny.pt"), config=ModelConfig(ngf=8, img_size=64))
    assert sorted(networks) == ["disGA", "disGB", "disLA", "disLB", "genA2B", "genB2A"]
    # Global discriminators have n_layers=7 (6 convolutions), local ones 5 (4).
    convs = lambda m: sum(1 for layer in m.layers if layer.name.startswith("model_") and hasattr(layer, "layer"))  # noqa: E731
    assert convs(networks["disGA"]) == 6 and convs(networks["disLA"]) == 4
    legacy = load_networks(fixture("p2c_tiny_legacy.pt"))
    assert list(legacy) == ["genA2B"]
