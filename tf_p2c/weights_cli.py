"""Commands on weight files: `convert` (to .keras) and `info` (what a file holds)."""

from __future__ import annotations

import json
import os
import tempfile


def register(subparsers) -> None:
    convert = subparsers.add_parser(
        "convert", help="convert the original's .pt / .onnx generator to a .keras model",
        description="Convert a photo2cartoon generator (original .pt or .onnx) to a Keras .keras file.",
    )
    convert.add_argument("--weights", required=True, help="photo2cartoon_weights.pt or .onnx")
    convert.add_argument("--out", required=True, help="output .keras file")
    convert.add_argument("--direction", default="A2B", choices=("A2B", "B2A"))
    convert.add_argument("--img-size", type=int, default=None, help="input side (multiple of 16; default 256)")
    convert.add_argument("--overwrite", action="store_true", help="replace an existing output")
    convert.set_defaults(func=run_convert)

    info = subparsers.add_parser("info", help="print the networks and architecture a weights file holds")
    info.add_argument("--weights", required=True)
    info.set_defaults(func=run_info)


def run_convert(args) -> int:
    from tf_p2c.weights import load_generator

    if not args.out.endswith(".keras"):
        raise ValueError(f"--out must end with .keras, got {args.out}")
    if os.path.exists(args.out) and not args.overwrite:
        raise ValueError(f"{args.out} exists; pass --overwrite to replace it")
    model = load_generator(args.weights, direction=args.direction, img_size=args.img_size)
    save_keras_atomic(model, args.out)
    print(f"wrote {args.out} ({model.count_params():,} parameters, input {model.input_shape[1:]})")
    return 0


def save_keras_atomic(model, path: str) -> None:
    """Saves to a temporary file beside `path`, then renames: never a half-written model."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".keras", dir=directory, prefix=".tmp-")
    os.close(fd)
    try:
        model.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def run_info(args) -> int:
    from tf_p2c.weights import file_kind, generator_config, load_generator, load_networks

    kind = file_kind(args.weights)
    if kind == "torch":
        networks = load_networks(args.weights)
    else:
        networks = {"genA2B": load_generator(args.weights)}
    summary = {}
    for name, model in networks.items():
        summary[name] = {"parameters": model.count_params(), "input": list(model.input_shape[1:])}
        if name.startswith("gen"):
            summary[name].update(generator_config(model).to_dict())
    print(json.dumps({"file": args.weights, "format": kind, "networks": summary}, indent=2))
    return 0
