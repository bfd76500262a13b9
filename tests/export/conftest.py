"""One tiny export shared by the export tests (ngf=8, 64x64, random weights).

Converting the generator is slow (tens of seconds per format, whatever the size: the time
goes with the ~2,700 graph ops), so every format is exported once per session by
`export_all` and the tests inspect its output folder.
"""

from __future__ import annotations

import numpy as np
import pytest

from tf_p2c.config import ModelConfig

TINY = ModelConfig(ngf=8, img_size=64)


def tiny_thresholds():
    from tf_p2c.export.pipeline import Thresholds

    # Tiny random generators quantize far worse than trained full-size ones (a few channels,
    # random rho / w mixing): these bounds catch a broken conversion, not quality.
    return Thresholds(fp32_max_abs=5e-4, fp16_psnr_db=30.0, dynamic_int8_psnr_db=10.0, int8_psnr_db=6.0,
                      uint8_max_lsb=2, onnx_max_abs=5e-4, savedmodel_max_abs=5e-4)


@pytest.fixture(scope="session")
def tiny_model():
    import keras

    from tf_p2c.models import build_generator

    keras.utils.set_random_seed(7)
    model = build_generator(TINY, name="genA2B")
    rng = np.random.default_rng(7)
    for variable in model.weights:
        if variable.name in ("rho", "w_gamma", "w_beta"):
            variable.assign(rng.uniform(0, 1, variable.shape).astype("float32"))
    return model


@pytest.fixture(scope="session")
def export_dir(tiny_model, tmp_path_factory):
    from tf_p2c.export.pipeline import export_all

    out = tmp_path_factory.mktemp("export") / "out"
    report = export_all(tiny_model, out, thresholds=tiny_thresholds(), latency_repeats=1, eval_count=2,
                        log=lambda message: None)
    return out, report


@pytest.fixture(scope="session")
def face_batch():
    from tf_p2c.export.calibration import sample_face_crops

    return sample_face_crops(TINY.img_size, count=2, start=8)[0]
