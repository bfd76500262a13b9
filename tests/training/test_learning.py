"""Training learns: a short run on the known-answer task (`tf_p2c.evaluation.learning_task`).

The run is the real one (`tf_p2c.training.loop.train`: data pipeline, compiled step, every loss
term of the original but Face-ID) at the benchmark's smallest model, scored on held-out crops
against their true translation. `benchmarks/bench_learning.py` measured what such a run gains
over its untrained start across seeds; the margins below are derived from those figures (see
docs/learning.md), so a change that breaks learning (a sign flip in a loss, a dead optimizer, a
data pipeline that feeds the wrong domain) fails here.
"""

from __future__ import annotations

from tf_p2c.config import ModelConfig
from tf_p2c.evaluation.learning_task import LEARNING_MODEL, LearningCurve, make_task, training_cartoons
from tf_p2c.training.config import LossWeights, TrainConfig
from tf_p2c.training.loop import train

STEPS = 250
# bench_learning.py (the same task, model and settings), 3 seeds at step 250, since step 0:
# PSNR +0.61, +0.25, +0.32 dB (mean 0.39, sd 0.19); SSIM +0.017, +0.015, +0.007; KID -0.148,
# -0.014, -0.049 (its learning rate is constant until step 750, hence no decay here). A run that
# learns nothing gains 0 on average. The PSNR margin is the mean less
# 1.5 sd; SSIM and KID must move the right way, as they did in every seed.
MIN_PSNR_GAIN_DB = 0.1


def test_a_short_run_moves_towards_the_true_translation(tmp_path):
    task = make_task(str(tmp_path / "data"), LEARNING_MODEL["img_size"], n_a=400, n_b=400, n_test=64, seed=0)
    config = TrainConfig(model=ModelConfig(**LEARNING_MODEL), loss_weights=LossWeights(faceid=0.0),
                         dataset=task.dataset, data_root=task.data_root, result_dir=str(tmp_path / "runs"),
                         iteration=STEPS, print_freq=STEPS, save_freq=STEPS, lr=2e-4, seed=0, decay_flag=False,
                         clip_grad_norm=1e6, tensorboard=False, progress=False)
    curve = LearningCurve(task, training_cartoons(task, LEARNING_MODEL["img_size"]), every=STEPS)
    train(config, callbacks=[curve])
    start, end = curve.rows[0], curve.rows[-1]
    assert end["step"] == STEPS
    assert end["psnr_since_start"] > MIN_PSNR_GAIN_DB, (start, end)
    assert end["ssim_since_start"] > 0 and end["kid_since_start"] < 0, (start, end)
