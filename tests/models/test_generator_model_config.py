"""A generator carries its `ModelConfig`: `Generator`, its `.keras` files, and what reads the config.

Every test here is a round-trip / self-consistency test (the config and weights that go in come
back out), except `test_fact_reloaded_generator_keeps_the_originals_layout`, a fact test against
the original's real state-dict layout (tests/fixtures/original_state_dicts.tsv).
"""

import json
import zipfile

import keras
import numpy as np
import pytest
from helpers import original_keys, to_np
from paths import TINY_ONNX, TINY_PT

from tf_p2c.config import ModelConfig
from tf_p2c.convert.state_dict import WeightsError
from tf_p2c.models import Generator, build_generator
from tf_p2c.network_files import generator_config, load_generator, load_networks

TINY = ModelConfig(ngf=4, img_size=64)


def _legacy_file(generator, path):
    """Writes `generator` the way `.keras` generators were written before they carried their
    config: a plain functional `keras.Model` over the same layers (what `build_generator` returned)."""
    functional = keras.Model(generator.inputs, generator.outputs, name=generator.name)
    assert type(functional).__name__ == "Functional"
    functional.save(path)
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("config.json"))["class_name"] == "Functional"
    return path


def _assert_same_weights(a, b):
    assert [w.path for w in a.weights] == [w.path for w in b.weights]
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(to_np(x), to_np(y), err_msg=x.path)


@pytest.fixture(scope="module")
def tiny():
    """A light 64-px generator and its `.keras` file (building a generator costs seconds)."""
    return build_generator(TINY, name="genA2B")


@pytest.fixture(scope="module")
def tiny_file(tiny, tmp_path_factory):
    path = tmp_path_factory.mktemp("keras") / "genA2B.keras"
    tiny.save(path)
    return path


def test_config_round_trips_through_get_config_and_from_config(tiny):
    assert type(tiny) is Generator and isinstance(tiny, keras.Model) and tiny.model_config == TINY
    saved = tiny.get_config()
    assert saved == {"name": "genA2B", "trainable": True, "model_config": TINY.to_dict()}
    json.dumps(saved)  # a .keras config must be plain JSON
    rebuilt = Generator.from_config(saved)
    assert type(rebuilt) is Generator and rebuilt.model_config == TINY and rebuilt.name == "genA2B"
    assert [w.path for w in rebuilt.weights] == [w.path for w in tiny.weights]
    assert keras.saving.serialize_keras_object(tiny)["registered_name"] == "tf_p2c>Generator"


def test_generator_refuses_a_config_that_is_not_a_model_config():
    with pytest.raises(ValueError, match="model_config must be a ModelConfig"):
        Generator({"ngf": 4, "img_size": 32})


def test_generator_config_reads_the_config_not_the_layers(tiny):
    assert generator_config(tiny) is tiny.model_config
    # A functional model with every layer of a generator but no config is not taken for one.
    with pytest.raises(WeightsError, match="not a photo2cartoon Generator"):
        generator_config(keras.Model(tiny.inputs, tiny.outputs))


def test_export_metadata_is_the_carried_config(tiny):
    from tf_p2c.export.tflite import model_metadata

    facts = model_metadata(tiny, None)["model"]
    assert facts == {"ngf": 4, "img_size": 64, "light": True, "parameters": tiny.count_params()}


def test_keras_file_reloads_as_a_generator_with_its_config(rng, tiny, tiny_file):
    with zipfile.ZipFile(tiny_file) as archive:
        saved = json.loads(archive.read("config.json"))
    assert saved["registered_name"] == "tf_p2c>Generator" and saved["config"]["model_config"] == TINY.to_dict()
    loaded = load_generator(tiny_file)
    assert type(loaded) is Generator and loaded.model_config == TINY and loaded.name == "genA2B"
    _assert_same_weights(tiny, loaded)
    x = rng.uniform(-1, 1, (1, 64, 64, 3)).astype("float32")
    for a, b in zip(tiny(x), loaded(x)):
        np.testing.assert_array_equal(to_np(a), to_np(b))


def test_keras_file_of_a_light_generator_loads_at_its_own_img_size(tiny_file):
    # A light generator can run at any size; a .keras file's is the one it was saved with,
    # whatever size a requested config names.
    loaded = load_generator(tiny_file, config=ModelConfig(ngf=4, img_size=256))
    assert loaded.input_shape[1] == 64 and loaded.model_config.img_size == 64


def test_keras_file_checked_against_a_requested_config(tiny_file):
    with pytest.raises(WeightsError, match="has ngf=4, light=True, but ngf=8, light=True was requested"):
        load_generator(tiny_file, config=ModelConfig(ngf=8))


@pytest.mark.parametrize("light", [True, False], ids=["light", "full"])
def test_keras_file_written_before_generators_carried_their_config(rng, tmp_path, light):
    model = build_generator(ModelConfig(ngf=4, img_size=32, light=light), name="genA2B")
    path = _legacy_file(model, tmp_path / "genA2B.keras")
    loaded = load_generator(path)
    assert type(loaded) is Generator and loaded.name == "genA2B"
    assert loaded.model_config == ModelConfig(ngf=4, img_size=32, light=light)
    _assert_same_weights(model, loaded)
    x = rng.uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    for a, b in zip(model(x), loaded(x)):
        np.testing.assert_array_equal(to_np(a), to_np(b))


def test_other_keras_models_are_refused(tmp_path):
    inputs = keras.Input((32, 32, 3))
    keras.Model(inputs, keras.layers.Conv2D(3, 3, padding="same", name="ConvBlock1_conv")(inputs)).save(
        tmp_path / "other.keras")
    with pytest.raises(WeightsError, match="not a photo2cartoon generator"):
        load_generator(tmp_path / "other.keras")


def test_original_files_load_as_generators_with_their_config():
    # p2c_tiny.pt and gen_tiny.onnx hold ResnetGenerator(ngf=8, img_size=64, light=True); a
    # light generator of a .pt loads at 256 unless told, one of an .onnx at the graph's size.
    networks = load_networks(TINY_PT, names=["genB2A", "disGA"])
    assert type(networks["genB2A"]) is Generator
    assert networks["genB2A"].model_config == ModelConfig(ngf=8, img_size=256, light=True)
    assert not isinstance(networks["disGA"], Generator)
    loaded = load_generator(TINY_ONNX)
    assert type(loaded) is Generator and loaded.model_config == ModelConfig(ngf=8, img_size=64, light=True)


def test_fact_reloaded_generator_keeps_the_originals_layout(tmp_path):
    # The weight importers and `convert --out X.pt` map by layer names and weight order; a
    # Generator that went through a .keras file must still write the original's keys in order.
    from tf_p2c.convert.original_checkpoint import original_state_dict

    build_generator(ModelConfig(), name="genA2B").save(tmp_path / "g.keras")
    written = original_state_dict(load_generator(tmp_path / "g.keras"))
    assert [(k, v.shape) for k, v in written.items()] == [
        (k, s) for k, s, _ in original_keys("photo2cartoon_weights.pt", "genA2B")]


def test_one_img_size_rule_for_every_file_kind(tiny_file):
    # Checked before the file is read, so a .keras file (which keeps its own size) is no exception.
    for path in (TINY_PT, TINY_ONNX, tiny_file):
        with pytest.raises(ValueError, match="multiple of 16 and at least 32. Received: img_size=40"):
            load_generator(path, img_size=40)
