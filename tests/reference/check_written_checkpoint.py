"""Load a `.pt` that tf_p2c wrote into the PyTorch reference, strictly, and check its outputs.

Needs torch; not part of the test suite (CI has no torch). From the repository root:

    .venv/bin/python -m tf_p2c convert --weights tests/fixtures/p2c_tiny.pt --out /tmp/back.pt
    python tests/reference/check_written_checkpoint.py /tmp/back.pt

The file is read with `torch.load(weights_only=True)`, every network is loaded with
`load_state_dict(strict=True)` into the reference built at the fixture's sizes, and the outputs are
compared with `tests/fixtures/p2c_tiny_io.npz` (the reference's outputs on the original tensors).
"""

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import GLOBAL_DIS, LOCAL_DIS, OUT_DIR, TINY_GEN  # noqa: E402
from torch_reference import Discriminator, ResnetGenerator  # noqa: E402


def main(path):
    checkpoint = torch.load(path, weights_only=True)
    io = np.load(os.path.join(OUT_DIR, "p2c_tiny_io.npz"))
    worst = 0.0
    for name, state in checkpoint.items():
        if name.startswith("gen"):
            model, x, prefix = ResnetGenerator(**TINY_GEN), io["gen_input"], name
            parts = ("image", "cam_logit", "heatmap")
        else:
            model = Discriminator(**(GLOBAL_DIS if name.startswith("disG") else LOCAL_DIS))
            x, prefix, parts = io["dis_input"], name, ("logit", "cam_logit", "heatmap")
        model.load_state_dict(state, strict=True)
        model.eval()
        with torch.no_grad():
            outputs = model(torch.from_numpy(x))
        for part, output in zip(parts, outputs):
            diff = float(np.max(np.abs(output.numpy() - io[f"{prefix}_{part}"])))
            worst = max(worst, diff)
            print(f"{name:7s} {part:9s} strict load ok, max abs diff {diff:.2e}")
    print(f"worst {worst:.2e}")
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
