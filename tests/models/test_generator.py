"""The generator (build_generator) and its configuration (ModelConfig, presets)."""

import dataclasses
import json

import numpy as np
import pytest
from helpers import assert_keras_roundtrip, to_np

from tf_p2c.config import PRESETS, ModelConfig, get_preset
from tf_p2c.models import build_generator

SMOKE = ModelConfig(ngf=8, img_size=64, ndf=8)


# --- independent parameter count (from DESIGN.md §1, not from the package code) --------------

def _conv_block(c_in, c_out, with_unused_residual):
    n = 9 * c_in * (c_out // 2) + 9 * (c_out // 2) * (c_out // 4) + 9 * (c_out // 4) * (c_out // 4)
    # The original creates a 1x1 residual conv in every ConvBlock, used only when c_in != c_out.
    if c_in != c_out or with_unused_residual:
        n += c_in * c_out
    return n


def _hourglass(c, use_res, original):
    n = 14 * _conv_block(c, c, original)  # HourGlassBlock (13 ConvBlocks) + HG.1
    n += c * c  # HG.2: 1x1, no bias
    n += 3 * c + 3  # Conv1: 1x1 -> 3, bias
    if use_res:
        n += c * c + c  # Conv2
        n += 3 * c + c  # Conv3
    return n


def generator_param_count(ngf, img_size, light, original):
    c = 4 * ngf
    n = 49 * 3 * ngf  # ConvBlock1 7x7, no bias
    n += 2 * _hourglass(ngf, True, original)
    n += 9 * ngf * 2 * ngf + 9 * 2 * ngf * c  # DownBlock1/2
    n += 4 * 2 * 9 * c * c  # EncodeBlock1..4
    n += 2 * (c + 1) + 2 * c * c + c  # CAM: gap_fc, gmp_fc (bias), conv1x1 (bias)
    fc_in = c if light else (img_size // 4) ** 2 * c
    n += fc_in * c + c + c * c + c  # FC
    soft_ada_lin = 4 * (c * c + c) + 2 * (c * c + c) + 3 * c  # c_gamma, c_beta MLPs; s_*; rho, w_*
    n += 4 * (2 * 9 * c * c + 2 * soft_ada_lin)  # DecodeBlock1..4
    n += 9 * c * 2 * ngf + 3 * 2 * ngf  # UpBlock1 conv + LIN (rho, gamma, beta)
    n += 9 * 2 * ngf * ngf + 3 * ngf  # UpBlock2
    n += _hourglass(ngf, True, original) + _hourglass(ngf, False, original)
    n += 49 * 3 * 3  # ConvBlock2 7x7, 3 -> 3, no bias
    return n


def test_formula_reproduces_the_original_count():
    # Guards the formula itself against DESIGN.md §1's figure for ResnetGenerator(32, 256, light).
    assert generator_param_count(32, 256, True, original=True) == 3_831_079


def test_full_preset_parameter_count():
    # The original's 3,831,079 includes, in each of the 56 ConvBlocks of the four hourglasses
    # (13 in each HourGlassBlock + HG.1, all with c_in == c_out == 32), a 1x1 residual conv of
    # 32x32 = 1,024 weights that is created but never used. The Keras model does not create
    # them: 3,831,079 - 56 * 1,024 = 3,773,735.
    model = build_generator(ModelConfig())
    assert model.count_params() == 3_831_079 - 56 * 32 * 32
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 3_773_735
    assert model.non_trainable_weights == []


@pytest.mark.parametrize("light", [True, False])
@pytest.mark.parametrize("img_size", [32, 64])
def test_parameter_count_matches_formula(light, img_size):
    config = ModelConfig(ngf=8, img_size=img_size, light=light)
    model = build_generator(config)
    assert model.count_params() == generator_param_count(8, img_size, light, original=False)


@pytest.fixture(scope="module")
def smoke_generator():
    """The `smoke` generator, built once per module (building costs ~1-2 s)."""
    return build_generator(SMOKE)


def _run(config, rng, batch=2):
    model = build_generator(config)
    x = rng.uniform(-1, 1, (batch, config.img_size, config.img_size, 3)).astype("float32")
    return model, x, [to_np(t) for t in model(x)]


@pytest.mark.parametrize("light", [True, False], ids=["light", "full"])
@pytest.mark.parametrize("img_size", [32, 48, 64])
def test_output_shapes(rng, light, img_size):
    config = ModelConfig(ngf=8, img_size=img_size, light=light)
    model, _, (image, cam_logit, heatmap) = _run(config, rng)
    q = img_size // 4
    assert image.shape == (2, img_size, img_size, 3)
    assert cam_logit.shape == (2, 2)
    assert heatmap.shape == (2, q, q, 1)
    assert [tuple(o.shape) for o in model.outputs] == [
        (None, img_size, img_size, 3), (None, 2), (None, q, q, 1)]
    assert np.all(np.abs(image) <= 1.0) and np.all(np.isfinite(image))
    assert np.all(heatmap >= 0)  # channel sum after ReLU
    # Non-light: the style MLP flattens the (img/4)^2 * 4ngf map.
    fc_in = 4 * 8 if light else q * q * 4 * 8
    assert tuple(model.get_layer("FC_0").kernel.shape) == (fc_in, 4 * 8)


def test_batch_items_are_independent(rng, smoke_generator):
    # Instance/layer norms are per sample: item 0's output must not depend on item 1. (Not
    # bit-exact: oneDNN kernels round differently for different batch sizes, ~4e-5.)
    model = smoke_generator
    x = rng.uniform(-1, 1, (2, 64, 64, 3)).astype("float32")
    both = [to_np(t) for t in model(x)]
    alone = [to_np(t) for t in model(x[:1])]
    for a, b in zip(both, alone):
        np.testing.assert_allclose(a[:1], b, atol=2e-4, rtol=1e-4)


def test_layer_names_follow_the_original(smoke_generator):
    # Weight import maps checkpoint keys through these names.
    names = {layer.name for layer in smoke_generator.layers}
    expected = {"ConvBlock1_conv", "HourGlass1", "HourGlass2", "DownBlock1_conv", "DownBlock2_conv",
                "EncodeBlock1", "EncodeBlock4", "CAM", "FC_0", "FC_2", "DecodeBlock1", "DecodeBlock4",
                "UpBlock1_conv", "UpBlock1_norm", "UpBlock2_conv", "UpBlock2_norm", "HourGlass3",
                "HourGlass4", "ConvBlock2_conv", "image", "cam_logit", "heatmap"}
    assert expected <= names


def test_decoder_gets_content_features_deepest_first(smoke_generator):
    # DecodeBlock i is called as [x, content_features(5 - i), style].
    for i in range(1, 5):
        node = smoke_generator.get_layer(f"DecodeBlock{i}")._inbound_nodes[0]
        sources = [t._keras_history.operation.name for t in node.input_tensors]
        assert sources == ["CAM" if i == 1 else f"DecodeBlock{i - 1}", f"content_features{5 - i}", "FC_2"]


def test_keras_save_load_round_trip(rng, tmp_path, smoke_generator):
    x = rng.uniform(-1, 1, (1, 64, 64, 3)).astype("float32")
    assert_keras_roundtrip(smoke_generator, x, tmp_path)


# --- ModelConfig and presets ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"img_size": 40}, "Received: img_size=40"),
        ({"img_size": 24}, "Received: img_size=24"),
        ({"img_size": 16}, "at least 32. Received: img_size=16"),
        ({"img_size": 0}, "Received: img_size=0"),
        ({"ngf": 6}, "Received: ngf=6"),
        ({"ngf": 0}, "Received: ngf=0"),
        ({"ndf": 0}, "Received: ndf=0"),
        ({"n_layers_global": 2}, "Received: n_layers_global=2"),
        ({"n_layers_local": 2}, "Received: n_layers_local=2"),
    ],
)
def test_model_config_validation(changes, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig(**changes)
    with pytest.raises(ValueError, match=message):
        ModelConfig().replace(**changes)


def test_model_config_defaults_are_the_released_model():
    assert ModelConfig() == ModelConfig(ngf=32, img_size=256, light=True, ndf=32,
                                        n_layers_global=7, n_layers_local=5)


def test_presets():
    assert set(PRESETS) == {"photo2cartoon", "smoke"}
    assert get_preset("photo2cartoon") == ModelConfig()
    smoke = get_preset("smoke")
    assert (smoke.ngf, smoke.img_size, smoke.ndf, smoke.light) == (8, 64, 8, True)
    assert (smoke.n_layers_global, smoke.n_layers_local) == (6, 5)


def test_smoke_preset_discriminators_run_at_its_image_size():
    from tf_p2c.models import build_discriminator

    smoke = get_preset("smoke")
    x = np.zeros((1, smoke.img_size, smoke.img_size, 3), "float32")
    for n_layers in (smoke.n_layers_global, smoke.n_layers_local):
        logit, cam_logit, _ = build_discriminator(smoke.ndf, n_layers)(x)
        assert logit.shape[1] >= 1 and cam_logit.shape == (1, 2)


def test_unknown_preset():
    with pytest.raises(ValueError, match=r"unknown preset 'nope'.*photo2cartoon, smoke"):
        get_preset("nope")


def test_model_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ModelConfig().ngf = 16


def test_model_config_dict_and_json_round_trip():
    config = ModelConfig(ngf=16, img_size=128, light=False, ndf=8, n_layers_global=6, n_layers_local=4)
    values = config.to_dict()
    assert values == {"ngf": 16, "img_size": 128, "light": False, "ndf": 8,
                      "n_layers_global": 6, "n_layers_local": 4}
    assert ModelConfig.from_dict(values) == config
    assert ModelConfig.from_dict(json.loads(config.to_json())) == config
    assert ModelConfig.from_dict({}) == ModelConfig()


def test_model_config_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown model config keys: n_dis, zz"):
        ModelConfig.from_dict({"ngf": 8, "zz": 1, "n_dis": 6})


def test_model_config_from_dict_still_validates():
    with pytest.raises(ValueError, match="Received: img_size=40"):
        ModelConfig.from_dict({"img_size": 40})


def test_one_img_size_rule_for_config_export_and_evaluation():
    from tf_p2c.config import check_img_size
    from tf_p2c.evaluation.evaluate import evaluate_checkpoints
    from tf_p2c.export.errors import ExportError
    from tf_p2c.export.pipeline import _check_size

    for size in (16, 24, 40.5):
        with pytest.raises(ValueError, match="multiple of 16 and at least 32"):
            check_img_size(size)
        with pytest.raises(ExportError, match="multiple of 16 and at least 32"):
            _check_size(size)
        with pytest.raises(ValueError, match="multiple of 16 and at least 32"):
            evaluate_checkpoints(["run"], "a", "b", extractor=None, img_size=size)
    check_img_size(32)
    _check_size(48)
