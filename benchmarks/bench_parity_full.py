"""Full-size parity of the Keras generator against the PyTorch reference.

    python benchmarks/bench_parity_full.py

Builds the reference ResnetGenerator(ngf=32, img_size=256, light=True) from
tests/reference/torch_reference.py with random weights (every rho / w_gamma / w_beta drawn in
[0, 1]), saves it as {"genA2B": state_dict} in a temporary .pt, loads that file with
``tf_p2c.load_generator`` and compares the outputs on 3 random inputs in [-1, 1].
Exits 1 when the image max abs diff exceeds 5e-4. Needs torch; without it, says so and exits 0.
"""

import os
import sys
import tempfile

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, os.path.join(REPO_ROOT, "tests", "reference"))

IMAGE_GOAL = 5e-4
NUM_INPUTS = 3
SEED = 0


def main():
    try:
        import torch
    except ImportError:
        print("bench_parity_full: torch is needed for this benchmark (pip install torch); skipped.")
        return 0

    import tf_p2c
    from torch_reference import ResnetGenerator, randomize_norm_params

    torch.manual_seed(SEED)
    reference = ResnetGenerator(ngf=32, img_size=256, light=True)
    randomize_norm_params(reference, torch.Generator().manual_seed(SEED + 1000))
    reference.eval()

    inputs = (torch.rand(NUM_INPUTS, 1, 3, 256, 256, generator=torch.Generator().manual_seed(SEED))
              * 2 - 1)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "p2c_full_random.pt")
        torch.save({"genA2B": reference.state_dict()}, path)
        model = tf_p2c.load_generator(path)

        worst = {"image": 0.0, "cam_logit": 0.0, "heatmap": 0.0}
        for x in inputs:
            with torch.no_grad():
                t_image, t_cam, t_heat = (t.numpy() for t in reference(x))
            k_image, k_cam, k_heat = (
                np.asarray(t) for t in model(np.transpose(x.numpy(), (0, 2, 3, 1)), training=False)
            )
            expected_shapes = (
                (k_image.shape, (1, 256, 256, 3)),
                (k_cam.shape, (1, 2)),
                (k_heat.shape, (1, 64, 64, 1)),
            )
            for got, want in expected_shapes:
                if tuple(got) != want:
                    print(f"bench_parity_full: Keras output shape {tuple(got)}, expected {want}")
                    return 1
            diffs = {
                "image": np.abs(k_image - np.transpose(t_image, (0, 2, 3, 1))),
                "cam_logit": np.abs(k_cam - t_cam),
                "heatmap": np.abs(k_heat - np.transpose(t_heat, (0, 2, 3, 1))),
            }
            for name, diff in diffs.items():
                worst[name] = max(worst[name], float(diff.max()))

    print(
        "full-size parity (ngf=32, 256x256, light): "
        f"image max_abs={worst['image']:.3e} "
        f"cam_logit max_abs={worst['cam_logit']:.3e} "
        f"heatmap max_abs={worst['heatmap']:.3e} "
        f"(goal <= {IMAGE_GOAL:.0e})"
    )
    return 1 if not worst["image"] <= IMAGE_GOAL else 0


if __name__ == "__main__":
    sys.exit(main())
