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
    # The release thresholds (fp16 40 dB, dynamic int8 30 dB, int8 28 dB, ...): the tiny generator,
    # initialised as the original's, meets them too (about 63 / 36 / 31 dB).
    report = export_all(tiny_model, out, latency_repeats=1, eval_count=2,
                        log=lambda message: None)
    return out, report


@pytest.fixture(scope="session")
def face_batch():
    from tf_p2c.export.calibration import sample_face_crops

    return sample_face_crops(TINY.img_size, count=2, start=8)[0]
