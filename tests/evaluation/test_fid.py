"""FID math against closed forms on Gaussians with known parameters (numpy-only references)."""

from __future__ import annotations

import numpy as np
import pytest

from tf_p2c.evaluation.fid import (
    feature_statistics,
    frechet_distance,
    frechet_inception_distance,
    sqrtm_psd,
)


def _random_spd(rng, d, scale=1.0):
    a = rng.normal(size=(d, d))
    return scale * (a @ a.T / d + 0.1 * np.eye(d))


def _closed_form(mu1, s1, mu2, s2):
    """Reference: Tr((S1 S2)^½) = Σ sqrt(eig(S1 S2)); S1 S2 is non-symmetric but has real eigenvalues >= 0."""
    eig = np.linalg.eigvals(s1 @ s2)
    assert np.all(np.abs(eig.imag) < 1e-8 * np.abs(eig).max())
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.sum(np.sqrt(np.clip(eig.real, 0, None))))


@pytest.fixture
def gaussians(rng):
    d = 6
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d) + 0.5
    s1, s2 = _random_spd(rng, d), _random_spd(rng, d, 2.0)  # non-commuting covariances
    return mu1, s1, mu2, s2


def test_exact_on_known_parameters(gaussians):
    mu1, s1, mu2, s2 = gaussians
    np.testing.assert_allclose(frechet_distance(mu1, s1, mu2, s2), _closed_form(mu1, s1, mu2, s2), rtol=1e-9)


def test_one_dimensional_closed_form():
    # W2² between N(m1, v1) and N(m2, v2) = (m1 - m2)² + (sqrt(v1) - sqrt(v2))².
    assert frechet_distance([1.0], [[4.0]], [-2.0], [[9.0]]) == pytest.approx(9.0 + 1.0)


def test_sample_estimate_converges_to_closed_form(gaussians, rng):
    mu1, s1, mu2, s2 = gaussians
    n = 40000
    x = rng.multivariate_normal(mu1, s1, size=n)
    y = rng.multivariate_normal(mu2, s2, size=n)
    expected = _closed_form(mu1, s1, mu2, s2)
    assert frechet_inception_distance(x, y) == pytest.approx(expected, rel=0.02)


def test_symmetric_zero_and_nonnegative(gaussians, rng):
    mu1, s1, mu2, s2 = gaussians
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(frechet_distance(mu2, s2, mu1, s1), rel=1e-9)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-9)
    # Fewer samples than dimensions: singular covariances stay finite and >= 0.
    x, y = rng.normal(size=(5, 64)), rng.normal(size=(7, 64))
    value = frechet_inception_distance(x, y)
    assert np.isfinite(value) and value >= 0


def test_sqrtm_psd(rng):
    s = _random_spd(rng, 5)
    root = sqrtm_psd(s)
    np.testing.assert_allclose(root @ root, s, atol=1e-10)
    np.testing.assert_allclose(root, root.T)


def test_statistics_and_errors(rng):
    x = rng.normal(size=(10, 3))
    mu, sigma = feature_statistics(x)
    np.testing.assert_allclose(mu, x.mean(0))
    np.testing.assert_allclose(sigma, np.cov(x.T))
    with pytest.raises(ValueError, match="N >= 2"):
        feature_statistics(x[:1])
    with pytest.raises(ValueError, match="inconsistent"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
