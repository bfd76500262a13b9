"""Write the small parity fixtures in ``tests/fixtures/`` from the PyTorch reference.

Run once, from the repository root, with torch installed:

    .venv/bin/python tests/reference/make_fixtures.py

Not part of the test suite: the tests only read the files this writes, so CI needs no
torch. Every random draw is seeded (see SEEDS); everything is float32. See
``tests/fixtures/README.md`` for what each file holds.
"""

import io
import os
import sys
import zipfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from original_keys import check_reference_keys, write_key_table  # noqa: E402
from torch_reference import Discriminator, ResnetGenerator, randomize_norm_params  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(REPO_ROOT, "tests", "fixtures")

# One seed per object, so that any single fixture can be regenerated in isolation.
SEEDS = {
    "inputs": 0,
    "genA2B": 1,
    "genB2A": 2,
    "disGA": 3,
    "disGB": 4,
    "disLA": 5,
    "disLB": 6,
    "gen_full": 7,
}
TINY_GEN = dict(ngf=8, img_size=64, light=True)
# 64 px, not 32: at 32 px the hourglass bottom is 2x2 and float32 itself drifts ~4e-4 from float64.
FULL_GEN = dict(ngf=8, img_size=64, light=False)
# ndf=2 (not 4) keeps the whole folder under SIZE_BUDGET: the global ndf=4 pair alone is 1.7 MB.
GLOBAL_DIS = dict(input_nc=3, ndf=2, n_layers=7)
LOCAL_DIS = dict(input_nc=3, ndf=2, n_layers=5)
SIZE_BUDGET = 14 * 1024 * 1024
FILE_LIMIT = 5 * 1024 * 1024


def make_generator(seed, **kwargs):
    torch.manual_seed(seed)
    model = ResnetGenerator(**kwargs)
    randomize_norm_params(model, torch.Generator().manual_seed(seed + 1000))
    return model.eval()


def make_discriminator(seed, **kwargs):
    torch.manual_seed(seed)
    model = Discriminator(**kwargs)
    # Training-mode forwards run spectral norm's power iteration, so u / v leave their init.
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.rand(2, 3, 128, 128) * 2 - 1)
    return model.eval()


def run(model, x):
    with torch.no_grad():
        return [t.numpy().astype(np.float32) for t in model(torch.from_numpy(x))]


def uniform(gen, shape):
    return (torch.rand(shape, generator=gen) * 2 - 1).numpy().astype(np.float32)


def save_legacy(obj, path):
    torch.save(obj, path, _use_new_zipfile_serialization=False)
    if zipfile.is_zipfile(path):
        raise RuntimeError(f"{path} was written as a zip file, expected the legacy format")


def export_onnx(model, path, dynamo):
    """The TorchScript exporter (dynamo=False, opset 11, as the 2020 release) or torch.export's."""
    dummy = torch.zeros(1, 3, 64, 64)
    options = dict(dynamo=True, external_data=False) if dynamo else dict(opset_version=11, do_constant_folding=True, dynamo=False)
    torch.onnx.export(
        model, (dummy,), path, input_names=["input"], output_names=["output", "cam_logit", "heatmap"], **options
    )


def describe_onnx_initializers(path, state_dict):
    """Print which state-dict keys survive as initializer names in the exported graph."""
    import onnx

    graph = onnx.load(path).graph
    init_names = [t.name for t in graph.initializer]
    init_set = set(init_names)
    keys = list(state_dict.keys())
    present = [k for k in keys if k in init_set]
    missing = [k for k in keys if k not in init_set]
    generated = [n for n in init_names if n not in set(keys)]
    constants = [n for n in graph.node if n.op_type == "Constant"]
    print(f"\n[onnx] {len(init_names)} initializers, {len(constants)} Constant nodes")
    print(f"[onnx] state-dict keys: {len(keys)}; present as initializer names: {len(present)}; "
          f"missing: {len(missing)}")
    print("[onnx] initializer names (name shape):")
    shapes = {t.name: list(t.dims) for t in graph.initializer}
    for name in init_names:
        print(f"    {name} {shapes[name]}")
    print("[onnx] state-dict keys NOT present as initializer names:")
    for k in missing:
        print(f"    {k} {list(state_dict[k].shape)}")
    print(f"[onnx] initializers with generated (non state-dict) names: {len(generated)}")
    return present, missing, generated


def main():
    reference_rows = check_reference_keys()
    os.makedirs(OUT_DIR, exist_ok=True)
    write_key_table(reference_rows, os.path.join(OUT_DIR, "reference_state_dicts.tsv"))
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    torch.use_deterministic_algorithms(True)
    np.random.seed(SEEDS["inputs"])
    inputs_gen = torch.Generator().manual_seed(SEEDS["inputs"])

    gen_a2b = make_generator(SEEDS["genA2B"], **TINY_GEN)
    gen_b2a = make_generator(SEEDS["genB2A"], **TINY_GEN)
    dis = {
        "disGA": make_discriminator(SEEDS["disGA"], **GLOBAL_DIS),
        "disGB": make_discriminator(SEEDS["disGB"], **GLOBAL_DIS),
        "disLA": make_discriminator(SEEDS["disLA"], **LOCAL_DIS),
        "disLB": make_discriminator(SEEDS["disLB"], **LOCAL_DIS),
    }
    gen_full = make_generator(SEEDS["gen_full"], **FULL_GEN)

    ckpt = {"genA2B": gen_a2b.state_dict(), "genB2A": gen_b2a.state_dict()}
    ckpt.update({name: model.state_dict() for name, model in dis.items()})
    full_ckpt = {"genA2B": gen_full.state_dict()}
    for sd in list(ckpt.values()) + list(full_ckpt.values()):
        for key, value in sd.items():
            assert value.dtype == torch.float32, key

    torch.save(ckpt, os.path.join(OUT_DIR, "p2c_tiny.pt"))
    # The legacy copy holds genA2B only, like the official release (inference needs only it);
    # the full six-network dict twice over would not fit SIZE_BUDGET.
    save_legacy({"genA2B": ckpt["genA2B"]}, os.path.join(OUT_DIR, "p2c_tiny_legacy.pt"))
    torch.save(full_ckpt, os.path.join(OUT_DIR, "gen_full_ngf8_64.pt"))

    # Input / output pairs, all NCHW float32.
    io_arrays = {}
    gen_input = uniform(inputs_gen, (2, 3, 64, 64))
    io_arrays["gen_input"] = gen_input
    for name, model in (("genA2B", gen_a2b), ("genB2A", gen_b2a)):
        image, cam_logit, heatmap = run(model, gen_input)
        io_arrays[f"{name}_image"] = image
        io_arrays[f"{name}_cam_logit"] = cam_logit
        io_arrays[f"{name}_heatmap"] = heatmap

    gen_full_input = uniform(inputs_gen, (2, 3, 64, 64))
    image, cam_logit, heatmap = run(gen_full, gen_full_input)
    io_arrays.update(
        gen_full_input=gen_full_input,
        gen_full_image=image,
        gen_full_cam_logit=cam_logit,
        gen_full_heatmap=heatmap,
    )

    dis_input = uniform(inputs_gen, (2, 3, 128, 128))
    io_arrays["dis_input"] = dis_input
    for name, model in dis.items():
        logit, cam_logit, heatmap = run(model, dis_input)
        io_arrays[f"{name}_logit"] = logit
        io_arrays[f"{name}_cam_logit"] = cam_logit
        io_arrays[f"{name}_heatmap"] = heatmap

    # ONNX exports of genA2B: the way the 2020 official .onnx was made (TorchScript exporter),
    # and torch's current default exporter (torch.export based).
    import onnxruntime as ort

    onnx_input = uniform(inputs_gen, (1, 3, 64, 64))
    io_arrays["onnx_input"] = onnx_input
    torch_outs = run(gen_a2b, onnx_input)
    for file, dynamo, label in (("gen_tiny.onnx", False, "onnx_output"), ("gen_tiny_dynamo.onnx", True, "onnx_dynamo_output")):
        onnx_path = os.path.join(OUT_DIR, file)
        export_onnx(gen_a2b, onnx_path, dynamo)
        session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        ort_outs = session.run(None, {"input": onnx_input})
        for name, a, b in zip(("output", "cam_logit", "heatmap"), ort_outs, torch_outs):
            print(f"[onnx] {file}: ORT vs torch {name}: max abs diff {np.max(np.abs(a - b)):.3e}")
        io_arrays[label] = ort_outs[0].astype(np.float32)
        describe_onnx_initializers(onnx_path, ckpt["genA2B"])

    for key, value in io_arrays.items():
        assert value.dtype == np.float32, key
    np.savez_compressed(os.path.join(OUT_DIR, "p2c_tiny_io.npz"), **io_arrays)

    # Optional legacy copy of the full (light=False) checkpoint, only if the budget allows.
    legacy_full = os.path.join(OUT_DIR, "gen_full_ngf8_64_legacy.pt")
    buf = io.BytesIO()
    torch.save(full_ckpt, buf, _use_new_zipfile_serialization=False)
    if total_size() + buf.getbuffer().nbytes <= SIZE_BUDGET:
        save_legacy(full_ckpt, legacy_full)
    else:
        if os.path.exists(legacy_full):
            os.remove(legacy_full)
        print(f"[budget] skipped {os.path.basename(legacy_full)} "
              f"({buf.getbuffer().nbytes} bytes would exceed {SIZE_BUDGET})")

    print("\n[files]")
    for name in sorted(os.listdir(OUT_DIR)):
        size = os.path.getsize(os.path.join(OUT_DIR, name))
        flag = "  OVER 5 MB" if size > FILE_LIMIT else ""
        print(f"    {name:32s} {size:>10,d} bytes{flag}")
    print(f"    {'total':32s} {total_size():>10,d} bytes (budget {SIZE_BUDGET:,d})")
    if total_size() > SIZE_BUDGET:
        raise SystemExit("fixtures exceed the size budget")


def total_size():
    return sum(os.path.getsize(os.path.join(OUT_DIR, n)) for n in os.listdir(OUT_DIR))


if __name__ == "__main__":
    main()
