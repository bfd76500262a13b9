"""Hostile input to training and export: nothing lost, nothing exposed, nothing hangs.

One tiny run (4 stubbed steps, a checkpoint each: building the networks and saving is what
costs, not the step) is made once for the module; each resume test damages a copy of it. Ctrl-C is a real SIGINT sent to this process from inside a stubbed
training step or export, so the handlers under test are the ones that run.
"""

import hashlib
import logging
import os
import shutil
import signal

import pytest
from training.training_helpers import write_dataset

import export_tflite
import train_keras
from tf_p2c.export.errors import ExportError
from tf_p2c.export.pipeline import FILES, REPORT_FILE, export_all
from tf_p2c.training.loop import TrainingError, TrainingInterrupted, train
from tf_p2c.training.trainer import UGATIT
from paths import TINY_PT

FLAGS = ["--preset", "smoke", "--ngf", "4", "--ch", "2", "--dataset", "d", "--iteration", "4", "--save_freq", "1",
         "--print_freq", "100", "--faceid_weight", "0", "--run_eagerly", "--seed", "3", "--keep_checkpoints", "5",
         "--no-progress", "--no-tensorboard"]


def _config(data_root, result_dir, *extra):
    return train_keras.build_config(train_keras.parse_args(
        [*FLAGS, "--data-root", data_root, "--result_dir", str(result_dir), *extra]))


def _digests(folder):
    """{relative path: sha256} of every file under `folder`."""
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return out


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("data"), n=2)


def _stub_step(self, real_a, real_b):
    self.step.assign_add(1)
    return {"D_loss": 1.0, "G_loss": 2.0}


@pytest.fixture(scope="module")
def finished_run(data_root, tmp_path_factory):
    """result_dir of a finished 4-step run: checkpoints/ckpt-1..4 and export/genA2B.keras."""
    result_dir = tmp_path_factory.mktemp("run")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(UGATIT, "train_step", _stub_step)
        summary = train(_config(data_root, result_dir))
    assert summary["step"] == 4 and summary["checkpoint"].endswith("ckpt-4"), summary
    return str(result_dir)


@pytest.fixture(scope="module")
def trainer(data_root, finished_run):
    """Networks and optimizers of the finished run's architecture, to restore into."""
    return UGATIT(_config(data_root, finished_run))


@pytest.fixture
def run_copy(finished_run, tmp_path):
    """A copy of the finished run to damage: (result_dir, its checkpoints folder)."""
    result_dir = str(tmp_path / "run")
    shutil.copytree(finished_run, result_dir)
    return result_dir, os.path.join(result_dir, "d", "checkpoints")


# ------------------------------------------------------------------ 1. resume without a trustworthy index


def test_missing_index_resumes_from_the_newest_checkpoint_and_never_restarts(run_copy, data_root, caplog,
                                                                              monkeypatch):
    monkeypatch.setattr(UGATIT, "train_step", _stub_step)
    result_dir, ckpt_dir = run_copy
    os.remove(os.path.join(ckpt_dir, "checkpoint"))
    before = _digests(os.path.join(result_dir, "d"))
    # Without --resume the run is refused and left byte for byte as it was.
    with pytest.raises(TrainingError, match="already holds checkpoints: pass --resume"):
        train(_config(data_root, result_dir))
    assert _digests(os.path.join(result_dir, "d")) == before
    with caplog.at_level(logging.WARNING):
        summary = train(_config(data_root, result_dir, "--resume", "--iteration", "5"))
    assert summary["start_step"] == 4 and summary["step"] == 5
    assert any("checkpoint is missing; resuming from ckpt-4" in r.getMessage() for r in caplog.records)
    after = _digests(os.path.join(result_dir, "d"))
    for n in (1, 2, 3, 4):  # the run's checkpoints are still the ones it wrote
        key = os.path.join("checkpoints", f"ckpt-{n}.data-00000-of-00001")
        assert after[key] == before[key]
    assert os.path.exists(os.path.join(ckpt_dir, "ckpt-5.index"))


def test_truncated_newest_checkpoint_falls_back_to_the_previous_one(run_copy, trainer, caplog):
    from tf_p2c.training.checkpoints import TrainingCheckpoint

    _, ckpt_dir = run_copy
    data = os.path.join(ckpt_dir, "ckpt-4.data-00000-of-00001")
    with open(data, "r+b") as handle:
        handle.truncate(os.path.getsize(data) // 2)
    checkpoint = TrainingCheckpoint(trainer, ckpt_dir, seed=3, max_to_keep=5)
    with caplog.at_level(logging.WARNING):
        assert checkpoint.restore_latest() == 3
    assert any("unreadable checkpoint ckpt-4" in r.getMessage() and "resuming from ckpt-3" in r.getMessage()
               for r in caplog.records)
    trainer.step.assign(4)
    checkpoint.save()  # the resumed run's next save writes ckpt-4 whole again
    import tensorflow as tf

    reader = tf.train.load_checkpoint(os.path.join(ckpt_dir, "ckpt-4"))
    assert int(reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE")) == 4


def test_garbled_index_is_named_and_no_readable_checkpoint_is_refused(run_copy, data_root, capsys):
    result_dir, ckpt_dir = run_copy
    state = os.path.join(ckpt_dir, "checkpoint")
    with open(state, "wb") as handle:
        handle.write(b"model_checkpoint_path: \x00\xff{{ garbled")
    for n in (1, 2, 3, 4):
        with open(os.path.join(ckpt_dir, f"ckpt-{n}.index"), "r+b") as handle:
            handle.truncate(10)
    before = _digests(os.path.join(result_dir, "d"))
    argv = [*FLAGS, "--data-root", data_root, "--result_dir", result_dir, "--resume"]
    assert train_keras.main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("train_keras.py: error: --resume: no checkpoint in") and state in err, err
    assert _digests(os.path.join(result_dir, "d")) == before  # config.json and export untouched too


def test_garbled_index_with_intact_checkpoints_resumes_and_names_the_file(run_copy, trainer, caplog):
    from tf_p2c.training.checkpoints import TrainingCheckpoint

    _, ckpt_dir = run_copy
    state = os.path.join(ckpt_dir, "checkpoint")
    with open(state, "w") as handle:
        handle.write("garbage {{{")
    with caplog.at_level(logging.WARNING):
        assert TrainingCheckpoint(trainer, ckpt_dir, seed=3, max_to_keep=5).restore_latest() == 4
    assert any(r.getMessage().startswith(f"{state} is not a checkpoint state file") for r in caplog.records)
    import tensorflow as tf

    assert tf.train.latest_checkpoint(ckpt_dir).endswith("ckpt-4")  # the state file was repaired


# ------------------------------------------------------------------ 2. image size against discriminator depth


@pytest.mark.parametrize("extra, flag", [(["--n_dis", "7", "--img_size", "64"], "--n_dis 7"),
                                         (["--img_size", "32"], "--n_dis 6"),
                                         (["--n_dis", "5", "--n_dis_local", "6", "--img_size", "32"], "--n_dis_local 6")])
def test_discriminator_too_deep_for_the_image_size_is_a_usage_error(tmp_path, capsys, extra, flag):
    argv = ["--preset", "smoke", "--data-root", str(tmp_path), "--result_dir", str(tmp_path / "out"), *extra]
    assert train_keras.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"train_keras.py: error: {flag} is too deep for --img_size"), err
    assert "lower " + flag.split()[0] in err and not (tmp_path / "out").exists()


def test_the_size_check_agrees_with_building_the_discriminator():
    from tf_p2c.config import final_map_side
    from tf_p2c.models import build_discriminator

    for size, depth in ((64, 6), (96, 7), (48, 6)):  # the deepest that fit: they build
        assert final_map_side(size, depth) >= 1
        assert build_discriminator(2, depth, img_size=size).outputs[0].shape[1] == final_map_side(size, depth)
    for size, depth in ((64, 7), (32, 6)):
        with pytest.raises(ValueError, match=f"{depth}-layer discriminator needs images of at least"):
            build_discriminator(2, depth, img_size=size)


# ------------------------------------------------------------------ 3. Ctrl-C


@pytest.fixture
def interactive_sigint():
    """SIGINT as an interactive shell leaves it: a suite started as a background job inherits it
    ignored, and then neither the commands nor these tests see Ctrl-C."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _interrupting_step(at_call, also_second=False):
    """A stand-in train_step that updates the step and sends SIGINT to this process during call
    `at_call` (twice with `also_second`, as an impatient user would)."""
    calls = []

    def step(self, real_a, real_b):
        calls.append(1)
        if len(calls) == at_call:
            os.kill(os.getpid(), signal.SIGINT)
            if also_second:
                os.kill(os.getpid(), signal.SIGINT)
        self.step.assign_add(1)  # the step finishes its updates after the first Ctrl-C
        return {"D_loss": 1.0, "G_loss": 2.0}

    return step


def test_ctrl_c_saves_the_finished_step_and_exits_130(interactive_sigint, data_root, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(UGATIT, "train_step", _interrupting_step(at_call=2))
    argv = [*FLAGS, "--data-root", data_root, "--result_dir", str(tmp_path), "--iteration", "9",
            "--save_freq", "5"]
    assert train_keras.main(argv) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("train_keras.py: interrupted at step 2 of 9;") and "ckpt-2 holds it" in err, err
    run = tmp_path / "d"
    assert sorted(os.listdir(run / "checkpoints")) == ["checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index"]
    assert not (run / "export").exists()  # an interrupted run is not exported
    leftovers = [f for root, dirs, files in os.walk(run) for f in files + dirs if "tmp" in f or "temp" in f]
    assert leftovers == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back


def test_second_ctrl_c_stops_at_once_without_saving(interactive_sigint, data_root, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(UGATIT, "train_step", _interrupting_step(at_call=1, also_second=True))
    argv = [*FLAGS, "--data-root", data_root, "--result_dir", str(tmp_path)]
    assert train_keras.main(argv) == 130
    err = capsys.readouterr().err
    assert err == "train_keras.py: interrupted; nothing saved since the last checkpoint\n"
    assert not os.path.exists(tmp_path / "d" / "checkpoints" / "checkpoint")


def test_ctrl_c_during_export_leaves_nothing_behind(interactive_sigint, tmp_path, monkeypatch, capsys):
    from tf_p2c.export import pipeline

    def interrupted(staging, *args):
        with open(os.path.join(staging, FILES["fp32"]), "wb") as handle:
            handle.write(b"half")
        os.kill(os.getpid(), signal.SIGINT)
        raise AssertionError("SIGINT did not interrupt the export")

    monkeypatch.setattr(pipeline, "_export_into", interrupted)
    out = tmp_path / "out"
    argv = ["--weights", TINY_PT, "--img-size", "64", "--out-dir", str(out), "--formats", "fp32"]
    assert export_tflite.main(argv) == 130
    err = capsys.readouterr().err
    assert err == f"export_tflite.py: interrupted; nothing written to {out}\n"
    assert os.listdir(tmp_path) == []  # neither out/ nor its staging folder


# ------------------------------------------------------------------ 4. export --overwrite


def _fake_export(staging, *args):
    for name in ("fp32", "savedmodel"):
        path = os.path.join(staging, FILES[name])
        if name == "savedmodel":
            os.makedirs(path)
            path = os.path.join(path, "saved_model.pb")
        with open(path, "w") as handle:
            handle.write("new")
    with open(os.path.join(staging, REPORT_FILE), "w") as handle:
        handle.write("{}")
    return {"formats": {"fp32": {"status": "ok"}, "savedmodel": {"status": "ok"}}}


@pytest.mark.parametrize("flag", ["weights", "reference_onnx", "calibration_dir"])
def test_an_input_inside_the_output_folder_is_refused(tmp_path, flag):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(TINY_PT, out / "weights.pt")
    (out / "calib").mkdir()
    (out / "ref.onnx").write_bytes(b"onnx")
    inputs = {"weights": TINY_PT, "reference_onnx": None, "calibration_dir": None}
    inputs[flag] = {"weights": str(out / "weights.pt"), "reference_onnx": str(out / "ref.onnx"),
                    "calibration_dir": str(out / "calib")}[flag]
    before = _digests(out)
    with pytest.raises(ExportError) as info:
        export_all(out_dir=out, img_size=64, overwrite=True, log=lambda m: None, **inputs)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"--{flag.replace('_', '-')} ")
    assert "lies inside the output folder" in message
    assert _digests(out) == before and sorted(os.listdir(tmp_path)) == ["out"]


def test_overwrite_replaces_only_the_exports_own_files(tmp_path, monkeypatch, capsys):
    from tf_p2c.export import pipeline

    monkeypatch.setattr(pipeline, "_export_into", _fake_export)
    out = tmp_path / "out"
    (out / "saved_model" / "variables").mkdir(parents=True)
    (out / "saved_model" / "variables" / "old.index").write_text("old")
    (out / FILES["fp32"]).write_text("old")
    (out / FILES["onnx"]).write_text("old onnx, not in --formats")
    (out / "notes.txt").write_text("mine")
    argv = ["--weights", TINY_PT, "--img-size", "64", "--out-dir", str(out), "--formats", "fp32", "savedmodel",
            "--overwrite"]
    assert export_tflite.main(argv) == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / FILES["onnx"]).read_text() == "old onnx, not in --formats"
    assert (out / FILES["fp32"]).read_text() == "new"
    assert sorted(os.listdir(out / "saved_model")) == ["saved_model.pb"]  # replaced whole, not merged
    assert sorted(os.listdir(out)) == sorted(["notes.txt", FILES["onnx"], FILES["fp32"], "saved_model", REPORT_FILE])
    assert sorted(os.listdir(tmp_path)) == ["out"]
    # and the CLI refuses a --weights inside --out-dir in one line
    shutil.copy(TINY_PT, out / "weights.pt")
    argv[1] = str(out / "weights.pt")
    assert export_tflite.main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lies inside the output folder" in err
    assert (out / "weights.pt").exists()


# ------------------------------------------------------------------ held before: NaN loss


def test_nan_loss_stops_without_exporting_over_the_run(run_copy, data_root, monkeypatch, capsys):
    result_dir, _ = run_copy
    export = os.path.join(result_dir, "d", "export", "genA2B.keras")
    before = _digests(os.path.dirname(export))

    def nan_step(self, real_a, real_b):
        self.step.assign_add(1)
        return {"D_loss": float("nan"), "G_loss": 1.0}

    monkeypatch.setattr(UGATIT, "train_step", nan_step)
    argv = [*FLAGS, "--data-root", data_root, "--result_dir", result_dir, "--resume", "--iteration", "6"]
    assert train_keras.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("train_keras.py: error: non-finite loss at step 5 (D_loss)") and err.count("\n") == 1
    assert _digests(os.path.dirname(export)) == before
