"""train_keras.py end to end on a tiny dataset, resume, and bad input.

The steps run eagerly (--run_eagerly): building the graph of the full step takes over a minute
on two CPU cores, so only test_compiled_step.py builds it. The tests that train are marked
`large` (`pytest -m "not large"` skips them).
"""

import json
import os

import numpy as np
import pytest
import tensorflow as tf
from training_helpers import run_python, write_dataset

import train_keras
from tf_p2c.training.checkpoints import CheckpointMismatchError
from tf_p2c.training.loop import TrainingError, train
from paths import TINY_PT

FLAGS = ["--preset", "smoke", "--ngf", "4", "--dataset", "d", "--iteration", "2", "--save_freq", "1",
         "--print_freq", "2", "--faceid_weight", "0", "--run_eagerly", "--seed", "3"]


def _config(data_root, result_dir, *extra):
    args = train_keras.parse_args([*FLAGS, "--data-root", data_root, "--result_dir", str(result_dir),
                                   "--no-progress", "--no-tensorboard", *extra])
    return train_keras.build_config(args)


def _checkpoint_values(prefix):
    reader = tf.train.load_checkpoint(prefix)
    values = {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map() if "save_counter" not in k}
    return {k: v for k, v in values.items() if isinstance(v, np.ndarray)}


@pytest.fixture(scope="module")
def cli_run(tiny_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    result = run_python(["train_keras.py", *FLAGS, "--data-root", tiny_data, "--result_dir", str(out)], timeout=400)
    return result, os.path.join(out, "d")


@pytest.mark.large
def test_cli_writes_config_checkpoint_samples_and_export(cli_run):
    result, run_dir = cli_run
    assert result.returncode == 0, result.stderr[-3000:]
    with open(os.path.join(run_dir, "config.json")) as handle:
        config = json.load(handle)
    assert config["model"]["ngf"] == 4 and config["iteration"] == 2 and config["loss_weights"]["faceid"] == 0
    assert tf.train.latest_checkpoint(os.path.join(run_dir, "checkpoints")).endswith("ckpt-2")
    assert os.path.getsize(os.path.join(run_dir, "samples", "samples_0000002.png")) > 0
    assert any(f.startswith("events.out.tfevents") for f in os.listdir(os.path.join(run_dir, "logs")))
    import tf_p2c

    generator = tf_p2c.load_generator(os.path.join(run_dir, "export", "genA2B.keras"))
    image, cam, heatmap = generator(np.zeros((1, 64, 64, 3), np.float32))
    assert image.shape == (1, 64, 64, 3) and cam.shape == (1, 2) and heatmap.shape == (1, 16, 16, 1)


@pytest.mark.large
def test_resume_gives_the_same_weights_as_a_straight_run(cli_run, tiny_data, tmp_path):
    result, run_dir = cli_run
    assert result.returncode == 0, result.stderr[-3000:]
    first = train(_config(tiny_data, tmp_path), max_steps=1)
    assert first["step"] == 1
    second = train(_config(tiny_data, tmp_path, "--resume"))
    assert second["start_step"] == 1 and second["step"] == 2
    straight = _checkpoint_values(os.path.join(run_dir, "checkpoints", "ckpt-2"))
    resumed = _checkpoint_values(second["checkpoint"])
    assert set(straight) == set(resumed)
    worst = max(float(np.max(np.abs(straight[k].astype(np.float64) - resumed[k]))) for k in straight
                if straight[k].dtype.kind == "f")
    assert worst <= 1e-6, worst  # optimizer moments, step, u / v and weights included


@pytest.mark.large
def test_resume_with_contradicting_flags_is_a_clear_error(cli_run, tiny_data):
    _, run_dir = cli_run
    result_dir = os.path.dirname(run_dir)
    with pytest.raises(CheckpointMismatchError, match="ngf=4 \\(flags: 8\\)"):
        train(_config(tiny_data, result_dir, "--resume", "--ngf", "8"))
    with pytest.raises(TrainingError, match="--resume"):
        train(_config(tiny_data, result_dir))  # a run dir with checkpoints, no --resume


def test_missing_or_empty_training_folder(tmp_path):
    root = write_dataset(tmp_path, n=1)
    for name in os.listdir(os.path.join(root, "d", "trainB")):
        os.remove(os.path.join(root, "d", "trainB", name))
    with pytest.raises(TrainingError, match="trainB holds no images"):
        train(_config(root, tmp_path / "out"))
    with pytest.raises(TrainingError, match="does not exist"):
        train(_config(str(tmp_path / "nowhere"), tmp_path / "out"))


def test_faceid_model_flag_its_old_name_and_the_loss_weight_are_apart(tmp_path):
    for flag in ("--faceid_model", "--faceid_weights"):
        config = _config("data", tmp_path, flag, "mfn.pth", "--faceid_weight", "2.5")
        assert config.faceid_model == "mfn.pth" and config.loss_weights.faceid == 2.5


def test_recipe_fills_in_and_explicit_flags_win(tmp_path):
    from tf_p2c.training.recipes import RECIPES

    explicit = {"iteration", "save_freq", "print_freq"}  # given by FLAGS
    few_shot = _config("data", tmp_path, "--recipe", "few_shot")
    for field, value in RECIPES["few_shot"].items():
        assert getattr(few_shot, field) == (getattr(_config("data", tmp_path), field) if field in explicit else value)
    assert few_shot.diff_augment == "color,translation,cutout" and few_shot.iteration == 2
    mine = _config("data", tmp_path, "--recipe", "few_shot", "--iteration", "77", "--diff_augment", "none")
    assert mine.iteration == 77 and mine.diff_augment == "none"
    assert mine.save_freq == few_shot.save_freq and mine.lr == few_shot.lr
    with pytest.raises(ValueError, match="unknown recipe 'fewshot'"):
        _config("data", tmp_path, "--recipe", "fewshot")


def test_config_json_of_earlier_runs_reads_back(tmp_path):
    from tf_p2c.training.config import TrainConfig

    old = json.loads(_config("data", tmp_path).to_json())
    old["weights"] = old.pop("loss_weights")
    old["faceid_weights"] = old.pop("faceid_model")
    old["weights"]["cam"] = 7.0
    config = TrainConfig.from_dict(old)
    assert config.loss_weights.cam == 7.0 and config.faceid_model is None


def test_faceid_weight_without_weights_is_a_clear_error(tiny_data, tmp_path):
    config = _config(tiny_data, tmp_path).replace()
    config = config.replace(loss_weights=config.loss_weights.__class__(faceid=1.0))
    with pytest.raises(TrainingError, match="--faceid_model"):
        train(config)


def test_nan_loss_stops_with_the_step_and_last_checkpoint(tiny_data, tmp_path, monkeypatch):
    from tf_p2c.training.loop import TrainingDivergedError
    from tf_p2c.training.trainer import UGATIT

    calls = []

    def fake_step(self, real_a, real_b):
        calls.append(1)
        self.step.assign_add(1)
        return {"D_loss": 1.0, "G_loss": float("nan") if len(calls) == 2 else 2.0}

    monkeypatch.setattr(UGATIT, "train_step", fake_step)
    with pytest.raises(TrainingDivergedError, match=r"step 2 \(G_loss\).*ckpt-1"):
        train(_config(tiny_data, tmp_path, "--iteration", "5"))


def test_pretrained_weights_from_the_originals_checkpoint():
    from tf_p2c.config import ModelConfig
    from tf_p2c.training.config import LossWeights, TrainConfig
    from tf_p2c.training.loop import _load_pretrained
    from tf_p2c.training.trainer import UGATIT
    from tf_p2c.network_files import load_networks

    path = TINY_PT
    # p2c_tiny.pt: ngf 8, ndf 2, 7/5-layer discriminators (which need >= 96 px).
    config = TrainConfig(model=ModelConfig(ngf=8, img_size=96, ndf=2), loss_weights=LossWeights(faceid=0.0))
    trainer = UGATIT(config)
    assert sorted(_load_pretrained(trainer, path)) == sorted(trainer.networks)
    reference = load_networks(path, config.model)
    for name, model in reference.items():
        for a, b in zip(trainer.networks[name].weights, model.weights):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    small = UGATIT(config.replace(model=config.model.replace(n_layers_global=6)))
    with pytest.raises(TrainingError, match="architecture differs"):
        _load_pretrained(small, path)
