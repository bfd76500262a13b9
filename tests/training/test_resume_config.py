"""A run's config.json is read back on --resume, and checkpoints without it are not resumed.

Round-trip / self-consistency tests: the config a run writes is the one resume reads, and a run
folder missing it (or holding a damaged one) is refused before anything is written. No training
step runs: the checkpoint here only has to read.
"""

import json
import os

import pytest
import tensorflow as tf
from training_helpers import write_dataset

import train_keras
from tf_p2c.training.checkpoints import CheckpointMismatchError, load_run_config, load_run_networks
from tf_p2c.training.config import TrainConfig
from tf_p2c.training.loop import _write_config, train

FLAGS = ["--preset", "smoke", "--ngf", "4", "--ch", "2", "--dataset", "d", "--iteration", "2",
         "--faceid_weight", "0", "--seed", "3", "--no-progress", "--no-tensorboard"]


def _config(data_root, result_dir, *extra) -> TrainConfig:
    return train_keras.build_config(train_keras.parse_args(
        [*FLAGS, "--data-root", data_root, "--result_dir", str(result_dir), *extra]))


def _run_with_a_checkpoint(tmp_path):
    """(config, run_dir, files) of a run folder holding checkpoints/ckpt-1 (which reads) and no config.json."""
    root = write_dataset(tmp_path / "data", n=1)
    config = _config(root, tmp_path / "out", "--resume")
    ckpt_dir = os.path.join(config.run_dir, "checkpoints")
    os.makedirs(ckpt_dir)
    tf.train.Checkpoint(step=tf.Variable(1, dtype=tf.int64)).write(os.path.join(ckpt_dir, "ckpt-1"))
    return config, config.run_dir, sorted(os.listdir(ckpt_dir))


def test_config_written_by_a_run_is_the_one_read_back(tmp_path):
    config = _config("data", tmp_path, "--img_size", "96", "--batch_size", "2", "--lr", "0.0002")
    _write_config(config)
    assert load_run_config(config.run_dir) == config


def test_a_run_not_started_has_no_config():
    assert load_run_config("/nonexistent/run") is None


def test_resume_without_config_json_is_refused_before_anything_is_written(tmp_path):
    config, run_dir, files = _run_with_a_checkpoint(tmp_path)
    with pytest.raises(CheckpointMismatchError) as caught:
        train(config)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(os.path.join(run_dir, "config.json") + " is missing")
    assert "ckpt-1" in message and "architecture, data seed and batch size" in message
    assert sorted(os.listdir(run_dir)) == ["checkpoints"]  # no config.json written from the flags
    assert sorted(os.listdir(os.path.join(run_dir, "checkpoints"))) == files


def test_loading_the_networks_of_a_run_without_config_json_is_refused(tmp_path):
    _, run_dir, _ = _run_with_a_checkpoint(tmp_path)
    with pytest.raises(CheckpointMismatchError, match="config.json is missing"):
        load_run_networks(run_dir)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"model": {"ngf": 4, "zz": 1}}', '{"iteration": "x", "nope": 1}'])
def test_a_damaged_config_json_is_one_line_naming_the_file(tmp_path, text):
    config, run_dir, _ = _run_with_a_checkpoint(tmp_path)
    with open(os.path.join(run_dir, "config.json"), "w") as handle:
        handle.write(text)
    with pytest.raises(CheckpointMismatchError) as caught:
        train(config)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(os.path.join(run_dir, "config.json") + ": not a readable run config")


def test_resume_reads_the_saved_config_and_checks_the_flags_against_it(tmp_path):
    config, run_dir, _ = _run_with_a_checkpoint(tmp_path)
    saved = json.loads(config.to_json())
    saved["seed"], saved["batch_size"] = 5, 4
    with open(os.path.join(run_dir, "config.json"), "w") as handle:
        json.dump(saved, handle)
    with pytest.raises(CheckpointMismatchError, match=r"seed=5 \(flags: 3\).*batch_size=4 \(flags: 1\)"):
        train(config)


def test_train_keras_prints_the_missing_file_and_exits_non_zero(tmp_path, capsys):
    config, run_dir, _ = _run_with_a_checkpoint(tmp_path)
    code = train_keras.main([*FLAGS, "--data-root", config.data_root, "--result_dir", config.result_dir, "--resume"])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err == (f"train_keras.py: error: {os.path.join(run_dir, 'config.json')} is missing: it records the "
                   "architecture, data seed and batch size that ckpt-1 was trained with; put it back or choose "
                   "another --result_dir")
