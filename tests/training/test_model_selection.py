"""Model selection during training: KID / FID every --eval_freq steps, best/ kept, history resumed.

Most runs replace the GAN step with a cheap one that moves genA2B's weights by seeded noise (an
eager U-GAT-IT step takes ~15 s on two cores): what is under test is what the loop and the
callback do with a generator that changes. One run goes through train_keras.py with the real step.
"""

import csv
import hashlib
import json
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from training_helpers import write_dataset

import tf_p2c
import train_keras
from tf_p2c.training import model_selection
from tf_p2c.training.callbacks import Callback
from tf_p2c.training.checkpoints import checkpoint_prefixes
from tf_p2c.training.config import LossWeights, TrainConfig
from tf_p2c.training.loop import train
from tf_p2c.training.model_selection import ModelSelectionCallback, ModelSelectionError, build_model_selection
from tf_p2c.training.trainer import UGATIT

SIZE = 32


def _write_test_split(root, name, count, seed):
    folder = os.path.join(root, "d", name)
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (72, 72, 3), dtype=np.uint8)).save(os.path.join(folder, f"{i}.png"))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = write_dataset(tmp_path_factory.mktemp("ms_data"), n=3)
    _write_test_split(root, "testA", 5, 1)
    _write_test_split(root, "testB", 4, 2)
    return root


def _config(data_root, result_dir, **changes):
    values = dict(dataset="d", data_root=str(data_root), result_dir=str(result_dir), iteration=4, save_freq=2,
                  print_freq=100, eval_freq=1, eval_feature_model="tiny", run_eagerly=True, progress=False,
                  loss_weights=LossWeights(faceid=0.0))
    values.update(changes)
    config = TrainConfig.from_preset("smoke", **values)
    return config.replace(model=config.model.replace(img_size=SIZE, ngf=4, ndf=4, n_layers_global=5,
                                                     n_layers_local=3))


def _noise_step(self, real_a, real_b):
    """Stands in for the GAN step: genA2B moves by noise seeded with the step number."""
    step = int(self.step.numpy()) + 1
    rng = np.random.default_rng(step)
    for variable in self.networks["genA2B"].trainable_variables:
        variable.assign_add(rng.normal(0.0, 0.05, variable.shape).astype(np.float32))
    self.step.assign_add(1)
    return {"D_loss": 1.0, "G_loss": 2.0}


PROBE = np.random.default_rng(7).uniform(-1, 1, (2, SIZE, SIZE, 3)).astype(np.float32)


class Recorder(Callback):
    """genA2B's output on a fixed probe after every step (callbacks passed to train run after the defaults)."""

    def __init__(self):
        self.outputs = {}

    def on_train_begin(self, trainer, start_step):
        self.trainer = trainer

    def on_step_end(self, step, logs):
        self.outputs[step] = self.trainer.networks["genA2B"](PROBE, training=False)[0].numpy()


def _read(path):
    with open(path) as handle:
        return json.load(handle)


def _sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture(scope="module")
def resumed_run(data, tmp_path_factory):
    """Steps 1-2, stopped (max_steps), then --resume to step 4; evaluated at every step."""
    patch = pytest.MonkeyPatch()
    patch.setattr(UGATIT, "train_step", _noise_step)
    try:
        out = tmp_path_factory.mktemp("ms_run")
        recorder = Recorder()
        first = train(_config(data, out), callbacks=[recorder], max_steps=2)
        run_dir = os.path.join(out, "d")
        after_first = _read(os.path.join(run_dir, "eval", "history.json"))
        second = train(_config(data, out, resume=True), callbacks=[recorder])
    finally:
        patch.undo()
    return {"run_dir": run_dir, "first": first, "second": second, "after_first": after_first,
            "outputs": recorder.outputs}


def test_history_has_one_entry_per_evaluation_and_survives_resume(resumed_run):
    run_dir = resumed_run["run_dir"]
    assert resumed_run["first"]["step"] == 2 and resumed_run["second"]["start_step"] == 2
    history = _read(os.path.join(run_dir, "eval", "history.json"))
    assert [e["step"] for e in history["history"]] == [1, 2, 3, 4]
    # The resumed run read the first two entries back instead of scoring them again.
    assert history["history"][:2] == resumed_run["after_first"]["history"]
    assert history["n_a"] == 5 and history["n_b"] == 4 and history["feature_model"] == "tiny"
    assert history["test_a"].endswith(os.path.join("d", "testA")) and history["split_b"] == "testB"
    with open(os.path.join(run_dir, "eval", "history.csv")) as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    for row, entry in zip(rows, history["history"]):
        assert float(row["kid"]) == pytest.approx(entry["kid"]) and float(row["fid"]) == pytest.approx(entry["fid"])
    # The generator changed between evaluations, so the scores did too.
    assert len({e["kid"] for e in history["history"]}) == 4


def test_best_is_the_argmin_of_kid_and_reproduces_the_generator_of_that_step(resumed_run):
    run_dir = resumed_run["run_dir"]
    history = _read(os.path.join(run_dir, "eval", "history.json"))["history"]
    best = _read(os.path.join(run_dir, "best", "best.json"))
    argmin = min(history, key=lambda e: e["kid"])
    assert best["step"] == argmin["step"] and best["kid"] == argmin["kid"] and best["fid"] == argmin["fid"]
    model_path = os.path.join(run_dir, "best", "genA2B.keras")
    assert best["sha256"] == _sha256(model_path)
    assert _read(os.path.join(run_dir, "best", "config.json"))["img_size"] == SIZE
    generator = tf_p2c.load_generator(model_path)
    image = generator(PROBE, training=False)[0].numpy()
    np.testing.assert_allclose(image, resumed_run["outputs"][best["step"]], atol=1e-5)
    for step, output in resumed_run["outputs"].items():
        if step != best["step"]:
            assert np.max(np.abs(output - image)) > 1e-3, step


def test_curve_and_tensorboard_scalars(resumed_run):
    run_dir = resumed_run["run_dir"]
    history = _read(os.path.join(run_dir, "eval", "history.json"))["history"]
    root = ET.parse(os.path.join(run_dir, "eval", "curve.svg")).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}polyline")) == 2 and len(root.findall(f"{ns}circle")) == 8
    scalars = {}
    logs = os.path.join(run_dir, "logs")
    for name in sorted(os.listdir(logs)):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(logs, name)):
            for value in event.summary.value:
                if value.tag.startswith("eval/"):
                    scalars.setdefault(value.tag, {})[event.step] = float(tf.make_ndarray(value.tensor))
    assert set(scalars) == {"eval/kid", "eval/kid_std", "eval/fid"}
    assert scalars["eval/kid"] == {e["step"]: pytest.approx(e["kid"]) for e in history}
    assert scalars["eval/fid"] == {e["step"]: pytest.approx(e["fid"]) for e in history}


def test_best_stays_until_beaten_and_the_last_step_is_scored(data, tmp_path, monkeypatch):
    """Scripted KIDs: the best is step 2, never beaten; eval_freq 2 of 3 steps scores 2 and 3 (the end)."""
    kids = iter([0.5, 0.7])
    real_kid = model_selection.kernel_inception_distance
    monkeypatch.setattr(model_selection, "kernel_inception_distance",
                        lambda *args: (next(kids), real_kid(*args)[1]))
    monkeypatch.setattr(UGATIT, "train_step", _noise_step)
    recorder = Recorder()
    messages = []
    monkeypatch.setattr(model_selection, "_stderr", messages.append)
    config = _config(data, tmp_path, iteration=3, eval_freq=2, save_freq=3, tensorboard=False)
    train(config, callbacks=[recorder])
    history = _read(os.path.join(config.run_dir, "eval", "history.json"))
    assert [(e["step"], e["kid"]) for e in history["history"]] == [(2, 0.5), (3, 0.7)]
    assert history["best"]["step"] == 2 and _read(os.path.join(config.run_dir, "best", "best.json"))["step"] == 2
    best = tf_p2c.load_generator(os.path.join(config.run_dir, "best", "genA2B.keras"))
    np.testing.assert_allclose(best(PROBE)[0].numpy(), recorder.outputs[2], atol=1e-5)
    final = tf_p2c.load_generator(os.path.join(config.run_dir, "export", "genA2B.keras"))
    np.testing.assert_allclose(final(PROBE)[0].numpy(), recorder.outputs[3], atol=1e-5)
    assert any("step 3" in m and "best: step 2" in m for m in messages), messages


# ---- resume edge cases, on the callback alone ---------------------------------------------------

SETTINGS = {"feature_model": "tiny", "feature_weights_sha256": None, "img_size": SIZE, "split_a": "testA",
            "split_b": "testB", "test_a": "/a", "test_b": "/b", "n_a": 3, "n_b": 3}


class _Trainer:
    def __init__(self):
        self.networks = {"genA2B": lambda x, training=False: (x, None, None)}


def _callback(run_root, messages, **settings):
    config = _config("unused", run_root)
    images = np.zeros((3, SIZE, SIZE, 3), np.float32)
    return ModelSelectionCallback(config, images, np.zeros((3, 4)), lambda x: np.zeros((len(x), 4)),
                                  {**SETTINGS, **settings}, log=messages.append)


def _write_run(run_dir, steps, best_step, model_bytes=b"model", sha=None, settings=None, best_settings=None):
    os.makedirs(os.path.join(run_dir, "eval"), exist_ok=True)
    os.makedirs(os.path.join(run_dir, "best"), exist_ok=True)
    history = [{"step": s, "kid": 1.0 / s, "kid_std": 0.0, "fid": 10.0 / s, "seconds": 0.1} for s in steps or []]
    if steps is not None:
        with open(os.path.join(run_dir, "eval", "history.json"), "w") as handle:
            json.dump({**(settings or SETTINGS), "history": history}, handle)
    with open(os.path.join(run_dir, "best", "genA2B.keras"), "wb") as handle:
        handle.write(model_bytes)
    best = {"step": best_step, "kid": 1.0 / best_step, "kid_std": 0.0, "fid": 10.0 / best_step, "seconds": 0.1,
            "sha256": sha or hashlib.sha256(model_bytes).hexdigest(), **(best_settings or SETTINGS)}
    with open(os.path.join(run_dir, "best", "best.json"), "w") as handle:
        json.dump(best, handle)


def test_resume_drops_entries_after_the_resumed_step_and_keeps_best(tmp_path):
    messages = []
    callback = _callback(tmp_path, messages)
    _write_run(callback.config.run_dir, [1, 2, 3, 4, 5], best_step=3)
    callback.on_train_begin(_Trainer(), 3)
    assert [e["step"] for e in callback.history] == [1, 2, 3] and callback.best["step"] == 3
    assert any("dropped 2 evaluation(s) after step 3" in m for m in messages), messages


@pytest.mark.parametrize("steps", [[1, 2], None])
def test_resume_recovers_a_best_written_just_before_a_kill(tmp_path, steps):
    callback = _callback(tmp_path, [])
    _write_run(callback.config.run_dir, steps, best_step=3)  # best/ of step 3 written, history not (yet)
    callback.on_train_begin(_Trainer(), 3)
    assert [e["step"] for e in callback.history] == [*(steps or []), 3] and callback.best["step"] == 3
    assert callback.history[-1]["kid"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("best_step, sha, best_settings, expected", [
    (5, None, None, "after the resumed step 3"),  # best/ from a step that runs again
    (2, "0" * 64, None, "does not match"),  # best.json and genA2B.keras from different saves
    (2, None, {**SETTINGS, "img_size": 64}, "other settings"),
])
def test_resume_with_a_best_that_cannot_stand_replaces_it_next(tmp_path, best_step, sha, best_settings, expected):
    messages = []
    callback = _callback(tmp_path, messages)
    _write_run(callback.config.run_dir, [1, 2, 3], best_step=best_step, sha=sha, best_settings=best_settings)
    callback.on_train_begin(_Trainer(), 3)
    assert callback.best is None and [e["step"] for e in callback.history] == [1, 2, 3]
    assert any(expected in m for m in messages), messages


CHANGED = {"counts": {"n_b": 7}, "weights": {"feature_weights_sha256": "f" * 64}, "split": {"split_a": "trainA"}}


@pytest.mark.parametrize("problem", [*CHANGED, "garbled", "oversized"])
def test_resume_sets_aside_a_history_it_cannot_continue(tmp_path, problem):
    messages = []
    callback = _callback(tmp_path, messages)
    run_dir = callback.config.run_dir
    _write_run(run_dir, [1, 2], best_step=2, settings={**SETTINGS, **CHANGED.get(problem, {})})
    path = os.path.join(run_dir, "eval", "history.json")
    if problem == "garbled":
        with open(path, "wb") as handle:
            handle.write(b"{not json")
    elif problem == "oversized":
        with open(path, "a") as handle:
            handle.write(" " * (model_selection.MAX_HISTORY_BYTES + 1))
    callback.on_train_begin(_Trainer(), 2)
    assert callback.history == [] and callback.best is None
    assert os.path.exists(os.path.join(run_dir, "eval", "history.before-2.json")) and not os.path.exists(path)
    assert any("starting a new history" in m for m in messages), messages
    if problem == "counts":
        assert any("n_b 7 -> 3" in m for m in messages), messages


def test_resume_after_moving_the_dataset_continues(tmp_path):
    callback = _callback(tmp_path, [])
    _write_run(callback.config.run_dir, [1, 2], best_step=2, settings={**SETTINGS, "test_a": "/mnt/old/d/testA"})
    callback.on_train_begin(_Trainer(), 2)
    assert [e["step"] for e in callback.history] == [1, 2] and callback.best["step"] == 2


def test_kid_uses_one_draw_when_each_subset_is_a_whole_set(tmp_path):
    callback = _callback(tmp_path, [])
    assert callback.kid_subsets == 1 and callback.kid_subset_size == 3
    bigger = ModelSelectionCallback(callback.config, np.zeros((5, SIZE, SIZE, 3)), np.zeros((3, 4)), None, SETTINGS)
    assert bigger.kid_subsets == 100 and bigger.kid_subset_size == 3


# ---- evaluation images and bad input ------------------------------------------------------------

def test_without_test_splits_the_training_images_are_scored_and_the_log_says_so(tmp_path):
    root = write_dataset(tmp_path / "data", n=3)
    messages = []
    callback = build_model_selection(_config(root, tmp_path / "out"), log=messages.append)
    assert callback.settings["test_a"].endswith(os.path.join("d", "trainA"))
    assert (callback.settings["split_a"], callback.settings["split_b"]) == ("trainA", "trainB")
    assert sum("scoring" in m and "trainA" in m for m in messages) == 1


def test_eval_images_caps_both_sets(data, tmp_path):
    callback = build_model_selection(_config(data, tmp_path, eval_images=3), log=lambda m: None)
    assert callback.settings["n_a"] == 3 and callback.settings["n_b"] == 3
    assert callback.images_a.shape == (3, SIZE, SIZE, 3) and callback.features_b.shape[0] == 3


def test_too_few_images_is_one_line(tmp_path):
    root = write_dataset(tmp_path / "data", n=1)
    with pytest.raises(ModelSelectionError) as error:
        build_model_selection(_config(root, tmp_path / "out"), log=lambda m: None)
    assert str(error.value).startswith("--eval_freq: ") and "at least 2 images" in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("flags, expected", [
    (["--eval_freq", "-1"], "--eval_freq must be >= 0"),
    (["--eval_images", "1"], "--eval_images must be >= 2"),
    (["--eval_feature_model", "vgg"], "--eval_feature_model must be one of inception, tiny"),
    (["--eval_freq", "5"], "needs --inception_weights PATH"),
])
def test_bad_flag_values_are_one_line(flags, expected, tmp_path, capsys):
    code = train_keras.main(["--preset", "smoke", "--data-root", str(tmp_path), "--result_dir", str(tmp_path),
                             *flags])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and expected in err, err


def test_missing_inception_weights_stop_the_run_before_the_first_step(data, tmp_path, capsys):
    code = train_keras.main(["--preset", "smoke", "--ngf", "4", "--data-root", data, "--dataset", "d",
                             "--result_dir", str(tmp_path), "--faceid_weight", "0", "--run_eagerly", "--no-progress",
                             "--eval_freq", "2", "--inception_weights", str(tmp_path / "missing.h5")])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1, err
    assert "--inception-weights" in err and "missing.h5: no such file" in err
    assert checkpoint_prefixes(os.path.join(tmp_path, "d", "checkpoints")) == []


def test_flags_reach_the_config(tmp_path):
    args = train_keras.parse_args(["--eval_freq", "500", "--eval_images", "64", "--eval_feature_model", "tiny",
                                   "--inception-weights", "w.h5"])
    config = train_keras.build_config(args)
    assert (config.eval_freq, config.eval_images, config.eval_feature_model, config.inception_weights) == (
        500, 64, "tiny", "w.h5")
    assert train_keras.build_config(train_keras.parse_args([])).eval_freq == 0


def test_cli_run_with_the_real_step_scores_every_evaluation(data, tmp_path, capsys):
    code = train_keras.main(["--preset", "smoke", "--ngf", "4", "--img_size", str(SIZE), "--n_dis", "5",
                             "--data-root", data, "--dataset", "d", "--result_dir", str(tmp_path), "--iteration", "2",
                             "--save_freq", "2", "--print_freq", "2", "--faceid_weight", "0", "--run_eagerly",
                             "--no-progress", "--eval_freq", "1", "--eval_feature_model", "tiny"])
    captured = capsys.readouterr()
    assert code == 0, captured.err[-2000:]
    run_dir = os.path.join(tmp_path, "d")
    history = _read(os.path.join(run_dir, "eval", "history.json"))["history"]
    assert [e["step"] for e in history] == [1, 2]
    best = _read(os.path.join(run_dir, "best", "best.json"))
    assert best["step"] == min(history, key=lambda e: e["kid"])["step"]
    assert sum("model selection: step" in line for line in captured.err.splitlines()) == 2
