"""Commands on weight files: `convert` (to .keras, or back to the original's .pt) and `info`."""

from __future__ import annotations

import json
import os


def register(subparsers) -> None:
    convert = subparsers.add_parser(
        "convert", help="convert weights: the original's .pt / .onnx to .keras, or anything back to the original's .pt",
        description=(
            "Convert photo2cartoon weights. --out X.keras writes one generator as a Keras model; "
            "--out X.pt writes the original's checkpoint layout (photo2cartoon_weights.pt), which the "
            "original PyTorch code loads with load_state_dict(strict=True): every network of a training "
            "run or of a .pt file, or the generator of a .onnx / .keras file."
        ),
    )
    convert.add_argument("--weights", required=True,
                         help="the original's .pt or .onnx, a .keras generator, or a training run "
                              "(its folder, its checkpoints/ folder or a checkpoint prefix)")
    convert.add_argument("--out", required=True, help="output file: .keras or .pt")
    convert.add_argument("--direction", default="A2B", choices=("A2B", "B2A"),
                         help="which generator (for .keras output; for a single generator written to .pt, its name)")
    convert.add_argument("--img-size", type=int, default=None, help="input side (multiple of 16; default 256)")
    convert.add_argument("--overwrite", action="store_true", help="replace an existing output")
    convert.set_defaults(func=run_convert)

    info = subparsers.add_parser("info", help="print the networks and architecture a weights file holds")
    info.add_argument("--weights", required=True)
    info.set_defaults(func=run_info)


def _is_training_run(path: str) -> bool:
    return os.path.isdir(path) or os.path.isfile(path + ".index") or path.endswith(".index")


def _source_networks(path: str, direction: str, img_size, everything: bool) -> dict:
    """{name: Keras model} from any source `convert` reads; `everything` keeps every network."""
    from tf_p2c.network_files import file_kind, generator_name, load_generator, load_networks

    name = generator_name(direction)
    if _is_training_run(path):
        from tf_p2c.training.checkpoints import load_run_networks

        networks = load_run_networks(path)
        return networks if everything else {name: networks[name]}
    if file_kind(path) == "torch":
        if everything:
            return load_networks(path)
        return {name: load_generator(path, direction=direction, img_size=img_size)}
    return {name: load_generator(path, img_size=img_size)}  # the file's one generator; --direction names it


def run_convert(args) -> int:
    if not args.out.endswith((".keras", ".pt")):
        raise ValueError(f"--out must end with .keras or .pt, got {args.out}")
    if os.path.exists(args.out) and not args.overwrite:
        raise ValueError(f"{args.out} exists; pass --overwrite to replace it")
    to_torch = args.out.endswith(".pt")
    networks = _source_networks(args.weights, args.direction, args.img_size, everything=to_torch)
    if to_torch:
        from tf_p2c.convert.original_checkpoint import save_original_checkpoint

        states = save_original_checkpoint(networks, args.out)
        tensors = sum(len(state) for state in states.values())
        print(f"wrote {args.out} in the original's layout: {', '.join(states)} ({tensors} tensors)")
        return 0
    from tf_p2c.atomic_write import save_keras_atomic

    (model,) = networks.values()
    save_keras_atomic(model, args.out)
    print(f"wrote {args.out} ({model.count_params():,} parameters, input {model.input_shape[1:]})")
    return 0


def run_info(args) -> int:
    from tf_p2c.convert.state_dict import UNUSED_KEY
    from tf_p2c.network_files import file_kind, generator_config, load_generator, load_networks, read_state_dicts

    kind = file_kind(args.weights)
    unused = {}
    if kind == "torch":
        networks = load_networks(args.weights)
        unused = {name: [k for k in state if UNUSED_KEY.search(k)] for name, state in read_state_dicts(args.weights).items()}
    else:
        networks = {"genA2B": load_generator(args.weights)}
    summary = {}
    for name, model in networks.items():
        summary[name] = {"parameters": model.count_params(), "input": list(model.input_shape[1:])}
        if name.startswith("gen"):
            summary[name].update(generator_config(model).to_dict())
        if unused.get(name):
            # Present in the file, shape-checked, and without effect on any output.
            summary[name]["unused_tensors"] = {
                "count": len(unused[name]), "pattern": "*.ConvBlock4.2.weight",
                "why": "the hourglass ConvBlock residual 1x1 branch, used only when its input and output widths "
                       "differ, which they never do in this generator",
            }
    print(json.dumps({"file": args.weights, "format": kind, "networks": summary}, indent=2))
    return 0
