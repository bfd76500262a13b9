"""Model selection for photo2cartoon training runs: FID and KID of translated test sets.

`fid` and `kid` are pure numpy; `inception` builds the feature extractors; `evaluate` translates
testA with each checkpoint and scores it against testB; `cli` adds `python -m tf_p2c evaluate`.
"""

from tf_p2c.evaluation.fid import (
    feature_statistics,
    frechet_distance,
    frechet_inception_distance,
)
from tf_p2c.evaluation.kid import kernel_inception_distance, polynomial_mmd2_unbiased

__all__ = [
    "feature_statistics",
    "frechet_distance",
    "frechet_inception_distance",
    "kernel_inception_distance",
    "polynomial_mmd2_unbiased",
]
