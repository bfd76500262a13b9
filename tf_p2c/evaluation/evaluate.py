"""Checkpoint selection: translate testA with each generator and score it against testB.

For every checkpoint (the original's `.pt`, an `.onnx`, or a `.keras` generator of this project,
all through `tf_p2c.load_generator`), the testA photos are resized to img_size (bilinear,
antialiased, as torchvision's `Resize`), normalised to [-1, 1] and translated A→B; FID and KID
are computed between the features of the translations and those of the testB images prepared
the same way. testB features are extracted once. The best checkpoint has the lowest FID.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Sequence

import numpy as np

from tf_p2c.config import check_img_size
from tf_p2c.evaluation.fid import frechet_inception_distance
from tf_p2c.evaluation.kid import (
    DEFAULT_SUBSET_SIZE,
    DEFAULT_SUBSETS,
    kernel_inception_distance,
)

__all__ = ["CheckpointScore", "EvaluationReport", "compiled_forward", "evaluate_checkpoints", "extract_features",
           "format_table", "load_test_images", "translate"]

Extractor = Callable[[np.ndarray], np.ndarray]
EAGER_BATCHES = 4


@dataclasses.dataclass
class CheckpointScore:
    checkpoint: str
    fid: float
    kid_mean: float
    kid_std: float
    seconds: float


@dataclasses.dataclass
class EvaluationReport:
    test_a: str
    test_b: str
    img_size: int
    feature_model: str
    n_test_a: int
    n_test_b: int
    kid_subsets: int
    kid_subset_size: int
    seed: int
    results: list[CheckpointScore]

    @property
    def best(self) -> CheckpointScore:
        return min(self.results, key=lambda r: r.fid)

    def to_json(self) -> dict:
        out = dataclasses.asdict(self)
        out["best"] = dataclasses.asdict(self.best)
        return out

    def write(self, path) -> None:
        from tf_p2c.image_io import write_bytes_atomic

        write_bytes_atomic(path, (json.dumps(self.to_json(), indent=2) + "\n").encode())


def load_test_images(folder, img_size: int, limit: int | None = None) -> np.ndarray:
    """(N, img_size, img_size, 3) float32 in [-1, 1] from the images in `folder` (sorted).

    `limit` caps N: that many files evenly spaced over the sorted list (not the first ones, which
    may all come from one source when names carry it).
    """
    from tf_p2c.data.pipeline import normalize, resize
    from tf_p2c.image_io import ImageReadError, list_images, read_image

    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder}: no such directory")
    files = [os.path.join(folder, name) for name in list_images(folder)]
    if limit is not None and len(files) > limit:
        # (n-1)/(limit-1) >= 1 apart, so the truncated positions are distinct
        files = [files[i] for i in np.linspace(0, len(files) - 1, limit).astype(int)]
    if len(files) < 2:
        raise ValueError(f"{folder}: FID and KID need at least 2 images, found {len(files)}")
    images = []
    for path in files:
        try:
            pixels = read_image(path, min_side=1)  # as training reads them: small test sets are valid at small sizes
        except ImageReadError as error:
            raise ValueError(f"{path}: {error}") from None
        images.append(normalize(resize(pixels, img_size)).numpy())
    return np.stack(images)


def _batches(array, batch_size):
    for start in range(0, len(array), batch_size):
        yield array[start:start + batch_size]


def extract_features(extractor: Extractor, images: np.ndarray, batch_size: int) -> np.ndarray:
    """(N, D) float64 features of [-1, 1] images, `batch_size` images per extractor call."""
    return np.concatenate([np.asarray(extractor(batch), np.float64) for batch in _batches(images, batch_size)])


def compiled_forward(generator):
    """The generator's translated image as one `tf.function` (inference mode); it reads the
    generator's variables at each call, so one trace serves while training changes them."""
    import tensorflow as tf

    return tf.function(lambda x: generator(x, training=False)[0])


def translate(generator, images: np.ndarray, batch_size: int, forward=None) -> np.ndarray:
    """A→B translations of [-1, 1] images with a generator returning (image, cam_logit, heatmap).

    Compiled with `tf.function` when there are more than `EAGER_BATCHES` batches (tracing the
    generator costs about as much as ten eager calls); the last batch is padded so one trace serves.
    `forward` (from `compiled_forward`) reuses a trace across calls and is used whatever the count.
    """
    import tensorflow as tf

    n = len(images)
    if forward is None and n <= EAGER_BATCHES * batch_size:
        return np.concatenate([np.asarray(generator(tf.constant(b), training=False)[0]) for b in _batches(images, batch_size)])
    forward = forward or compiled_forward(generator)
    outputs = []
    for batch in _batches(images, batch_size):
        pad = batch_size - len(batch)
        if pad:
            batch = np.concatenate([batch, np.zeros((pad, *batch.shape[1:]), batch.dtype)])
        outputs.append(forward(tf.constant(batch)).numpy()[: batch_size - pad])
    return np.concatenate(outputs)


def _load(checkpoint, img_size):
    from tf_p2c.network_files import load_generator

    model = load_generator(checkpoint, direction="A2B", img_size=img_size)
    side = model.input_shape[1]
    if side is not None and side != img_size:
        raise ValueError(f"{checkpoint}: the generator takes {side}px inputs; pass --img_size {side}")
    return model


def evaluate_checkpoints(
    checkpoints: Sequence[str],
    test_a: str,
    test_b: str,
    extractor: Extractor,
    img_size: int = 256,
    batch_size: int = 16,
    feature_model: str = "custom",
    kid_subsets: int = DEFAULT_SUBSETS,
    kid_subset_size: int = DEFAULT_SUBSET_SIZE,
    seed: int = 0,
    load: Callable = _load,
    log: Callable[[str], None] = lambda message: None,
) -> EvaluationReport:
    """FID and KID of each checkpoint's testA→B translations against testB.

    Args:
        checkpoints: generator files (see `tf_p2c.load_generator`).
        test_a, test_b: image folders.
        extractor: (B, H, W, 3) [-1, 1] float32 -> (B, D) features, e.g. `InceptionFeatures(path)`.
        img_size: side the images are resized to and the generators take.
        batch_size: images per generator / extractor call.
        feature_model: a name recorded in the report.
        kid_subsets, kid_subset_size, seed: KID's subset sampling (see `kernel_inception_distance`).
        load: `(checkpoint, img_size) -> generator`; injectable for tests.
        log: progress messages.
    """
    if not checkpoints:
        raise ValueError("no checkpoints to evaluate")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1. Received: batch_size={batch_size}")
    check_img_size(img_size)
    images_a = load_test_images(test_a, img_size)
    images_b = load_test_images(test_b, img_size)
    features_b = extract_features(extractor, images_b, batch_size)
    results = []
    for checkpoint in checkpoints:
        start = time.perf_counter()
        generator = load(checkpoint, img_size)
        fakes = translate(generator, images_a, batch_size)
        features = extract_features(extractor, fakes, batch_size)
        fid = frechet_inception_distance(features, features_b)
        kid_mean, kid_std = kernel_inception_distance(features, features_b, kid_subsets, kid_subset_size, seed)
        score = CheckpointScore(os.fspath(checkpoint), fid, kid_mean, kid_std, time.perf_counter() - start)
        log(f"{score.checkpoint}: FID {fid:.4f}  KID {kid_mean:.6f} ± {kid_std:.6f}")
        results.append(score)
    return EvaluationReport(
        test_a=os.fspath(test_a), test_b=os.fspath(test_b), img_size=img_size, feature_model=feature_model,
        n_test_a=len(images_a), n_test_b=len(images_b), kid_subsets=kid_subsets,
        kid_subset_size=min(kid_subset_size, len(images_a), len(images_b)), seed=seed, results=results,
    )


def format_table(report: EvaluationReport) -> str:
    """A plain-text table of the scores, best first, the best marked with `*`."""
    width = max(len("checkpoint"), *(len(r.checkpoint) for r in report.results))
    lines = [f"  {'checkpoint':<{width}}  {'FID':>10}  {'KID':>10}  {'KID std':>10}",
             f"  {'-' * width}  {'-' * 10}  {'-' * 10}  {'-' * 10}"]
    best = report.best
    for r in sorted(report.results, key=lambda r: r.fid):
        mark = "*" if r is best else " "
        lines.append(f"{mark} {r.checkpoint:<{width}}  {r.fid:>10.4f}  {r.kid_mean:>10.6f}  {r.kid_std:>10.6f}")
    return "\n".join(lines)
