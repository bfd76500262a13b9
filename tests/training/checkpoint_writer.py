"""Subprocess for test_checkpoints.py: resumes from DIR, then saves checkpoints in a tight loop.

Before save number i every variable of every network holds the value i (and the step is i), so a
restored checkpoint is complete and consistent exactly when all of them agree with its step.
"""

import sys

import numpy as np

from tf_p2c.config import ModelConfig
from tf_p2c.training.checkpoints import TrainingCheckpoint
from tf_p2c.training.config import LossWeights, TrainConfig
from tf_p2c.training.trainer import UGATIT

TINY = TrainConfig(model=ModelConfig(ngf=4, img_size=64, ndf=2, n_layers_global=6, n_layers_local=5),
                   loss_weights=LossWeights(faceid=0.0), iteration=10)


def fill(trainer, value):
    for network in trainer.networks.values():
        for variable in network.weights:
            variable.assign(np.full(variable.shape, value, np.float32))
    trainer.step.assign(value)


def main(directory):
    trainer = UGATIT(TINY)
    checkpoint = TrainingCheckpoint(trainer, directory, max_to_keep=2)
    step = checkpoint.restore_latest()
    print(f"ready {step}", flush=True)
    while True:
        step += 1
        fill(trainer, step)
        checkpoint.save()
        print(f"saved {step}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
