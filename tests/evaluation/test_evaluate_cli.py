"""`python -m tf_p2c evaluate` end to end with the tiny stand-in extractor, and the Python API."""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
import pytest

from tf_p2c.evaluation import cli
from tf_p2c.evaluation.evaluate import (
    evaluate_checkpoints,
    format_table,
    load_test_images,
)
from tf_p2c.evaluation.inception import (
    InceptionFeatures,
    TinyFeatures,
    build_feature_extractor,
)
from tf_p2c.image_io import write_image_atomic
from paths import FIXTURES

CHECKPOINTS = [os.path.join(FIXTURES, "p2c_tiny.pt"), os.path.join(FIXTURES, "gen_full_ngf8_64.pt")]


def _write_images(folder, rng, count, tint):
    os.makedirs(folder)
    for i in range(count):
        low = rng.integers(0, 256, (6, 6, 3)).astype(np.float32)
        image = np.kron(low, np.ones((16, 16, 1)))[:90, :90] * 0.7 + tint
        write_image_atomic(os.path.join(folder, f"{i:03d}.png"), np.clip(image, 0, 255).astype(np.uint8))


@pytest.fixture
def data_root(tmp_path, rng):
    _write_images(tmp_path / "data" / "tiny" / "testA", rng, 5, 0)
    _write_images(tmp_path / "data" / "tiny" / "testB", rng, 6, 60)
    return tmp_path / "data"


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m tf_p2c")
    cli.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_evaluate_command_end_to_end(data_root, tmp_path, capsys):
    out = tmp_path / "evaluation.json"
    args = _parse(["evaluate", "--checkpoints", *CHECKPOINTS, "--data-root", str(data_root), "--dataset", "tiny",
                   "--feature-model", "tiny", "--img_size", "64", "--batch-size", "8", "--kid-subsets", "10",
                   "--output", str(out)])
    assert args.func(args) == 0
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())
    assert [r["checkpoint"] for r in report["results"]] == CHECKPOINTS
    assert report["n_test_a"] == 5 and report["n_test_b"] == 6 and report["kid_subset_size"] == 5
    fids = [r["fid"] for r in report["results"]]
    assert all(np.isfinite(f) and f > 0 for f in fids)
    assert report["best"]["checkpoint"] == CHECKPOINTS[int(np.argmin(fids))]
    assert f"best: {report['best']['checkpoint']}" in printed
    assert "FID" in printed and "KID" in printed and "* " in printed


def test_identity_translation_of_the_same_images_scores_zero(data_root):
    folder = data_root / "tiny" / "testB"
    report = evaluate_checkpoints(["identity"], folder, folder, TinyFeatures(), img_size=64, batch_size=4,
                                  kid_subsets=5, load=lambda path, size: (lambda x, training: (x, None, None)))
    assert report.best.fid == pytest.approx(0.0, abs=1e-6)
    # The unbiased estimator is slightly negative for one sample set compared with itself.
    assert -0.2 < report.best.kid_mean <= 1e-12
    assert "identity" in format_table(report)


def test_compiled_translation_matches_eager(rng):
    import keras

    from tf_p2c.evaluation.evaluate import translate

    x = keras.Input((8, 8, 3))
    generator = keras.Model(x, [keras.layers.Conv2D(3, 3, padding="same")(x), x, x])
    images = rng.uniform(-1, 1, (11, 8, 8, 3)).astype("float32")
    compiled = translate(generator, images, batch_size=2)  # 6 batches > EAGER_BATCHES: compiled, padded
    eager = translate(generator, images, batch_size=4)
    assert compiled.shape == (11, 8, 8, 3)
    np.testing.assert_allclose(compiled, eager, atol=1e-6)


def test_images_are_resized_and_normalised(data_root):
    images = load_test_images(data_root / "tiny" / "testA", 32)
    assert images.shape == (5, 32, 32, 3) and images.dtype == np.float32
    assert -1.0 <= images.min() and images.max() <= 1.0


def test_errors_name_the_flag_or_the_folder(data_root, tmp_path):
    with pytest.raises(FileNotFoundError, match="--inception-weights") as info:
        build_feature_extractor("inception", None)
    assert "\n" not in str(info.value)
    with pytest.raises(FileNotFoundError, match="--inception-weights .*: no such file"):
        InceptionFeatures(tmp_path / "absent.h5")
    args = _parse(["evaluate", "--checkpoints", CHECKPOINTS[0], "--data-root", str(tmp_path), "--dataset", "none",
                   "--feature-model", "tiny", "--img_size", "64"])
    with pytest.raises(FileNotFoundError, match="testA: no such directory"):
        args.func(args)
    # A non-light generator is tied to its image size.
    args = _parse(["evaluate", "--checkpoints", CHECKPOINTS[1], "--data-root", str(data_root), "--dataset", "tiny",
                   "--feature-model", "tiny", "--img_size", "128", "--output", str(tmp_path / "e.json")])
    with pytest.raises(ValueError) as info:
        args.func(args)
    assert "\n" not in str(info.value) and not (tmp_path / "e.json").exists()
