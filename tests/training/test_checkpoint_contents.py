"""Training checkpoints hold every variable of every network.

Layers kept in Python lists are invisible to tf.train.Checkpoint: a checkpoint written that way
silently skips them, and a resumed run continues with those layers freshly initialised.
"""

import numpy as np
import tensorflow as tf

from tf_p2c.config import ModelConfig
from tf_p2c.models import build_networks


def test_every_variable_is_saved_and_restored(tmp_path):
    config = ModelConfig(ngf=8, img_size=64, ndf=2, n_layers_global=6)
    saved, restored = build_networks(config), build_networks(config)
    prefix = tf.train.Checkpoint(**saved).write(str(tmp_path / "ckpt"))
    listed = [name for name, _ in tf.train.list_variables(prefix) if "/.ATTRIBUTES/" in name]
    for name, model in saved.items():
        assert sum(1 for n in listed if n.startswith(name + "/")) == len(model.weights), name
    tf.train.Checkpoint(**restored).read(prefix).assert_existing_objects_matched()
    for name, model in saved.items():
        for a, b in zip(model.weights, restored[name].weights):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=f"{name} {a.path}")
