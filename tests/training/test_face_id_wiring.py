"""The trainer's Face-ID terms through the colleague's `FaceIdLoss` with a stand-in network."""

import keras
import numpy as np
import pytest
from checkpoint_writer import TINY

from tf_p2c.training.config import LossWeights
from tf_p2c.training.face_id import FaceIdLoss
from tf_p2c.training.trainer import UGATIT


def _stand_in_face_net():
    inputs = keras.Input((112, 112, 3))
    x = keras.layers.Conv2D(4, 8, strides=8)(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(512)(x))


def test_face_id_terms_enter_the_generator_loss(rng):
    face_id = FaceIdLoss(model=_stand_in_face_net())
    config = TINY.replace(loss_weights=LossWeights(faceid=2.0))
    trainer = UGATIT(config, face_id=face_id)
    real_a, real_b = (rng.uniform(-1, 1, (1, 64, 64, 3)).astype(np.float32) for _ in range(2))
    terms = {k: float(v) for k, v in trainer.compute_losses(real_a, real_b).items()}
    assert 0.0 < terms["G_id_loss_A"] <= 2.0 and 0.0 < terms["G_id_loss_B"] <= 2.0
    fake_a2b = trainer.networks["genA2B"](real_a)[0]
    np.testing.assert_allclose(terms["G_id_loss_A"], float(face_id(real_a, fake_a2b)), rtol=1e-4)
    w = config.loss_weights
    rest = (w.adv * sum(terms[f"G_{k}_loss_{s}A"] for k in ("ad", "ad_cam") for s in "GL")
            + w.cycle * terms["G_recon_loss_A"] + w.identity * terms["G_identity_loss_A"] + w.cam * terms["G_cam_loss_A"])
    np.testing.assert_allclose(terms["G_loss_A"], rest + 2.0 * terms["G_id_loss_A"], rtol=1e-5)


def test_faceid_weight_without_network_is_refused():
    with pytest.raises(ValueError, match="--faceid_model"):
        UGATIT(TINY.replace(loss_weights=LossWeights(faceid=1.0)))
