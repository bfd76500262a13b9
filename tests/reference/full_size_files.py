"""Full-size files written by the PyTorch reference, and strict loads of files tf_p2c wrote.

Needs torch (not TensorFlow); used by ``benchmarks/bench_parity_full.py``, which may run it with
another interpreter (``--torch-python``), so torch and TensorFlow need not share an environment.

    python tests/reference/full_size_files.py write DIR
        DIR/photo2cartoon_weights.pt (zip) and legacy.pt: {"genA2B": ...} of the reference
        ResnetGenerator(ngf=32, img_size=256, light=True), random weights (every rho / w drawn in
        [0, 1]); torchscript.onnx (dynamo=False, opset 11) and dynamo.onnx exports of it;
        model_mobilefacenet.pth (random MobileFaceNet(512), BN statistics included);
        reference.npz: inputs and the reference's outputs.
    python tests/reference/full_size_files.py check FILE.pt DIR
        loads FILE.pt with torch.load(weights_only=True) and load_state_dict(strict=True), runs
        the inputs of DIR/reference.npz, writes DIR/check.npz.
"""

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mobilefacenet_reference import MobileFaceNet, randomize  # noqa: E402
from torch_reference import ResnetGenerator, randomize_norm_params  # noqa: E402

SEED = 0
NUM_INPUTS = 3


def _outputs(model, inputs):
    with torch.no_grad():
        results = [model(torch.from_numpy(x[None])) for x in inputs]
    return {name: np.concatenate([r[i].numpy() for r in results]) for i, name in enumerate(("image", "cam_logit", "heatmap"))}


def write(out_dir):
    torch.manual_seed(SEED)
    generator = ResnetGenerator(ngf=32, img_size=256, light=True)
    randomize_norm_params(generator, torch.Generator().manual_seed(SEED + 1000))
    generator.eval()
    state = {"genA2B": generator.state_dict()}
    torch.save(state, os.path.join(out_dir, "photo2cartoon_weights.pt"))
    torch.save(state, os.path.join(out_dir, "legacy.pt"), _use_new_zipfile_serialization=False)
    dummy = torch.zeros(1, 3, 256, 256)
    names = dict(input_names=["input"], output_names=["output", "cam_logit", "heatmap"])
    torch.onnx.export(generator, (dummy,), os.path.join(out_dir, "torchscript.onnx"), opset_version=11,
                      do_constant_folding=True, dynamo=False, **names)
    torch.onnx.export(generator, (dummy,), os.path.join(out_dir, "dynamo.onnx"), dynamo=True, external_data=False,
                      **names)
    inputs = (torch.rand(NUM_INPUTS, 3, 256, 256, generator=torch.Generator().manual_seed(SEED)) * 2 - 1).numpy()
    torch.manual_seed(SEED + 1)
    face_net = randomize(MobileFaceNet(512), torch.Generator().manual_seed(SEED + 2))
    torch.save(face_net.state_dict(), os.path.join(out_dir, "model_mobilefacenet.pth"))
    faces = (torch.rand(2, 3, 112, 112, generator=torch.Generator().manual_seed(SEED + 3)) * 2 - 1)
    with torch.no_grad():
        embeddings = face_net(faces).numpy()
    np.savez(os.path.join(out_dir, "reference.npz"), inputs=inputs, faces=faces.numpy(), embeddings=embeddings,
             **_outputs(generator, inputs))


def check(path, out_dir):
    generator = ResnetGenerator(ngf=32, img_size=256, light=True)
    generator.load_state_dict(torch.load(path, weights_only=True)["genA2B"], strict=True)
    generator.eval()
    inputs = np.load(os.path.join(out_dir, "reference.npz"))["inputs"]
    np.savez(os.path.join(out_dir, "check.npz"), **_outputs(generator, inputs))


if __name__ == "__main__":
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
