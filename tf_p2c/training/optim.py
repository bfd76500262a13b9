"""The original trainer's optimizer and learning-rate schedule, in Keras.

`CoupledL2Adam` is `torch.optim.Adam(lr, betas, eps, weight_decay)`: the L2 term is added to the
gradient before the moment updates (coupled, not Keras' decoupled `weight_decay`), and epsilon is
added to the bias-corrected root of the second moment, as PyTorch does (Keras' Adam adds it to
the uncorrected root, which differs on the first steps when gradients are small).

`LinearDecay` reproduces the original's per-step decay: constant for the first
`iteration // 2` steps, then `lr / (iteration // 2)` less after each later step. It is a pure
function of the optimizer's own step count, so a resumed run needs no compensation.
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["CoupledL2Adam", "LinearDecay", "make_optimizer"]


@keras.saving.register_keras_serializable(package="tf_p2c")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant `lr` for the first half of `total_steps`, then linear decay to 0.

    The original (steps counted from 1) subtracts `lr / (total // 2)` from the learning rate at
    the start of every step `s > total // 2`, so step `s` runs with
    `lr - max(0, s - total // 2) * lr / (total // 2)`. Keras calls the schedule with the number
    of updates already applied (`s - 1`). For odd `total` the original's last step would run with
    a negative rate; it is clamped at 0 here.

    Args:
        lr: initial learning rate.
        total_steps: `--iteration`.
        decay: `--decay_flag`; False keeps `lr` constant.
    """

    def __init__(self, lr: float, total_steps: int, decay: bool = True):
        if total_steps < 1:
            raise ValueError(f"total_steps must be >= 1. Received: total_steps={total_steps}")
        self.lr = float(lr)
        self.total_steps = int(total_steps)
        self.decay = bool(decay)

    def __call__(self, step):
        lr = ops.convert_to_tensor(self.lr, "float32")
        half = self.total_steps // 2
        if not self.decay or half == 0:
            return lr
        one_based = ops.cast(step, "float32") + 1.0
        decayed = lr - ops.maximum(one_based - half, 0.0) * (self.lr / half)
        return ops.maximum(decayed, 0.0)

    def get_config(self):
        return {"lr": self.lr, "total_steps": self.total_steps, "decay": self.decay}


@keras.saving.register_keras_serializable(package="tf_p2c")
class CoupledL2Adam(keras.optimizers.Adam):
    """Adam with PyTorch semantics and coupled L2 weight decay.

    update: g += l2 * w; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).

    Variable constraints (the rho / w clipping) are applied by Keras after the update.

    Args:
        learning_rate: float or schedule.
        beta_1, beta_2, epsilon: Adam constants (the original: 0.5, 0.999, 1e-8).
        l2: coupled weight decay (the original's `weight_decay=1e-4`), applied to every variable.
        **kwargs: base optimizer arguments (not `weight_decay`, which is decoupled).
    """

    def __init__(self, learning_rate=1e-4, beta_1=0.5, beta_2=0.999, epsilon=1e-8, l2=1e-4,
                 name="coupled_l2_adam", **kwargs):
        if kwargs.get("weight_decay"):
            raise ValueError("CoupledL2Adam takes the coupled decay as `l2`; `weight_decay` is Keras' decoupled one")
        if l2 < 0:
            raise ValueError(f"l2 must be >= 0. Received: l2={l2}")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, name=name, **kwargs)
        self.l2 = float(l2)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        if self.l2:
            gradient = gradient + self.l2 * variable
        step = ops.cast(self.iterations + 1, dtype)
        bias_1 = 1.0 - ops.power(ops.cast(self.beta_1, dtype), step)
        bias_2 = 1.0 - ops.power(ops.cast(self.beta_2, dtype), step)
        index = self._get_variable_index(variable)
        m = self._momentums[index]
        v = self._velocities[index]
        self.assign(m, self.beta_1 * m + (1.0 - self.beta_1) * gradient)
        self.assign(v, self.beta_2 * v + (1.0 - self.beta_2) * ops.square(gradient))
        denom = ops.sqrt(v) / ops.sqrt(bias_2) + self.epsilon
        self.assign_sub(variable, (lr / bias_1) * m / denom)

    def get_config(self):
        config = super().get_config()
        config["l2"] = self.l2
        return config


def make_optimizer(lr: float, total_steps: int, decay: bool, l2: float = 1e-4, name: str = "optimizer",
                   clip_norm: float | None = None):
    """The original's Adam(lr, betas=(0.5, 0.999), eps=1e-8, weight_decay=l2) with its LR decay;
    `clip_norm` rescales gradients whose global norm exceeds it (the original has no clipping)."""
    return CoupledL2Adam(LinearDecay(lr, total_steps, decay), beta_1=0.5, beta_2=0.999,
                         epsilon=1e-8, l2=l2, name=name, global_clipnorm=clip_norm)
