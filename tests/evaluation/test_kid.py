"""KID: the unbiased polynomial MMD² against a brute-force loop, and its behaviour on Gaussians."""

from __future__ import annotations

import numpy as np
import pytest

from tf_p2c.evaluation.kid import kernel_inception_distance, polynomial_mmd2_unbiased


def _brute_force_mmd2(x, y):
    d = x.shape[1]

    def k(a, b):
        return (float(np.dot(a, b)) / d + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_matches_brute_force(rng):
    x, y = rng.normal(size=(7, 4)), rng.normal(0.3, 1.2, size=(9, 4))
    assert polynomial_mmd2_unbiased(x, y) == pytest.approx(_brute_force_mmd2(x, y), rel=1e-10)


def test_identical_distributions_near_zero_different_positive(rng):
    d = 16
    x = rng.normal(size=(600, d))
    y = rng.normal(size=(600, d))
    z = rng.normal(0.5, 1.0, size=(600, d))
    same_mean, same_std = kernel_inception_distance(x, y, subsets=20, subset_size=200, seed=0)
    diff_mean, diff_std = kernel_inception_distance(x, z, subsets=20, subset_size=200, seed=0)
    assert abs(same_mean) < 3 * same_std + 1e-3
    assert diff_mean > 10 * max(abs(same_mean), diff_std)


def test_seeded_and_capped_subset_size(rng):
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(10, 3))
    a = kernel_inception_distance(x, y, subsets=5, subset_size=1000, seed=3)
    b = kernel_inception_distance(x, y, subsets=5, subset_size=1000, seed=3)
    assert a == b  # same seed, same draws; subset size capped at 10
    # Subsets as large as both sets: every draw is a permutation, the estimate is the full one.
    full = kernel_inception_distance(x[:10], y, subsets=3, subset_size=10, seed=1)
    assert full[0] == pytest.approx(polynomial_mmd2_unbiased(x[:10], y)) and full[1] == pytest.approx(0, abs=1e-12)


def test_errors(rng):
    with pytest.raises(ValueError, match="at least 2"):
        kernel_inception_distance(rng.normal(size=(1, 3)), rng.normal(size=(5, 3)))
    with pytest.raises(ValueError, match="subsets"):
        kernel_inception_distance(rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), subsets=0)
