"""Weight constraints."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tf_p2c")
class ClipTo01(keras.constraints.Constraint):
    """Keeps a weight in [0, 1].

    The original clips every `rho`, `w_gamma` and `w_beta` to [0, 1] after each generator
    step. As a constraint, Keras applies the same clip right after the optimizer update.
    """

    def __call__(self, w):
        return ops.clip(w, 0.0, 1.0)

    def get_config(self):
        return {}
