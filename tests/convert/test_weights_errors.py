"""Weight import: state-dict checks, bad files and mismatched architectures."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tf_p2c.config import ModelConfig
from tf_p2c.convert.state_dict import WeightsError, assign_state_dict, model_state_dict, torch_key
from tf_p2c.models import build_discriminator, build_generator
from tf_p2c.network_files import load_generator
from paths import FIXTURES, REPO

TINY = ModelConfig(ngf=8, img_size=64)


@pytest.fixture(scope="module")
def tiny_state():
    return model_state_dict(build_generator(TINY))


def test_keys_follow_the_original_names():
    assert torch_key("ConvBlock1_conv/kernel") == "ConvBlock1.1.weight"
    assert torch_key("HourGlass2/HG_0/ConvBlock4_2/conv_block3/conv/kernel") == \
        "HourGlass2.HG.0.ConvBlock4_2.ConvBlock3.3.weight"
    assert torch_key("HourGlass2/HG_1/conv_skip/conv/kernel") == "HourGlass2.HG.1.ConvBlock4.2.weight"
    assert torch_key("DecodeBlock3/norm2/c_beta_2/bias") == "DecodeBlock3.norm2.c_beta.2.bias"
    assert torch_key("UpBlock1_norm/rho") == "UpBlock1.3.rho"
    assert torch_key("model_4/model_4/kernel") == "model.4.weight_orig"
    assert torch_key("model_4/vector_v") == "model.4.weight_v"
    assert torch_key("CAM/gap_fc/gap_fc/kernel") == "gap_fc.weight_orig"


def test_full_size_key_set_matches_the_original(tiny_state):
    state = model_state_dict(build_generator(ModelConfig()))
    # 406 tensors in the original minus its 56 unused ConvBlock residual convolutions.
    assert len(state) == 350
    assert state["FC.0.weight"].shape == (128, 128)
    assert state["DecodeBlock1.norm1.w_gamma"].shape == (1, 128)
    assert state["UpBlock2.3.gamma"].shape == (1, 32, 1, 1)


def test_state_dict_round_trip_is_exact(tiny_state):
    target = build_generator(TINY)
    assign_state_dict(target, tiny_state)
    again = model_state_dict(target)
    assert all(np.array_equal(again[key], tiny_state[key]) for key in tiny_state)


def test_discriminator_state_dict_round_trip():
    source = build_discriminator(4, 5)
    state = model_state_dict(source)
    assert state["model.1.weight_v"].shape == (3 * 4 * 4,)
    target = build_discriminator(4, 5)
    assign_state_dict(target, state)
    x = np.random.default_rng(0).uniform(-1, 1, (1, 64, 64, 3)).astype("float32")
    for a, b in zip(source(x), target(x)):
        np.testing.assert_array_equal(a, b)


def _expect_untouched(model, before):
    for variable, value in zip(model.weights, before):
        np.testing.assert_array_equal(variable.numpy(), value)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: s.pop("DecodeBlock2.norm1.w_beta"), "missing tensor DecodeBlock2.norm1.w_beta"),
        (lambda s: s.__setitem__("HourGlass1.Conv1.bias", np.zeros(4, "float32")),
         "HourGlass1.Conv1.bias has shape (4,), expected (3,)"),
        (lambda s: s.__setitem__("EncodeBlock9.conv_block.1.weight", np.zeros((1,), "float32")),
         "unexpected tensor EncodeBlock9.conv_block.1.weight"),
        (lambda s: s["UpBlock1.3.rho"].__setitem__((0, 3, 0, 0), np.nan), "UpBlock1.3.rho holds NaN"),
        (lambda s: s.__setitem__("HourGlass1.HG.1.ConvBlock4.2.weight", np.zeros((8, 4, 1, 1), "float32")),
         "ConvBlock4.2.weight has shape (8, 4, 1, 1), expected (8, 8, 1, 1)"),
        (lambda s: s.__setitem__("HourGlass1.HG.1.conv_skip.3.weight", np.zeros((8, 8, 1, 1), "float32")),
         "unexpected tensor HourGlass1.HG.1.conv_skip.3.weight"),
    ],
)
def test_bad_state_dicts_fail_by_name_and_change_nothing(tiny_state, edit, message):
    state = {key: value.copy() for key, value in tiny_state.items()}
    edit(state)
    model = build_generator(TINY)
    before = [v.numpy().copy() for v in model.weights]
    with pytest.raises(WeightsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        assign_state_dict(model, state, "genA2B")
    _expect_untouched(model, before)


def test_unused_convblock_residual_tensors_are_accepted(tiny_state):
    state = dict(tiny_state)
    state["HourGlass1.HG.1.ConvBlock4.2.weight"] = np.zeros((8, 8, 1, 1), "float32")
    assign_state_dict(build_generator(TINY), state)


def test_requested_architecture_is_checked_against_the_checkpoint():
    with pytest.raises(WeightsError, match="checkpoint has ngf=8, light=True, but ngf=32, light=True was requested"):
        load_generator(os.path.join(FIXTURES, "p2c_tiny.pt"), config=ModelConfig())
    with pytest.raises(WeightsError, match="light=False generator is tied to img_size=64"):
        load_generator(os.path.join(FIXTURES, "gen_full_ngf8_64.pt"), img_size=128)
    with pytest.raises(WeightsError, match="light=True was requested"):
        load_generator(os.path.join(FIXTURES, "gen_full_ngf8_64.pt"), config=ModelConfig(ngf=8, img_size=64))


def test_light_generator_loads_at_another_size():
    model = load_generator(os.path.join(FIXTURES, "p2c_tiny.pt"), img_size=32)
    assert model.input_shape == (None, 32, 32, 3)
    with pytest.raises(ValueError, match="multiple of 16"):
        load_generator(os.path.join(FIXTURES, "p2c_tiny.pt"), img_size=40)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b"hello, not weights\n", "not a weights file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "not a weights file"),
    ],
)
def test_wrong_file_types(tmp_path, content, message):
    path = tmp_path / "weights.pt"
    path.write_bytes(content)
    with pytest.raises(WeightsError, match=message):
        load_generator(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(WeightsError, match="no such file"):
        load_generator(tmp_path / "absent.pt")
    with pytest.raises(WeightsError, match="is a directory"):
        load_generator(tmp_path)


@pytest.mark.parametrize("name", ["p2c_tiny.pt", "p2c_tiny_legacy.pt"])
def test_truncated_checkpoints(tmp_path, name):
    data = open(os.path.join(FIXTURES, name), "rb").read()
    path = tmp_path / name
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(WeightsError) as error:
        load_generator(path)
    assert "\n" not in str(error.value)


def test_onnx_with_renamed_weights_is_matched_by_structure(tmp_path):
    import onnx

    model = onnx.load(os.path.join(FIXTURES, "gen_tiny.onnx"))
    renames = {}
    for node in model.graph.node:
        if node.op_type in ("Conv", "Gemm"):
            for i, name in enumerate(node.input[1:], start=1):
                renames.setdefault(name, f"onnx::{node.op_type}_{len(renames)}")
                node.input[i] = renames[name]
    for init in model.graph.initializer:
        init.name = renames.get(init.name, init.name)
    path = tmp_path / "renamed.onnx"
    onnx.save(model, str(path))
    io = np.load(os.path.join(FIXTURES, "p2c_tiny_io.npz"))
    image = load_generator(path)(io["onnx_input"].transpose(0, 2, 3, 1))[0]
    assert float(np.max(np.abs(np.asarray(image) - io["onnx_output"].transpose(0, 2, 3, 1)))) <= 1e-4


def test_onnx_errors(tmp_path):
    import onnx
    from onnx import numpy_helper

    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage" * 10)
    with pytest.raises(WeightsError, match="not a readable ONNX model"):
        load_generator(bad)

    model = onnx.load(os.path.join(FIXTURES, "gen_tiny.onnx"))
    for init in model.graph.initializer:
        if init.name == "DecodeBlock1.norm1.norm.rho":
            values = numpy_helper.to_array(init).copy()
            values[0, 0, 0, 0] = np.inf
            init.CopyFrom(numpy_helper.from_array(values, init.name))
    nan_path = tmp_path / "inf.onnx"
    onnx.save(model, str(nan_path))
    with pytest.raises(WeightsError, match="DecodeBlock1.norm1.norm.rho holds NaN or infinite"):
        load_generator(nan_path)

    with pytest.raises(WeightsError, match="direction='A2B'"):
        load_generator(os.path.join(FIXTURES, "gen_tiny.onnx"), direction="B2A")


def test_keras_file_round_trip_and_damage(tmp_path):
    source = load_generator(os.path.join(FIXTURES, "p2c_tiny.pt"), img_size=64)
    path = tmp_path / "gen.keras"
    source.save(path)
    x = np.random.default_rng(1).uniform(-1, 1, (1, 64, 64, 3)).astype("float32")
    loaded = load_generator(path)
    np.testing.assert_array_equal(source(x)[0], loaded(x)[0])
    with pytest.raises(WeightsError, match="requested"):
        load_generator(path, config=ModelConfig(ngf=16, img_size=64))
    damaged = tmp_path / "damaged.keras"
    data = path.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError):
        load_generator(damaged)


def test_cli_convert_and_one_line_errors(tmp_path):
    env = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = tmp_path / "gen.keras"
    run = lambda *args: subprocess.run([sys.executable, "-m", "tf_p2c", *args], capture_output=True, text=True, env=env, cwd=REPO)  # noqa: E731
    done = run("convert", "--weights", os.path.join(FIXTURES, "gen_tiny.onnx"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.exists() and not [p for p in os.listdir(tmp_path) if p.startswith(".tmp-")]
    again = run("convert", "--weights", os.path.join(FIXTURES, "gen_tiny.onnx"), "--out", str(out))
    assert again.returncode == 1 and "exists" in again.stderr

    bad = tmp_path / "bad.pt"
    shutil.copy(os.path.join(FIXTURES, "p2c_tiny_legacy.pt"), bad)
    bad.write_bytes(bad.read_bytes()[:5000])
    failed = run("info", "--weights", str(bad))
    assert failed.returncode == 1
    lines = [line for line in failed.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error: ") and "Traceback" not in failed.stderr
    info = run("info", "--weights", os.path.join(FIXTURES, "p2c_tiny.pt"))
    assert info.returncode == 0 and '"ngf": 8' in info.stdout and '"disLB"' in info.stdout


def test_loading_never_imports_torch():
    code = (
        "import sys, tf_p2c; tf_p2c.load_generator(sys.argv[1], img_size=64); "
        "assert not any(m == 'torch' or m.startswith('torch.') for m in sys.modules), 'torch imported'"
    )
    env = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", code, os.path.join(FIXTURES, "p2c_tiny_legacy.pt")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-500:]
