"""MobileFaceNet: architecture, weight import from InsightFace_Pytorch `.pth` files, parity.

Fixtures come from `tests/reference/make_faceid_fixtures.py` (independent PyTorch reference):
a width-0.25 random-weight network (same modules, keys and kernels as the released one). The
full-width network is checked against the original's own key list
(`tests/fixtures/original_state_dicts.tsv`, a fact about the released file).
"""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

from helpers import original_keys
from tf_p2c.convert.state_dict import WeightsError
from tf_p2c.models.mobilefacenet import (
    assign_mobilefacenet_state_dict,
    build_mobilefacenet,
    load_mobilefacenet,
    mobilefacenet_state_dict,
)
from paths import FIXTURES

FACEID_FIXTURES = os.path.join(FIXTURES, "faceid")
PTH = os.path.join(FACEID_FIXTURES, "mobilefacenet_w025.pth")
PTH_LEGACY = os.path.join(FACEID_FIXTURES, "mobilefacenet_w025_legacy.pth")


@pytest.fixture(scope="module")
def io():
    return np.load(os.path.join(FACEID_FIXTURES, "faceid_io.npz"))


@pytest.fixture(scope="module")
def small_model():
    return load_mobilefacenet(PTH)


def test_full_width_matches_released_state_dict_keys_and_shapes():
    reference = {
        key: shape for key, shape, _ in original_keys("model_mobilefacenet.pth", "-")
        if not key.endswith("num_batches_tracked")
    }
    model = build_mobilefacenet()
    ours = {k: v.shape for k, v in mobilefacenet_state_dict(model).items()}
    assert list(ours) == list(reference)  # same keys in the released file's order
    assert ours == reference
    assert model.output_shape == (None, 512)
    assert model.trainable is False and not model.trainable_weights
    # ~1.0 M parameters, as the released network (4 MB in float32).
    assert model.count_params() == sum(int(np.prod(s)) for s in reference.values())


def test_parity_with_pytorch_reference(io, small_model):
    embeddings = small_model(io["faces"], training=False).numpy()
    np.testing.assert_allclose(embeddings, io["embeddings"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)


def test_training_flag_does_not_change_batchnorm(io, small_model):
    a = small_model(io["faces"], training=True).numpy()
    np.testing.assert_allclose(a, io["embeddings"], atol=1e-4, rtol=0)


def test_legacy_format_with_dataparallel_prefix(io):
    assert not zipfile.is_zipfile(PTH_LEGACY)
    model = load_mobilefacenet(PTH_LEGACY)
    np.testing.assert_allclose(model(io["faces"]).numpy(), io["embeddings"], atol=1e-4, rtol=0)


def test_state_dict_round_trip(small_model):
    state = mobilefacenet_state_dict(small_model)
    assert "conv_23.conv_dw.conv.weight" in state and "conv_3.model.3.project.bn.running_var" in state
    other = build_mobilefacenet(embedding_size=128, width=0.25)
    assign_mobilefacenet_state_dict(other, state)
    x = np.random.default_rng(0).uniform(-1, 1, (1, 112, 112, 3)).astype("float32")
    np.testing.assert_array_equal(other(x).numpy(), small_model(x).numpy())


def _state(model):
    return {k: v.copy() for k, v in mobilefacenet_state_dict(model).items()}


def test_import_errors_name_key_and_shapes(small_model):
    target = build_mobilefacenet(embedding_size=128, width=0.25)
    state = _state(small_model)
    state["conv_4.model.2.conv_dw.conv.weight"] = np.zeros((64, 1, 5, 5), np.float32)
    with pytest.raises(WeightsError, match=r"conv_4\.model\.2\.conv_dw\.conv\.weight.*\(64, 1, 5, 5\).*\(64, 1, 3, 3\)"):
        assign_mobilefacenet_state_dict(target, state)

    state = _state(small_model)
    del state["bn.running_mean"]
    with pytest.raises(WeightsError, match=r"missing key bn\.running_mean"):
        assign_mobilefacenet_state_dict(target, state)

    state = _state(small_model)
    state["head.kernel"] = np.zeros(3, np.float32)
    with pytest.raises(WeightsError, match=r"unexpected key head\.kernel"):
        assign_mobilefacenet_state_dict(target, state)

    # Nothing was assigned by the failed attempts.
    assert np.all(target.get_layer("conv1.conv").kernel.numpy() != small_model.get_layer("conv1.conv").kernel.numpy())


def test_num_batches_tracked_is_ignored(small_model):
    state = _state(small_model)
    state["bn.num_batches_tracked"] = np.array(7, np.int64)
    assign_mobilefacenet_state_dict(build_mobilefacenet(embedding_size=128, width=0.25), state)


def test_missing_file_and_non_mobilefacenet_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_mobilefacenet(tmp_path / "absent.pth")
    generator_checkpoint = os.path.join(os.path.dirname(FACEID_FIXTURES), "p2c_tiny.pt")
    with pytest.raises(WeightsError, match="not a MobileFaceNet"):
        load_mobilefacenet(generator_checkpoint)
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError) as info:
        load_mobilefacenet(junk)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kwargs", [{"embedding_size": 0}, {"width": 0.0}])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="Received"):
        build_mobilefacenet(**kwargs)
