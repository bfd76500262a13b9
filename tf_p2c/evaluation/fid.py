"""Fréchet distance between Gaussians fitted to two feature sets (FID).

    FID = ||mu1 - mu2||² + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^½)

Tr((S1 S2)^½) is computed in a symmetric, numerically stable form: S1 S2 is similar to the
symmetric positive semi-definite M = S1^½ S2 S1^½, so Tr((S1 S2)^½) = Σ sqrt(eig(M)). Both square
roots come from `numpy.linalg.eigh` with negative round-off eigenvalues clipped to 0; no scipy,
no complex parts to discard, and singular covariances (fewer samples than dimensions) are fine.

Reference: Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
Equilibrium", arXiv:1706.08500.
"""

from __future__ import annotations

import numpy as np

__all__ = ["feature_statistics", "frechet_distance", "frechet_inception_distance", "sqrtm_psd"]


def feature_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """(mean, covariance) of (N, D) features, float64; the covariance is unbiased (N - 1)."""
    features = np.asarray(features, np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f"need (N, D) features with N >= 2. Received: shape={features.shape}")
    return features.mean(axis=0), np.cov(features, rowvar=False).reshape(features.shape[1], features.shape[1])


def sqrtm_psd(matrix) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (eigen-decomposition)."""
    matrix = np.asarray(matrix, np.float64)
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Squared Fréchet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2)."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (mu1.size, mu1.size):
        raise ValueError(
            f"inconsistent statistics. Received: mu1 {mu1.shape}, sigma1 {sigma1.shape}, mu2 {mu2.shape}, sigma2 {sigma2.shape}"
        )
    root1 = sqrtm_psd(sigma1)
    middle = root1 @ sigma2 @ root1
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_sqrt = float(np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None))))
    diff = mu1 - mu2
    value = float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt)
    return max(value, 0.0)  # round-off can leave -1e-12 for identical statistics


def frechet_inception_distance(features1, features2) -> float:
    """FID between two (N, D) feature sets."""
    return frechet_distance(*feature_statistics(features1), *feature_statistics(features2))
