"""The original's file formats, both ways.

Two kinds of test live here, and each says which it is:
- fact tests compare with `tests/fixtures/original_state_dicts.tsv`, the key list of the files the
  original photo2cartoon code writes (copied from the project's reference facts);
- round-trip tests compare with files written by this project's PyTorch reference
  (`tests/reference/`), whose names the fact tests pin to the original's.
"""

import csv
import json
import os
import pickletools
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from helpers import original_keys
from tf_p2c.config import ModelConfig
from tf_p2c.convert.original_checkpoint import original_state_dict, save_original_checkpoint
from tf_p2c.convert.torch_pickle import load_torch_checkpoint
from tf_p2c.models import build_networks
from tf_p2c.network_files import load_generator, load_networks, read_state_dicts
from paths import FIXTURES, REPO

P2C = "photo2cartoon_weights.pt"
# disGB / disLB have the keys of disGA / disLA (reference/README.md).
TSV_NETWORK = {"genA2B": "genA2B", "genB2A": "genA2B", "disGA": "disGA", "disGB": "disGA", "disLA": "disLA",
               "disLB": "disLA"}


@pytest.fixture(scope="module")
def full_size_networks():
    return build_networks(ModelConfig())


@pytest.mark.parametrize("name", ["genA2B", "disGA", "disLA"])
def test_fact_written_layout_is_the_originals_key_for_key(full_size_networks, name):
    written = original_state_dict(full_size_networks[name])
    assert [(k, v.shape) for k, v in written.items()] == [(k, s) for k, s, _ in original_keys(P2C, name)]
    assert {str(v.dtype) for v in written.values()} == {"float32"}


def test_fact_every_file_we_ship_uses_the_originals_keys_in_its_order():
    # Written by the PyTorch reference: its module names are the original's.
    for name, state in read_state_dicts(os.path.join(FIXTURES, "p2c_tiny.pt")).items():
        assert list(state) == [k for k, _, _ in original_keys(P2C, TSV_NETWORK[name])], name
    faceid = load_torch_checkpoint(os.path.join(FIXTURES, "faceid", "mobilefacenet_w025.pth"))
    assert list(faceid) == [k for k, _, _ in original_keys("model_mobilefacenet.pth", "-")]


def test_fact_reference_at_full_size_equals_the_original():
    # Written by tests/reference/make_fixtures.py from the reference's own state_dict() at the
    # original's sizes; any difference in key, shape, dtype or order fails.
    def rows(path):
        with open(path, newline="") as handle:
            return [tuple(r) for r in csv.reader(handle, delimiter="\t")]

    assert rows(os.path.join(FIXTURES, "reference_state_dicts.tsv")) == rows(os.path.join(FIXTURES, "original_state_dicts.tsv"))


def test_unused_conv_blocks_are_loaded_checked_and_reported(tmp_path):
    path = os.path.join(FIXTURES, "p2c_tiny.pt")
    states = read_state_dicts(path)
    unused = [k for k in states["genA2B"] if k.endswith(".ConvBlock4.2.weight")]
    assert len(unused) == 56
    out = subprocess.run([sys.executable, "-m", "tf_p2c", "info", "--weights", path], capture_output=True, text=True,
                         cwd=REPO, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)["networks"]
    assert report["genA2B"]["unused_tensors"]["count"] == 56
    assert "unused_tensors" not in report["disGA"]


def _allowed_globals(path):
    with zipfile.ZipFile(path) as archive:
        payload = archive.read("archive/data.pkl")
    return {arg for op, arg, _ in pickletools.genops(payload) if op.name == "GLOBAL"}


def test_way_back_round_trips_every_network_of_a_checkpoint(tmp_path):
    source = os.path.join(FIXTURES, "p2c_tiny.pt")
    original = read_state_dicts(source)
    out = tmp_path / "back.pt"
    written = save_original_checkpoint(load_networks(source), out)
    back = load_torch_checkpoint(out)
    assert list(back) == list(original) == list(written)
    for name, state in original.items():
        assert list(back[name]) == list(state), name
        for key, value in state.items():
            if key.endswith(".ConvBlock4.2.weight"):  # no effect on outputs; written as zeros
                assert back[name][key].shape == value.shape and not back[name][key].any()
            else:
                np.testing.assert_array_equal(back[name][key], value, err_msg=f"{name} {key}")
    # Only what torch.load(weights_only=True) accepts, so a PyTorch user need not trust the file.
    assert _allowed_globals(out) == {"collections OrderedDict", "torch._utils _rebuild_tensor_v2", "torch FloatStorage"}
    with zipfile.ZipFile(out) as archive:
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            if info.filename.startswith("archive/data/"):
                assert (info.header_offset + 30 + len(info.filename) + len(info.extra)) % 64 == 0


def _run(*args):
    out = subprocess.run([sys.executable, "-m", "tf_p2c", *args], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert out.returncode == 0, out.stderr
    return out


def test_convert_writes_a_training_run_and_a_keras_generator_back(tmp_path):
    import tensorflow as tf

    from tf_p2c.training.config import TrainConfig

    # A run folder as train_keras.py leaves it: config.json and checkpoints/ckpt-N.
    model = ModelConfig(ngf=8, img_size=64, ndf=2, n_layers_global=6)  # 7 layers do not fit 64 px
    config = TrainConfig(model=model, result_dir=str(tmp_path), dataset="run")
    os.makedirs(tmp_path / "run" / "checkpoints")
    (tmp_path / "run" / "config.json").write_text(json.dumps(config.to_dict()))
    networks = build_networks(config.model)
    tf.train.CheckpointManager(tf.train.Checkpoint(**networks), str(tmp_path / "run" / "checkpoints"), 1).save(7)

    _run("convert", "--weights", str(tmp_path / "run"), "--out", str(tmp_path / "run.pt"))
    back = load_torch_checkpoint(tmp_path / "run.pt")
    assert list(back) == ["genA2B", "genB2A", "disGA", "disGB", "disLA", "disLB"]
    for name, state in back.items():  # the layout itself is pinned to the original's above
        assert list(state) == list(original_state_dict(networks[name])), name
    assert list(back["genB2A"]) == [k for k, _, _ in original_keys(P2C, "genA2B")]
    x = np.random.default_rng(1).uniform(-1, 1, (1, 64, 64, 3)).astype("float32")
    reloaded = load_networks(tmp_path / "run.pt", config=model)
    for name in ("genA2B", "disLB"):
        for ours, theirs in zip(networks[name](x, training=False), reloaded[name](x, training=False)):
            np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))

    networks["genB2A"].save(tmp_path / "g.keras")
    _run("convert", "--weights", str(tmp_path / "g.keras"), "--out", str(tmp_path / "g.pt"))
    assert list(load_torch_checkpoint(tmp_path / "g.pt")) == ["genA2B"]
    generator = load_generator(tmp_path / "g.pt", img_size=64)
    np.testing.assert_array_equal(np.asarray(generator(x)[0]), np.asarray(networks["genB2A"](x)[0]))
