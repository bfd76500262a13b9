"""InstanceNormalization: affine-free, BIASED variance (PyTorch nn.InstanceNorm2d)."""

import numpy as np
import pytest
from helpers import assert_layer_contract, np_instance_norm, to_np

from tf_p2c.layers import InstanceNormalization


def test_contract(rng):
    x = rng.standard_normal((2, 16, 16, 8)).astype("float32")
    assert_layer_contract(InstanceNormalization, {"epsilon": 1e-5}, x, (2, 16, 16, 8), 0, 0)


def test_uses_biased_variance(rng):
    # 3x3 spatial: N/(N-1) = 9/8, so biased and unbiased results differ by ~6%.
    x = (rng.standard_normal((2, 3, 3, 4)) * [1.0, 3.0, 0.5, 10.0] + [0.0, 5.0, -2.0, 1.0]).astype("float32")
    out = to_np(InstanceNormalization()(x))
    np.testing.assert_allclose(out, np_instance_norm(x, 1e-5, ddof=0), atol=1e-5, rtol=1e-5)
    assert not np.allclose(out, np_instance_norm(x, 1e-5, ddof=1), atol=1e-3)


def test_epsilon_is_added_to_variance(rng):
    x = rng.standard_normal((1, 4, 4, 2)).astype("float32")
    out = to_np(InstanceNormalization(epsilon=0.5)(x))
    np.testing.assert_allclose(out, np_instance_norm(x, 0.5, ddof=0), atol=1e-5, rtol=1e-5)


def test_statistics_are_per_sample_and_channel(rng):
    x = rng.standard_normal((3, 8, 8, 5)).astype("float32") * 4 + 7
    out = to_np(InstanceNormalization()(x))
    np.testing.assert_allclose(out.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=(1, 2)), 1.0, atol=1e-3)


@pytest.mark.parametrize("epsilon", [0.0, -1e-5])
def test_rejects_non_positive_epsilon(epsilon):
    with pytest.raises(ValueError, match=f"Received: epsilon={epsilon}"):
        InstanceNormalization(epsilon=epsilon)
