"""photo2cartoon's Face-ID loss: 1 - cosine similarity of frozen MobileFaceNet embeddings.

The original (`FaceFeatures` in photo2cartoon's trainer) crops the face region of each generated
`img_size` image, resizes it to 112x112 with bilinear `align_corners=True` interpolation, embeds
it with InsightFace_Pytorch's MobileFaceNet in eval mode, and penalises `1 - cos(emb(real),
emb(fake))` for real_A vs fake_A2B and real_B vs fake_B2A (weight `--faceid_weight`, 1 by default).

The crop + resize here is a fixed slice followed by two small interpolation matrices (rows, then
columns): exact align_corners=True bilinear sampling, differentiable, XLA-friendly, and the same
on CPU and GPU. Gradients flow to both images; the network's weights never train.

Reference: photo2cartoon (minivision-ai); MobileFaceNets, arXiv:1804.07573.
"""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf

from tf_p2c.convert.state_dict import WeightsError
from tf_p2c.models.mobilefacenet import INPUT_SIZE, load_mobilefacenet

__all__ = ["FaceIdLoss", "crop_box", "crop_face", "face_id_cosine_loss", "interpolation_matrix"]

WEIGHTS_FLAG = "--faceid_model"


def crop_box(height: int, width: int) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the original's face crop of a height x width image."""
    top = int(height / 2.1 * (0.8 - 0.33))
    bottom = int(height - height / 2.1 * 0.3)
    side = bottom - top
    left = int(width / 2 - side / 2)
    if top < 0 or left < 0 or left + side > width or side < 2:
        raise ValueError(f"image too small or too narrow for the face crop. Received: height={height}, width={width}")
    return top, bottom, left, left + side


def interpolation_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix of 1-D linear interpolation with align_corners=True.

    Output sample i reads input coordinate i * (n_in - 1) / (n_out - 1), as PyTorch's
    `F.interpolate(..., mode="bilinear", align_corners=True)` does along each axis.
    """
    matrix = np.zeros((n_out, n_in), np.float64)
    scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    for i in range(n_out):
        src = i * scale
        i0 = min(int(np.floor(src)), n_in - 1)
        frac = src - i0
        i1 = min(i0 + 1, n_in - 1)
        matrix[i, i0] += 1.0 - frac
        matrix[i, i1] += frac
    return matrix.astype(np.float32)


def crop_face(images, size: int = INPUT_SIZE) -> tf.Tensor:
    """The original's face crop of NHWC images, resized to size x size (bilinear, align_corners).

    Args:
        images: (B, H, W, C) float tensor with static H and W (values in [-1, 1]).
        size: output side (112 for MobileFaceNet).

    Returns:
        (B, size, size, C) float32.
    """
    images = tf.cast(images, tf.float32)
    height, width = images.shape[1], images.shape[2]
    if height is None or width is None:
        raise ValueError(f"crop_face needs static image sides. Received: shape={images.shape}")
    top, bottom, left, right = crop_box(int(height), int(width))
    crop = images[:, top:bottom, left:right, :]
    rows = tf.constant(interpolation_matrix(bottom - top, size))
    cols = tf.constant(interpolation_matrix(right - left, size))
    crop = tf.einsum("ip,bpqc->biqc", rows, crop)
    return tf.einsum("jq,biqc->bijc", cols, crop)


def face_id_cosine_loss(real_embeddings, fake_embeddings) -> tf.Tensor:
    """Per-sample 1 - cosine similarity (as `torch.cosine_similarity`, eps 1e-8), shape (B,)."""
    dot = tf.reduce_sum(real_embeddings * fake_embeddings, axis=-1)
    norms = tf.norm(real_embeddings, axis=-1) * tf.norm(fake_embeddings, axis=-1)
    return 1.0 - dot / tf.maximum(norms, 1e-8)


class FaceIdLoss:
    """Face-ID loss: mean over the batch of 1 - cos(MobileFaceNet(crop(real)), MobileFaceNet(crop(fake))).

    The embedding network is frozen (`trainable=False`, BatchNorm on running statistics); the
    loss is differentiable with respect to both images.

    Args:
        weights_path: `model_mobilefacenet.pth` (InsightFace_Pytorch state dict), read without torch.
        model: an already built embedding model (e.g. `build_mobilefacenet()` with weights), used
            instead of `weights_path`. It must map (B, 112, 112, 3) in [-1, 1] to (B, D).

    Raises:
        FileNotFoundError: no model and no weights file (the message names `--faceid_model`).
        WeightsError: (a `ValueError`) the file is not a MobileFaceNet checkpoint.

    Example:
        >>> loss_fn = FaceIdLoss("model_mobilefacenet.pth")
        >>> loss = loss_fn(real_a, fake_a2b)  # scalar float32
    """

    def __init__(self, weights_path=None, model=None):
        if model is None:
            model = self._load(weights_path)
        model.trainable = False
        self.weights_path = None if weights_path is None else os.fspath(weights_path)
        self.model = model

    @staticmethod
    def _load(weights_path):
        if weights_path is None:
            raise FileNotFoundError(
                f"the Face-ID loss needs MobileFaceNet weights: pass {WEIGHTS_FLAG} PATH (model_mobilefacenet.pth)"
                " or set the face-ID weight to 0"
            )
        if not os.path.isfile(weights_path):
            raise FileNotFoundError(f"{WEIGHTS_FLAG} {os.fspath(weights_path)}: no such file")
        try:
            return load_mobilefacenet(weights_path)
        except WeightsError as error:
            raise WeightsError(f"{WEIGHTS_FLAG}: {str(error).splitlines()[0]}") from None

    def embed(self, images) -> tf.Tensor:
        """(B, D) embeddings of the face crops of (B, H, W, 3) images in [-1, 1]."""
        return self.model(crop_face(images), training=False)

    def per_sample(self, real, fake) -> tf.Tensor:
        """(B,) Face-ID loss of each pair."""
        # Two forwards, not one on the concatenated batch: in a training step only `fake` needs a
        # gradient, and separate paths let the backward pass through the real half be pruned.
        return face_id_cosine_loss(self.embed(real), self.embed(fake))

    def __call__(self, real, fake) -> tf.Tensor:
        return tf.reduce_mean(self.per_sample(real, fake))
