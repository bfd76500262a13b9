"""The compiled step (`tf.function`, what training runs) against the same step run eagerly.

Two trainers start from identical weights and take the same two steps, one eagerly and one
through the traced graph, whose optimiser (Grappler) fuses and reorders kernels. The first step's
gradients are read back from Adam's first moments (m = (1 - beta_1) g after one step). Updated
weights are not compared entry by entry: Adam's first step is about lr * sign(g), and at random
initialisation many gradients cancel to float32 noise (test_train_step_parity.py has the details),
so another summation order flips hundreds of them.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from checkpoint_writer import TINY

from tf_p2c.config import ModelConfig
from tf_p2c.training.trainer import UGATIT


def _snapshot(trainer):
    return {
        "weights": {n: [w.numpy() for w in m.weights] for n, m in trainer.networks.items()},
        "moments": {kind: [m.numpy() for m in optimizer._momentums]
                    for kind, optimizer in (("g", trainer.g_optimizer), ("d", trainer.d_optimizer))},
    }


@pytest.fixture(scope="module")
def runs():
    # ngf 8: at ngf 4 some stages have one channel, and float32 gradients are poorly conditioned.
    keras.utils.set_random_seed(0)  # the same networks whatever ran before
    config = TINY.replace(batch_size=2, model=ModelConfig(ngf=8, img_size=64, ndf=2, n_layers_global=6,
                                                          n_layers_local=5))
    trainers = {"eager": UGATIT(config.replace(run_eagerly=True)), "compiled": UGATIT(config)}
    for name, network in trainers["eager"].networks.items():
        for source, target in zip(network.weights, trainers["compiled"].networks[name].weights):
            target.assign(source)
    result = {"config": config, "trainers": trainers, "initial": _snapshot(trainers["eager"])}
    rng = np.random.default_rng(5)
    batches = [[tf.constant(rng.uniform(-1, 1, (2, 64, 64, 3)).astype("float32")) for _ in "AB"] for _ in range(2)]
    for kind, trainer in trainers.items():
        result[kind, "losses"] = []
        for a, b in batches:
            result[kind, "losses"].append({k: float(v) for k, v in trainer.train_step(a, b).items()})
            if len(result[kind, "losses"]) == 1:
                result[kind, "after"] = _snapshot(trainer)
    return result


def _assert_losses_agree(eager, compiled, rel):
    assert set(eager) == set(compiled)
    for key, value in eager.items():
        assert compiled[key] == pytest.approx(value, rel=rel, abs=1e-6), key


def test_first_step_losses_agree(runs):
    _assert_losses_agree(runs["eager", "losses"][0], runs["compiled", "losses"][0], rel=1e-5)


def test_gradients_of_the_first_step_agree(runs):
    eager, compiled = runs["eager", "after"]["moments"], runs["compiled", "after"]["moments"]
    for kind in ("g", "d"):
        network_scale = max(np.abs(m).max() for m in eager[kind])
        for index, (expected, got) in enumerate(zip(eager[kind], compiled[kind])):
            # Relative to the tensor's largest gradient. At random weights, float32 gradients of
            # this loss are poorly conditioned: against a float64 run the CAM weights' (which scale
            # the decoder's input) are off by up to 5% of their largest, and the two summation
            # orders differ by 0.3-1.5%. A wrong gradient is off by its whole size. Tensors whose
            # true gradient is 0 (biases feeding an instance norm) hold rounding noise, bounded by
            # the network's scale.
            scale = max(np.abs(expected).max(), 1e-3 * network_scale)
            np.testing.assert_allclose(got, expected, rtol=0, atol=0.1 * scale, err_msg=f"{kind} variable {index}")
        # As whole vectors, the two steps' gradients point the same way.
        flat_e, flat_c = (np.concatenate([m.ravel() for m in ms]).astype(np.float64)
                          for ms in (eager[kind], compiled[kind]))
        cosine = flat_e @ flat_c / (np.linalg.norm(flat_e) * np.linalg.norm(flat_c))
        assert cosine > 1 - 1e-6, kind  # measured: 1e-8 to 1e-7 (G), 1e-14 (D)


def test_spectral_norm_vectors_and_updates_agree(runs):
    eager, compiled = runs["eager", "after"]["weights"], runs["compiled", "after"]["weights"]
    moved = total = 0
    for name, trainer_network in runs["trainers"]["eager"].networks.items():
        for variable, start, expected, got in zip(trainer_network.weights, runs["initial"]["weights"][name],
                                                  eager[name], compiled[name]):
            if not variable.trainable:  # power-iteration vectors: two iterations per discriminator
                np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6, err_msg=variable.path)
            # Never more than Adam's two-sided step apart.
            assert np.all(np.abs(got - expected) <= 2.001 * runs["config"].lr + 1e-4 * np.abs(expected))
            moved += int(np.sum(expected != start))
            total += start.size
    assert moved > 0.5 * total  # the step did update the networks


def test_second_step_runs_the_same_graph(runs):
    compiled = runs["trainers"]["compiled"]
    assert compiled._compiled_step.experimental_get_tracing_count() == 1
    assert int(compiled.step.numpy()) == 2
    # The first step's flipped entries (see above) shift the second step's losses by ~1e-3.
    _assert_losses_agree(runs["eager", "losses"][1], runs["compiled", "losses"][1], rel=1e-2)
