"""The paired reference of the learning benchmark: the generator trained with the known answer.

Self-consistency tests against the repository's own task and filter (there is no outside
reference for this benchmark's reference).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from tf_p2c import image_io
from tf_p2c.config import ModelConfig
from tf_p2c.evaluation.cartoon_filter import cartoon_filter
from tf_p2c.evaluation.learning_task import LearningCurve, make_task, training_cartoons
from tf_p2c.evaluation.paired_reference import fit_paired, training_pairs

SIZE = 32


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    return make_task(str(tmp_path_factory.mktemp("data")), SIZE, n_a=6, n_b=6, n_test=8, seed=0)


def test_pairs_hold_each_training_photo_beside_its_true_translation(task):
    pairs = training_pairs(task)
    folder = os.path.join(task.data_root, task.dataset, "trainA")
    names = image_io.list_images(folder)
    assert pairs.shape == (len(names), SIZE + 30, SIZE + 30, 6) and pairs.dtype == np.uint8
    photo = image_io.read_image(os.path.join(folder, names[3]), min_side=1)
    np.testing.assert_array_equal(pairs[3, ..., :3], photo)
    np.testing.assert_array_equal(pairs[3, ..., 3:], cartoon_filter(photo))


def test_a_task_without_photos_is_refused(task, tmp_path):
    empty = type(task)(str(tmp_path), "none", task.test_photos, task.test_targets)
    os.makedirs(tmp_path / "none" / "trainA")
    with pytest.raises(ValueError, match="no training photos"):
        training_pairs(empty)


def test_training_with_the_answer_moves_the_held_out_crops_towards_it(task):
    curve = LearningCurve(task, training_cartoons(task, SIZE), every=20)
    generator = fit_paired(task, ModelConfig(ngf=4, img_size=SIZE, light=True), steps=40, lr=1e-3, seed=0,
                           curve=curve)
    assert [row["step"] for row in curve.rows] == [0, 20, 40]
    assert curve.generator is generator
    # An L1 fit to the targets must raise their PSNR on crops it never saw (an unconnected loss,
    # a wrong sign or misaligned pairs would not).
    assert curve.rows[-1]["psnr_since_start"] > 0.5, curve.rows
