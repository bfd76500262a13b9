"""Subprocess for test_distribute.py (logical devices and TF_CONFIG must be set before TF starts).

    python distributed_worker.py mirrored OUT.json
    TF_CONFIG=... python distributed_worker.py multiworker OUT.npz
"""

import json
import sys

import numpy as np
import tensorflow as tf

MODE, OUT = sys.argv[1], sys.argv[2]
if MODE == "mirrored":
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras
from checkpoint_writer import TINY

from tf_p2c.training.distribute import make_strategy
from tf_p2c.training.trainer import UGATIT

CONFIG = TINY.replace(batch_size=2, run_eagerly=True)


def batch(seed):
    rng = np.random.default_rng(seed)
    return tuple(rng.uniform(-1, 1, (2, 64, 64, 3)).astype(np.float32) for _ in range(2))


def weights(trainer):
    return {f"{name}/{i}": np.asarray(v.numpy()) for name, net in trainer.networks.items()
            for i, v in enumerate(net.weights)}


def mirrored():
    keras.utils.set_random_seed(0)
    single = UGATIT(CONFIG)
    strategy = make_strategy(["/cpu:0", "/cpu:1"])
    assert strategy.num_replicas_in_sync == 2
    twin = UGATIT(CONFIG, strategy=strategy)
    for name, net in single.networks.items():
        for a, b in zip(twin.networks[name].weights, net.weights):
            a.assign(b.numpy())
    real_a, real_b = batch(1)
    single_logs = single.train_step(real_a, real_b)
    dist = strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensors((real_a, real_b)))
    twin_logs = twin.train_step(*next(iter(dist)))
    w1, w2 = weights(single), weights(twin)
    diffs = np.concatenate([np.abs(w1[k].astype(np.float64) - w2[k]).ravel() for k in w1])
    report = {
        "n": int(diffs.size),
        "max_diff": float(diffs.max()),
        "n_over_1e-6": int(np.sum(diffs > 1e-6)),
        # entries that differ by something other than an Adam sign flip (2 lr)
        "n_not_flip": int(np.sum((diffs > 1e-6) & (np.abs(diffs - 2 * CONFIG.lr) > 1e-6))),
        "loss_rel": max(abs(float(single_logs[k]) - float(twin_logs[k])) / max(abs(float(single_logs[k])), 1e-12)
                        for k in single_logs),
        "replica_batch": int(next(iter(dist))[0].values[0].shape[0]),
        "lr": CONFIG.lr,
    }
    with open(OUT, "w") as handle:
        json.dump(report, handle)


def multiworker():
    keras.utils.set_random_seed(0)
    strategy = make_strategy(multi_worker=True)
    trainer = UGATIT(CONFIG, strategy=strategy)
    images = np.concatenate([batch(s)[0] for s in (1, 2)])
    ds = tf.data.Dataset.from_tensor_slices((images, images[::-1].copy())).repeat().batch(2)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    iterator = iter(strategy.experimental_distribute_dataset(ds.with_options(options)))
    for _ in range(2):
        trainer.train_step(*next(iterator))
    np.savez(OUT, step=int(trainer.step.numpy()), replicas=strategy.num_replicas_in_sync, **weights(trainer))


if __name__ == "__main__":
    {"mirrored": mirrored, "multiworker": multiworker}[MODE]()
