"""Full-size check of the original's file formats, both ways, against the PyTorch reference.

    python benchmarks/bench_parity_full.py [--torch-python PATH]

The reference side (tests/reference/full_size_files.py, needs torch) writes a random
ResnetGenerator(ngf=32, img_size=256, light=True) as a zip and a legacy .pt, as a TorchScript
(opset 11) and a torch.export ONNX, and a random MobileFaceNet(512) .pth, with its outputs. This
side loads each with tf_p2c, also the TorchScript ONNX with every initializer renamed (matched by
graph structure), and compares outputs; then writes the generator back with `convert`'s writer
and has torch load that file with load_state_dict(strict=True) and run it.

`--torch-python` names an interpreter that has torch, when this one (with TensorFlow) has not.
Exits 1 when any image differs by more than 5e-4 or an embedding by more than 1e-4.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))
REFERENCE = os.path.join(REPO_ROOT, "tests", "reference", "full_size_files.py")

IMAGE_GOAL = 5e-4
EMBEDDING_GOAL = 1e-4


def _torch(python, *args):
    subprocess.run([python, REFERENCE, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=1800)


def _diffs(outputs, expected):
    """Max abs difference per output (Keras NHWC against the reference's NCHW)."""
    nchw = [np.transpose(np.asarray(o), (0, 3, 1, 2)) if np.ndim(o) == 4 else np.asarray(o) for o in outputs]
    return {name: float(np.max(np.abs(a - expected[name]))) for a, name in zip(nchw, ("image", "cam_logit", "heatmap"))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", default=None, help="an interpreter with torch installed (default: this one)")
    args = parser.parse_args(argv)
    if args.torch_python is None:
        import importlib.util

        if importlib.util.find_spec("torch") is None:
            print("bench_parity_full: needs torch, here or in the interpreter given by --torch-python; skipped.")
            return 0
        args.torch_python = sys.executable

    import onnx

    import tf_p2c
    from helpers import rename_onnx_initializers
    from tf_p2c.convert.onnx_weights import onnx_state_dict, read_onnx
    from tf_p2c.convert.original_checkpoint import save_original_checkpoint
    from tf_p2c.convert.state_dict import model_state_dict
    from tf_p2c.models.mobilefacenet import load_mobilefacenet
    from tf_p2c.network_files import load_networks

    worst_image = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        _torch(args.torch_python, "write", tmp)
        ref = np.load(os.path.join(tmp, "reference.npz"))
        x = np.transpose(ref["inputs"], (0, 2, 3, 1))
        renamed = rename_onnx_initializers(onnx.load(os.path.join(tmp, "torchscript.onnx")))
        onnx.save(renamed, os.path.join(tmp, "renamed.onnx"))
        print("file (full size: ngf=32, 256x256, light)       matched by   image max abs  cam_logit  heatmap")
        for name in ("photo2cartoon_weights.pt", "legacy.pt", "torchscript.onnx", "dynamo.onnx", "renamed.onnx"):
            path = os.path.join(tmp, name)
            model = tf_p2c.load_generator(path)
            how = onnx_state_dict(read_onnx(path), model_state_dict(model), path)[1] if name.endswith(".onnx") else "keys"
            d = _diffs([np.concatenate(parts) for parts in zip(*(model(x[i:i + 1]) for i in range(len(x))))], ref)
            worst_image = max(worst_image, d["image"])
            print(f"{name:46s} {how:10s} {d['image']:12.2e} {d['cam_logit']:10.2e} {d['heatmap']:8.2e}")

        networks = load_networks(os.path.join(tmp, "photo2cartoon_weights.pt"))
        save_original_checkpoint(networks, os.path.join(tmp, "back.pt"))
        _torch(args.torch_python, "check", os.path.join(tmp, "back.pt"), tmp)
        back = np.load(os.path.join(tmp, "check.npz"))
        d = {k: float(np.max(np.abs(back[k] - ref[k]))) for k in ("image", "cam_logit", "heatmap")}
        worst_image = max(worst_image, d["image"])
        print(f"{'back.pt (written here, torch strict load)':46s} {'keys':10s} {d['image']:12.2e} "
              f"{d['cam_logit']:10.2e} {d['heatmap']:8.2e}")

        face_net = load_mobilefacenet(os.path.join(tmp, "model_mobilefacenet.pth"))
        embeddings = np.asarray(face_net(np.transpose(ref["faces"], (0, 2, 3, 1)), training=False))
        embedding_diff = float(np.max(np.abs(embeddings - ref["embeddings"])))
        print(f"{'model_mobilefacenet.pth (512-d embedding)':46s} {'keys':10s} {embedding_diff:12.2e}")

    ok = worst_image <= IMAGE_GOAL and embedding_diff <= EMBEDDING_GOAL
    print(f"goals: image <= {IMAGE_GOAL:.0e}, embedding <= {EMBEDDING_GOAL:.0e}: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
