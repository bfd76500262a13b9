"""One training step of the Keras trainer against the original's (PyTorch reference) step.

Fixture: tests/fixtures/train/step_tiny.npz, written by tests/reference/make_train_fixtures.py
(ngf 8, img 64, ndf 2, global/local discriminators of 6/5 layers, batch 2, default loss
weights, faceid 0). No torch here.

Parity definition:
- every loss term: |keras - torch| <= 1e-4 * |torch| + 1e-7;
- after one full D+G step, every state-dict tensor (all parameters, spectral-norm u / v):
  |keras - torch| <= 1e-4 * |torch| + ATOL with ATOL = 1e-7 = lr / 1000. Adam's first step is
  w -= lr * g / (|g| + eps) (= lr * sign(g) for |g| >> eps), so the step itself carries no
  relative error; ATOL covers the fixture's float16 storage of the step (<= lr * 2**-11 / 2) and
  the entries with |g| ~ eps = 1e-8, where the step depends smoothly on g.
- Exception, stated by the fixture: entries whose float32 gradient is not reliable to its sign
  (the reference's own float32 and float64 gradients differ by more than a tenth of the
  gradient: biases feeding an instance norm, whose true gradient is 0, and small entries of
  the decoder) may move by lr in either direction: |keras - torch| <= 2 lr + 1e-4 |torch| + ATOL.
- Outside those, at most MAX_FLIP_FRACTION of the entries may differ by up to 2 lr (Adam's
  two-sided step): gradients that cancel to about eps = 1e-8, where the step follows g smoothly
  and the float32 summation order (a batched convolution's, say) decides how far it goes. A
  wrong gradient moves whole tensors, far beyond that budget.
"""

import numpy as np
import parity_fixture as pf
import pytest
import tensorflow as tf

from tf_p2c.convert.state_dict import assign_state_dict, model_state_dict
from tf_p2c.training.trainer import UGATIT

RTOL = 1e-4
ATOL = 1e-7
MAX_FLIP_FRACTION = 5e-4


@pytest.fixture(scope="module")
def run():
    config, data = pf.load()
    before, after, illcond = pf.states(data, config.lr)
    trainer = UGATIT(config)
    for name, state in before.items():
        assign_state_dict(trainer.networks[name], state, name)
    real_a = tf.constant(data["input/real_A"])
    real_b = tf.constant(data["input/real_B"])
    computed = {k: float(v) for k, v in trainer.compute_losses(real_a, real_b).items()}
    unchanged = {n: model_state_dict(m) for n, m in trainer.networks.items()}
    stepped = {k: float(v) for k, v in trainer.replica_step(real_a, real_b).items()}
    final = {n: model_state_dict(m) for n, m in trainer.networks.items()}
    return {"config": config, "data": data, "before": before, "after": after, "illcond": illcond,
                "computed": computed, "unchanged": unchanged, "stepped": stepped, "final": final}


def _check_terms(got, expected):
    assert set(got) == set(expected), sorted(set(got) ^ set(expected))
    worst = max(((abs(got[k] - float(v)) / max(abs(float(v)), 1e-30), k) for k, v in expected.items()))
    for key, value in expected.items():
        value = float(value)
        assert abs(got[key] - value) <= RTOL * abs(value) + 1e-7, f"{key}: keras {got[key]} torch {value}"
    return worst


def test_compute_losses_match_reference(run):
    worst = _check_terms(run["computed"], pf.section(run["data"], "losses"))
    assert worst[0] < RTOL


def test_compute_losses_update_nothing(run):
    for name, state in run["before"].items():
        for key, value in state.items():
            np.testing.assert_array_equal(run["unchanged"][name][key], value, err_msg=f"{name} {key}")


def test_step_losses_match_reference(run):
    worst = _check_terms(run["stepped"], pf.section(run["data"], "step_losses"))
    assert worst[0] < RTOL


def test_weights_after_one_step_match_reference(run):
    lr = run["config"].lr
    failures, flips, n_checked, n_ill = [], [], 0, 0
    worst = (0.0, "")
    for name, state in run["after"].items():
        for key, expected in state.items():
            got = run["final"][name][key].reshape(expected.shape)
            diff = np.abs(got.astype(np.float64) - expected)
            limit = RTOL * np.abs(expected) + ATOL
            ill = run["illcond"].get(name, {}).get(key)
            if ill is not None:
                limit = np.where(ill, limit + 2 * lr, limit)
                n_ill += int(ill.sum())
            n_checked += diff.size
            flip = (diff > limit) & (diff <= 2 * lr + RTOL * np.abs(expected) + ATOL)
            if np.any(flip):
                flips.append(f"{name} {key}: {int(flip.sum())}")
            excess = np.where(flip, 0.0, diff / limit)
            if excess.max() > worst[0]:
                worst = (float(excess.max()), f"{name} {key}")
            bad = (diff > limit) & ~flip
            if np.any(bad):
                failures.append(f"{name} {key}: {int(bad.sum())} entries, max diff {diff[bad].max():.3g}")
    assert not failures, "\n".join(failures[:20])
    n_flips = sum(int(f.rsplit(": ", 1)[1]) for f in flips)
    assert n_flips <= MAX_FLIP_FRACTION * (n_checked - n_ill), f"{n_flips} sign flips: {flips[:20]}"
    assert n_ill < 0.1 * n_checked  # the tolerant entries are a minority
    print(f"checked {n_checked} entries ({n_ill} sign-tolerant), {n_flips} flips, worst {worst}")


def test_every_weight_was_compared(run):
    for name, model_state in run["final"].items():
        assert set(model_state) == set(run["after"][name]), name

