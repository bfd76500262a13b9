"""Choosing the `tf.distribute` strategy from `--gpu_ids` / `--multi_worker`.

- several devices: `MirroredStrategy` (synchronous data parallelism on one host);
- one device: `OneDeviceStrategy`;
- none given: the default strategy (TensorFlow's device placement);
- `multi_worker=True`: `MultiWorkerMirroredStrategy`, configured by the `TF_CONFIG` environment
  variable of each worker (see docs/training.md).

The batch size of the run is the GLOBAL batch: each of N replicas gets batch / N examples, and
the step divides each replica's mean loss by N before the optimizer sums the gradients, so the
update equals one device with the whole batch.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import tensorflow as tf

__all__ = ["device_names", "is_chief", "make_strategy"]


def device_names(gpu_ids: Sequence | None) -> list[str]:
    """`--gpu_ids` entries as device names: integers are GPUs, other strings pass through
    (e.g. "/cpu:0", used by the tests on logical CPU devices)."""
    names = []
    for entry in gpu_ids or ():
        text = str(entry).strip()
        names.append(f"/gpu:{int(text)}" if text.lstrip("-").isdigit() else text)
    return names


def make_strategy(gpu_ids: Sequence | None = None, multi_worker: bool = False) -> tf.distribute.Strategy:
    """The strategy for a run; raises ValueError naming the flag when devices are missing."""
    if multi_worker:
        if "TF_CONFIG" not in os.environ:
            raise ValueError("--multi_worker needs the TF_CONFIG environment variable (see docs/training.md)")
        return tf.distribute.MultiWorkerMirroredStrategy()
    names = device_names(gpu_ids)
    if not names:
        return tf.distribute.get_strategy()
    if any(n.startswith("/gpu:") for n in names):
        visible = len(tf.config.list_logical_devices("GPU"))
        missing = [n for n in names if n.startswith("/gpu:") and int(n.split(":")[1]) >= visible]
        if missing:
            raise ValueError(f"--gpu_ids asks for {', '.join(missing)} but {visible} GPU(s) are visible")
    if len(names) == 1:
        return tf.distribute.OneDeviceStrategy(names[0])
    return tf.distribute.MirroredStrategy(names)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """True on the worker that writes checkpoints, samples and logs (always, off multi-worker)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    if task_type is None:
        return True
    cluster = json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster", {})
    if "chief" in cluster:
        return task_type == "chief"
    return task_type == "worker" and task_id == 0
