"""The U-GAT-IT / photo2cartoon training step: one discriminator update, then one generator update.

Code (vs. paper, arXiv:1907.10830): genA2B = G_s->t, genB2A = G_t->s; disGA / disGB = the
global discriminators D_s / D_t, disLA / disLB = the local ones; `logit` = D(x), `cam_logit` =
the auxiliary classifier eta_D (for D) or eta_s (for G); fake_a2b = G_s->t(x_s),
fake_a2b2a = G_t->s(G_s->t(x_s)) (cycle), fake_a2a = G_t->s(x_s) (identity); "D_ad" = L_lsgan,
"G_recon" = L_cycle, "G_identity" = L_identity, "G_cam" = L_cam, "G_id" = the Face-ID loss of
photo2cartoon.
"""

from __future__ import annotations

import tensorflow as tf

from tf_p2c import losses
from tf_p2c.models import DISCRIMINATORS, GENERATORS, build_networks
from tf_p2c.training.config import TrainConfig
from tf_p2c.training.diff_augment import DiffAugment
from tf_p2c.training.optim import make_optimizer

__all__ = ["UGATIT"]

DOMAINS = ("A", "B")
SCALES = {"global": "G", "local": "L"}
OUTPUTS = {"logit": 0, "cam_logit": 1}  # index into a discriminator's outputs


def _dis_name(domain: str, scale: str) -> str:
    return f"dis{SCALES[scale]}{domain}"


def _term(prefix: str, output: str, scale: str, domain: str) -> str:
    # The original's names: D_ad_loss_GA, D_ad_cam_loss_LB, G_ad_loss_GB, ...
    kind = "ad" if output == "logit" else "ad_cam"
    return f"{prefix}_{kind}_loss_{SCALES[scale]}{domain}"


def _run_on_both(generator, x, y, training):
    """(image, cam_logit) of `generator` for `x` and for `y`, from one call on both batches."""
    image, cam_logit, _ = generator(tf.concat([x, y], axis=0), training=training)
    sizes = tf.stack([tf.shape(x)[0], tf.shape(y)[0]])
    return zip(tf.split(image, sizes), tf.split(cam_logit, sizes))


class UGATIT:
    """The six networks, the two optimizers and the compiled training step.

    Build it inside `strategy.scope()` (the constructor enters the given strategy's scope).
    `train_step(real_a, real_b)` runs one step on a (distributed) batch and returns every loss
    term; `compute_losses` returns the same terms without updating anything.

    Args:
        config: the run's `TrainConfig` (architecture, loss weights, lr schedule, jit).
        face_id: callable `(real, fake) -> scalar` (e.g. `tf_p2c.training.face_id.FaceIdLoss`),
            required when `config.loss_weights.faceid > 0`; ignored (terms reported as 0) when None
            and the weight is 0.
        strategy: a `tf.distribute.Strategy` (default: the current one).

    Reference: Kim et al., "U-GAT-IT", arXiv:1907.10830.
    """

    def __init__(self, config: TrainConfig, face_id=None, strategy: tf.distribute.Strategy | None = None):
        if config.loss_weights.faceid > 0 and face_id is None:
            raise ValueError(
                f"faceid_weight={config.loss_weights.faceid} needs the Face-ID network: pass --faceid_model "
                "PATH (the original's model_mobilefacenet.pth) or set --faceid_weight 0"
            )
        self.config = config
        self.face_id = face_id
        self.strategy = strategy or tf.distribute.get_strategy()
        model, loss_weights = config.model, config.loss_weights
        self.loss_weights = loss_weights
        with self.strategy.scope():
            self.networks = build_networks(model)
            self.g_variables = [v for g in GENERATORS for v in self.networks[g].trainable_variables]
            self.d_variables = [v for d in DISCRIMINATORS for v in self.networks[d].trainable_variables]
            self.g_optimizer = self._optimizer("g_optimizer")
            self.d_optimizer = self._optimizer("d_optimizer")
            self.g_optimizer.build(self.g_variables)
            self.d_optimizer.build(self.d_variables)
            self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step",
                                    aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
            self.skipped_updates = tf.Variable(0, dtype=tf.int64, trainable=False, name="skipped_updates",
                                               aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
            # Made in the strategy's scope, so that each replica draws its own augmentations.
            self.augment = DiffAugment(config.diff_augment, seed=config.seed) if config.diff_augment else None
        self._d_grads = self._maybe_jit(self._discriminator_gradients)
        self._g_grads = self._maybe_jit(self._generator_gradients)
        self._compiled_step = None

    # ------------------------------------------------------------------ construction helpers

    def _optimizer(self, name):
        c = self.config
        optimizer = make_optimizer(c.lr, c.iteration, c.decay_flag, c.weight_decay, name=name,
                                   clip_norm=c.clip_grad_norm)
        if c.mixed_precision:
            import keras

            optimizer = keras.optimizers.LossScaleOptimizer(optimizer, name=f"{name}_loss_scale")
        return optimizer

    def _maybe_jit(self, fn):
        return tf.function(fn, jit_compile=True) if self.config.jit else fn

    def __getitem__(self, name):
        return self.networks[name]

    # ------------------------------------------------------------------ forward passes and losses

    def _judge(self, domain, scale, images, training):
        """One discriminator's outputs for `images`, augmented first when DiffAugment is on
        (independent draws for every call, reals and fakes alike)."""
        if self.augment is not None:
            images = tf.cast(self.augment(tf.cast(images, tf.float32)), images.dtype)
        return self.networks[_dis_name(domain, scale)](images, training=training)

    def discriminator_losses(self, real_a, real_b, fake_a2b, fake_b2a, training=True):
        """D terms. Discriminators run in the original's order (GA, LA, GB, LB on reals, then on
        fakes), which fixes the sequence of spectral-norm power iterations."""
        real = {"A": real_a, "B": real_b}
        fake = {"A": fake_b2a, "B": fake_a2b}  # the fakes each domain's discriminators judge
        pairs = [(d, s) for d in DOMAINS for s in SCALES]
        real_out = {(d, s): self._judge(d, s, real[d], training) for d, s in pairs}
        fake_out = {(d, s): self._judge(d, s, fake[d], training) for d, s in pairs}
        terms = {}
        for d, s in pairs:
            for output, index in OUTPUTS.items():
                terms[_term("D", output, s, d)] = losses.lsgan_d_loss(real_out[d, s][index], fake_out[d, s][index])
        for d in DOMAINS:
            terms[f"D_loss_{d}"] = self.loss_weights.adv * tf.add_n(
                [terms[_term("D", o, s, d)] for s in SCALES for o in OUTPUTS])
        terms["D_loss"] = terms["D_loss_A"] + terms["D_loss_B"]
        return terms

    def generator_losses(self, real_a, real_b, training=True):
        """G terms (and the images, for samples) from the current generators and discriminators."""
        gen_a2b, gen_b2a = self.networks["genA2B"], self.networks["genB2A"]
        # Translation and identity share one call per generator (the generators treat every
        # sample on its own), which halves their share of the traced graph.
        (fake_a2b, fake_a2b_cam), (fake_b2b, fake_b2b_cam) = _run_on_both(gen_a2b, real_a, real_b, training)
        (fake_b2a, fake_b2a_cam), (fake_a2a, fake_a2a_cam) = _run_on_both(gen_b2a, real_b, real_a, training)
        fake_a2b2a = gen_b2a(fake_a2b, training=training)[0]
        fake_b2a2b = gen_a2b(fake_b2a, training=training)[0]

        fake = {"A": fake_b2a, "B": fake_a2b}
        pairs = [(d, s) for d in DOMAINS for s in SCALES]
        fake_out = {(d, s): self._judge(d, s, fake[d], training) for d, s in pairs}
        terms = {}
        for d, s in pairs:
            for output, index in OUTPUTS.items():
                terms[_term("G", output, s, d)] = losses.lsgan_g_loss(fake_out[d, s][index])
        terms["G_recon_loss_A"] = losses.l1_loss(fake_a2b2a, real_a)
        terms["G_recon_loss_B"] = losses.l1_loss(fake_b2a2b, real_b)
        terms["G_identity_loss_A"] = losses.l1_loss(fake_a2a, real_a)
        terms["G_identity_loss_B"] = losses.l1_loss(fake_b2b, real_b)
        # Domain A's generator CAM terms come from genB2A (its classifier tells A from B).
        terms["G_cam_loss_A"] = losses.cam_bce_loss(fake_b2a_cam, fake_a2a_cam)
        terms["G_cam_loss_B"] = losses.cam_bce_loss(fake_a2b_cam, fake_b2b_cam)
        if self.face_id is not None:
            terms["G_id_loss_A"] = tf.cast(self.face_id(real_a, fake_a2b), tf.float32)
            terms["G_id_loss_B"] = tf.cast(self.face_id(real_b, fake_b2a), tf.float32)
        else:
            terms["G_id_loss_A"] = terms["G_id_loss_B"] = tf.constant(0.0)
        w = self.loss_weights
        for d in DOMAINS:
            terms[f"G_loss_{d}"] = (
                w.adv * tf.add_n([terms[_term("G", o, s, d)] for s in SCALES for o in OUTPUTS])
                + w.cycle * terms[f"G_recon_loss_{d}"]
                + w.identity * terms[f"G_identity_loss_{d}"]
                + w.cam * terms[f"G_cam_loss_{d}"]
                + w.faceid * terms[f"G_id_loss_{d}"]
            )
        terms["G_loss"] = terms["G_loss_A"] + terms["G_loss_B"]
        return terms

    # ------------------------------------------------------------------ the step

    def _scaled(self, loss, optimizer):
        # Gradients are summed over replicas by the optimizer, so each replica's mean loss is
        # divided by the replica count: the update equals one device with the global batch.
        loss = loss / tf.cast(tf.distribute.get_strategy().num_replicas_in_sync, loss.dtype)
        if self.config.mixed_precision:
            loss = optimizer.scale_loss(loss)
        return loss

    def _discriminator_gradients(self, real_a, real_b):
        fake_a2b = self.networks["genA2B"](real_a, training=True)[0]
        fake_b2a = self.networks["genB2A"](real_b, training=True)[0]
        with tf.GradientTape() as tape:
            terms = self.discriminator_losses(real_a, real_b, fake_a2b, fake_b2a, training=True)
            loss = self._scaled(terms["D_loss"], self.d_optimizer)
        return terms, tape.gradient(loss, self.d_variables)

    def _generator_gradients(self, real_a, real_b):
        with tf.GradientTape() as tape:
            terms = self.generator_losses(real_a, real_b, training=True)
            loss = self._scaled(terms["G_loss"], self.g_optimizer)
        return terms, tape.gradient(loss, self.g_variables)

    def _finite_or_zero(self, grads):
        """`grads`, or zeros (and a count in `skipped_updates`) when their global norm is not finite.

        A feature map of zero variance (a dead channel, a flat 2x2 level at the bottom of an
        hourglass) makes its normalisation multiply the gradient by 1 / sqrt(eps) = 316; a chain of
        them gives gradients of 1e20 and more, whose squared norm overflows, and one such update
        turns every weight into NaN (the original does the same). Zeroing the set keeps the
        update (and Adam's step count) going with no gradient, instead. Under mixed precision the
        loss-scale optimizer already skips non-finite updates.
        """
        if self.config.mixed_precision:
            return grads
        finite = tf.math.is_finite(tf.linalg.global_norm(grads))
        self.skipped_updates.assign_add(tf.cast(tf.logical_not(finite), tf.int64))
        return [tf.where(finite, g, tf.zeros_like(g)) for g in grads]

    def replica_step(self, real_a, real_b):
        """One D update then one G update on this replica's share of the batch."""
        d_terms, d_grads = self._d_grads(real_a, real_b)
        self.d_optimizer.apply(self._finite_or_zero(d_grads), self.d_variables)
        # Generator losses see the updated discriminators, as in the original.
        g_terms, g_grads = self._g_grads(real_a, real_b)
        self.g_optimizer.apply(self._finite_or_zero(g_grads), self.g_variables)  # then ClipTo01 on rho / w
        self.step.assign_add(1)
        return {**d_terms, **g_terms}

    def train_step(self, real_a, real_b):
        """Runs one step on a batch (a plain or a distributed one); returns the mean loss terms."""
        if self._compiled_step is None:
            strategy = self.strategy

            def step(a, b):
                per_replica = strategy.run(self.replica_step, args=(a, b))
                return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None)
                        for k, v in per_replica.items()}

            self._compiled_step = step if self.config.run_eagerly else tf.function(step)
        return self._compiled_step(real_a, real_b)

    def compute_losses(self, real_a, real_b):
        """Every loss term and the D and G totals at the current weights, updating nothing.

        The forward passes are the step's: the D terms equal those the next `train_step` would
        report on this batch; the G terms are computed with the discriminators NOT updated (the
        step evaluates them after the D update). Discriminators run in training mode, so each
        call performs the spectral-norm power iterations the step would (two per discriminator,
        in the step's order); their u / v vectors, and the DiffAugment generator's state, are
        restored afterwards, so nothing changes. Runs on a single (non-distributed) batch.
        """
        state = [v for d in DISCRIMINATORS for v in self.networks[d].non_trainable_variables]
        if self.augment is not None:
            state.append(self.augment.rng.state)
        saved = [(v, tf.identity(v)) for v in state]
        try:
            fake_a2b = self.networks["genA2B"](real_a, training=True)[0]
            fake_b2a = self.networks["genB2A"](real_b, training=True)[0]
            terms = self.discriminator_losses(real_a, real_b, fake_a2b, fake_b2a, training=True)
            terms.update(self.generator_losses(real_a, real_b, training=True))
        finally:
            for variable, value in saved:
                variable.assign(value)
        return terms

    # ------------------------------------------------------------------ weights

    def load_networks_from(self, models: dict) -> list[str]:
        """Copies weights from same-architecture Keras models (e.g. `tf_p2c.network_files.load_networks`)."""
        loaded = []
        for name, source in models.items():
            target = self.networks[name]
            if len(source.weights) != len(target.weights) or any(
                    tuple(a.shape) != tuple(b.shape) for a, b in zip(source.weights, target.weights)):
                raise ValueError(f"{name}: the pretrained network's architecture differs from this run's")
            for a, b in zip(target.weights, source.weights):
                a.assign(b.numpy())
            loaded.append(name)
        return loaded
