"""Write the Face-ID fixtures in ``tests/fixtures/faceid/`` from the PyTorch reference.

Run once, from the repository root, with torch installed:

    .venv/bin/python tests/reference/make_faceid_fixtures.py

Not part of the test suite (the tests read the files only; CI has no torch). Files:

- ``mobilefacenet_w025.pth``: random-weight MobileFaceNet (width 0.25, embedding 128; BN running
  statistics and PReLU slopes random too) saved by ``torch.save`` (zip format). Full width is 4 MB,
  over the fixture budget; the width-0.25 network has the same modules, keys and kernel sizes.
- ``mobilefacenet_w025_legacy.pth``: the same state dict in the legacy format, with a
  ``module.`` (DataParallel) prefix on every key.
- ``faceid_io.npz``: ``faces`` (2, 112, 112, 3) float32 in [-1, 1] and their ``embeddings``;
  ``real_u8`` / ``fake_u8`` (2, 256, 256, 3) uint8 images (the tests normalise them with
  x / 127.5 - 1, as here); the reference ``crop_real`` (2, 112, 112, 3) NHWC; ``loss`` (scalar)
  and ``per_sample`` (2,) Face-ID loss values; ``grad_fake_sum_abs``.
"""

import os
import sys
import zipfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mobilefacenet_reference import MobileFaceNet, face_crop, randomize
from original_keys import check_reference_keys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(REPO_ROOT, "tests", "fixtures", "faceid")
WIDTH, EMBEDDING = 0.25, 128
SIZE_BUDGET = int(2.5 * 1024 * 1024)


def to_nhwc(t):
    return t.detach().permute(0, 2, 3, 1).numpy().astype(np.float32)


def to_nchw(a):
    return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))


def main():
    check_reference_keys()  # the full-width reference has the original's keys, shapes and order
    os.makedirs(OUT_DIR, exist_ok=True)
    stale = os.path.join(OUT_DIR, "mobilefacenet_full_shapes.json")
    if os.path.exists(stale):
        os.remove(stale)
    torch.manual_seed(0)
    model = randomize(MobileFaceNet(EMBEDDING, WIDTH), torch.Generator().manual_seed(1))
    state = model.state_dict()
    torch.save(state, os.path.join(OUT_DIR, "mobilefacenet_w025.pth"))
    legacy = os.path.join(OUT_DIR, "mobilefacenet_w025_legacy.pth")
    torch.save({f"module.{k}": v for k, v in state.items()}, legacy, _use_new_zipfile_serialization=False)
    assert not zipfile.is_zipfile(legacy)

    rng = np.random.default_rng(2)
    faces = rng.uniform(-1, 1, (2, 112, 112, 3)).astype(np.float32)
    # Smooth-ish 256² images (a random low-resolution pattern upsampled) so the crop matters.
    low = rng.integers(0, 256, (2, 3, 16, 16)).astype(np.float32)
    real_u8 = torch.nn.functional.interpolate(torch.from_numpy(low), size=[256, 256], mode="bicubic")
    real_u8 = np.clip(np.rint(to_nhwc(real_u8)), 0, 255).astype(np.uint8)
    # The "fake": the real image with a brighter, shifted patch over the face crop.
    fake_u8 = real_u8.astype(np.int16)
    fake_u8[:, 80:200, 60:190] = np.roll(fake_u8[:, 80:200, 60:190], 17, axis=2) + 30
    fake_u8 = np.clip(fake_u8, 0, 255).astype(np.uint8)
    real = to_nchw(real_u8.astype(np.float32) / 127.5 - 1.0)
    fake = to_nchw(fake_u8.astype(np.float32) / 127.5 - 1.0).requires_grad_(True)

    with torch.no_grad():
        embeddings = model(to_nchw(faces))
        crop_real = face_crop(real)
    per_sample = 1 - torch.cosine_similarity(model(face_crop(real)), model(face_crop(fake)))
    loss = per_sample.mean()
    loss.backward()
    np.savez_compressed(
        os.path.join(OUT_DIR, "faceid_io.npz"),
        faces=faces,
        embeddings=embeddings.numpy().astype(np.float32),
        real_u8=real_u8,
        fake_u8=fake_u8,
        crop_real=to_nhwc(crop_real),
        per_sample=per_sample.detach().numpy().astype(np.float32),
        loss=np.float32(loss.item()),
        grad_fake_sum_abs=np.float32(fake.grad.abs().sum().item()),
    )
    total = sum(os.path.getsize(os.path.join(OUT_DIR, n)) for n in os.listdir(OUT_DIR))
    cos = torch.cosine_similarity(embeddings[:1], embeddings[1:]).item()
    print(f"wrote {OUT_DIR}: {total} bytes; loss {per_sample.detach().numpy()}; cos(face0, face1) {cos:.4f}")
    if total > SIZE_BUDGET:
        raise SystemExit(f"fixtures take {total} bytes, over the {SIZE_BUDGET} budget")


if __name__ == "__main__":
    main()
