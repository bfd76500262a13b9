"""Loading photo2cartoon networks from the original's files and from our own.

Accepted files:
- the original's PyTorch checkpoint (`.pt`, zip or legacy format), a dict of state dicts
  `genA2B`, `genB2A`, `disGA`, `disGB`, `disLA`, `disLB` (any subset) or one bare state dict;
  read without torch and without running pickled code;
- the original's ONNX generator (`photo2cartoon_weights.onnx`);
- a Keras `.keras` file saved by this project.

Every generator returned is a `tf_p2c.models.Generator`, which carries its `ModelConfig`. For the
original's files the architecture (ngf, light, discriminator depth) is read from the tensors'
shapes; a `.keras` file holds its config. A config passed by the caller is checked against it.
Loading is all or nothing.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from tf_p2c.config import ModelConfig, check_img_size
from tf_p2c.convert.state_dict import WeightsError, assign_state_dict, model_state_dict

from tf_p2c.models import DISCRIMINATORS, GENERATORS

NETWORKS = (*GENERATORS, *DISCRIMINATORS)
DIRECTIONS = ("A2B", "B2A")

__all__ = [
    "WeightsError", "file_kind", "generator_config", "infer_generator_config", "load_generator", "load_networks",
    "read_state_dicts",
]


def generator_name(direction: str) -> str:
    """"A2B" -> "genA2B", "B2A" -> "genB2A"."""
    if direction not in DIRECTIONS:
        raise WeightsError(f"direction must be 'A2B' or 'B2A', got {direction!r}")
    return f"gen{direction}"


def file_kind(path) -> str:
    """'torch', 'keras' or 'onnx', from the file's content (extension only for ONNX)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise WeightsError(f"{path}: no such file")
    if os.path.isdir(path):
        raise WeightsError(f"{path}: is a directory, expected a weights file")
    if os.path.getsize(path) == 0:
        raise WeightsError(f"{path}: empty file")
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise WeightsError(f"{path}: damaged zip archive ({error})") from None
        if "config.json" in names and any(n.endswith(".weights.h5") for n in names):
            return "keras"
        if any(n.endswith("data.pkl") for n in names):
            return "torch"
        raise WeightsError(f"{path}: a zip archive that is neither a PyTorch checkpoint nor a .keras model")
    with open(path, "rb") as handle:
        head = handle.read(2)
    if head[:1] == b"\x80":  # pickle protocol marker: the legacy PyTorch format
        return "torch"
    if path.lower().endswith(".onnx"):
        return "onnx"
    raise WeightsError(
        f"{path}: not a weights file this project reads (expected a PyTorch .pt, an .onnx or a .keras file)"
    )


def read_state_dicts(path) -> dict:
    """{network name: state dict} of an original `.pt` (a bare generator state dict is `genA2B`)."""
    from tf_p2c.convert.torch_pickle import CheckpointError, load_torch_checkpoint

    try:
        checkpoint = load_torch_checkpoint(path)
    except CheckpointError as error:
        raise WeightsError(str(error)) from None
    if not isinstance(checkpoint, dict):
        raise WeightsError(f"{path}: the checkpoint holds a {type(checkpoint).__name__}, not a dict of tensors")
    if "ConvBlock1.1.weight" in checkpoint:  # a bare generator state dict
        return {"genA2B": checkpoint}
    networks = {name: checkpoint[name] for name in NETWORKS if isinstance(checkpoint.get(name), dict)}
    if not networks:
        keys = ", ".join(list(map(str, checkpoint))[:6])
        raise WeightsError(f"{path}: no photo2cartoon network in the checkpoint (top-level keys: {keys})")
    return networks


def _shape(state, key, network, rank):
    """The shape of `state[key]`, which must have `rank` positive dimensions."""
    if key not in state:
        raise WeightsError(f"{network}: missing tensor {key}; not a photo2cartoon network")
    shape = np.shape(state[key])
    if len(shape) != rank or min(shape) < 1:
        raise WeightsError(f"{network}: tensor {key} has shape {tuple(shape)}; expected {rank} positive dimensions")
    return shape


def infer_generator_config(state: dict, network: str = "genA2B", img_size: int | None = None) -> ModelConfig:
    """Generator architecture from its state dict (ngf, light, and img_size when not light)."""
    ngf = _shape(state, "ConvBlock1.1.weight", network, 4)[0]
    in_features = _shape(state, "FC.0.weight", network, 2)[1]
    light = in_features == 4 * ngf
    if light:
        return ModelConfig(ngf=ngf, img_size=img_size or ModelConfig.img_size, light=True)
    side = int(round((in_features / (4 * ngf)) ** 0.5)) * 4
    if (side // 4) ** 2 * 4 * ngf != in_features:
        raise WeightsError(f"{network}: FC.0.weight has {in_features} inputs, which fits no square image")
    if img_size and img_size != side:
        raise WeightsError(f"{network}: a light=False generator is tied to img_size={side}, not {img_size}")
    return ModelConfig(ngf=ngf, img_size=side, light=False)


def _infer_discriminator(state: dict, network: str) -> tuple[int, int]:
    ndf = _shape(state, "model.1.weight_orig", network, 4)[0]
    convs = sum(1 for key in state if key.startswith("model.") and key.endswith(".weight_orig"))
    return ndf, convs + 1  # n_layers - 2 stride-2 convolutions and one stride-1


def _check_requested(config: ModelConfig, requested: ModelConfig | None, network: str) -> ModelConfig:
    if requested is None:
        return config
    for field in ("ngf", "light"):
        if getattr(config, field) != getattr(requested, field):
            raise WeightsError(
                f"{network}: the checkpoint has ngf={config.ngf}, light={config.light}, "
                f"but ngf={requested.ngf}, light={requested.light} was requested"
            )
    if not config.light and config.img_size != requested.img_size:
        raise WeightsError(
            f"{network}: the checkpoint is a light=False generator for img_size={config.img_size}, "
            f"but img_size={requested.img_size} was requested"
        )
    return config.replace(img_size=requested.img_size)


def _generator_from_state(state, network, config, img_size):
    from tf_p2c.models import build_generator

    inferred = infer_generator_config(state, network, img_size or (config.img_size if config else None))
    config = _check_requested(inferred, config, network)
    model = build_generator(config, name=network)
    assign_state_dict(model, state, network)
    return model


def _discriminator_from_state(state, network, img_size=None):
    from tf_p2c.models import build_discriminator

    ndf, n_layers = _infer_discriminator(state, network)
    model = build_discriminator(ndf, n_layers, img_size=img_size, name=network)
    assign_state_dict(model, state, network)
    return model


def load_networks(path, config: ModelConfig | None = None, names=None) -> dict:
    """All photo2cartoon networks in an original `.pt` checkpoint, as Keras models.

    Args:
        path: the checkpoint.
        config: optional expected generator architecture (checked against the file);
            its `img_size` sets the generators' input size.
        names: subset of networks to load (default: every one in the file).

    Returns:
        dict mapping names such as `genA2B` or `disGA` to Keras models; the generators are
        `tf_p2c.models.Generator`s carrying their `ModelConfig`.
    """
    if file_kind(path) != "torch":
        raise WeightsError(f"{path}: load_networks reads PyTorch checkpoints; use load_generator for other files")
    states = read_state_dicts(path)
    wanted = list(states) if names is None else list(names)
    for name in wanted:
        if name not in states:
            raise WeightsError(f"{path}: no {name} in the checkpoint (it has {', '.join(states)})")
    img_size = config.img_size if config else None
    out = {}
    for name in wanted:
        if name.startswith("gen"):
            out[name] = _generator_from_state(states[name], name, config, img_size)
        else:
            out[name] = _discriminator_from_state(states[name], name)
    return out


def load_generator(path, direction: str = "A2B", config: ModelConfig | None = None,
                   img_size: int | None = None):
    """A generator as a Keras model: NHWC float32 in [-1, 1] -> (image, cam_logit, heatmap).

    Args:
        path: the original's `.pt` or `.onnx`, or a `.keras` file of this project.
        direction: "A2B" (photo to cartoon, the default) or "B2A" (`.pt` checkpoints only).
        config: optional expected architecture; a checkpoint that disagrees is an error.
        img_size: input side for light generators of `.pt` / `.onnx` files (default: the
            config's, else the ONNX graph's, else 256). A `.keras` file loads at the size it
            was saved with.

    Returns:
        A `tf_p2c.models.Generator`; its `model_config` is the architecture loaded.
    """
    network = generator_name(direction)
    if img_size is not None:
        check_img_size(img_size)  # the one rule, also where the file's own size is used (.keras)
    kind = file_kind(path)
    if kind == "torch":
        states = read_state_dicts(path)
        if network not in states:
            raise WeightsError(f"{path}: no {network} in the checkpoint (it has {', '.join(states)})")
        return _generator_from_state(states[network], network, config, img_size)
    if kind == "onnx":
        if direction != "A2B":
            raise WeightsError(f"{path}: an ONNX file holds one generator; load it with direction='A2B'")
        return _generator_from_onnx(path, config, img_size)
    return _generator_from_keras(path, config)


def _generator_from_onnx(path, config, img_size):
    from tf_p2c.convert.onnx_weights import onnx_generator_widths, onnx_input_size, onnx_state_dict, read_onnx
    from tf_p2c.models import build_generator

    onnx_model = read_onnx(path)
    ngf, fc_in = onnx_generator_widths(onnx_model, path)
    size = img_size or (config.img_size if config else None) or onnx_input_size(onnx_model) or 256
    inferred = ModelConfig(ngf=ngf, img_size=size, light=fc_in == 4 * ngf)
    config = _check_requested(inferred, config, "generator")
    model = build_generator(config, name="genA2B")
    state, matched_by = onnx_state_dict(onnx_model, model_state_dict(model), str(path))
    assign_state_dict(model, state, f"{path}")
    if matched_by == "structure":
        _check_against_onnx_runtime(model, onnx_model, path)
    return model


# A structural match must reproduce the graph's own output; float32 ports agree to ~1e-5.
ONNX_MATCH_TOLERANCE = 1e-3


def _check_against_onnx_runtime(model, onnx_model, path):
    """Runs the ONNX graph and the loaded model on one input; refuses the file if they differ."""
    import onnxruntime

    try:
        session = onnxruntime.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    except Exception as error:  # ONNX Runtime raises its own exception types
        raise WeightsError(f"{path}: ONNX Runtime cannot run the graph ({str(error).splitlines()[0][:160]})") from None
    side = model.input_shape[1]
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise WeightsError(f"{path}: the graph has {len(inputs)} inputs; a generator has one")
    x = np.random.default_rng(0).uniform(-1, 1, (1, side, side, 3)).astype(np.float32)
    nchw = inputs[0].shape[1] == 3 if len(inputs[0].shape) == 4 else True
    feed = np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if nchw else x
    try:
        expected = session.run(None, {inputs[0].name: feed})[0]
    except Exception as error:
        raise WeightsError(f"{path}: ONNX Runtime cannot run the graph ({str(error).splitlines()[0][:160]})") from None
    ours = np.asarray(model(x, training=False)[0])
    ours = ours.transpose(0, 3, 1, 2) if nchw else ours
    if expected.shape != ours.shape:
        raise WeightsError(f"{path}: the graph's output has shape {expected.shape}, expected {ours.shape}")
    difference = float(np.max(np.abs(expected - ours)))
    if not difference <= ONNX_MATCH_TOLERANCE:
        raise WeightsError(
            f"{path}: weights matched by graph structure give outputs {difference:.2g} away from the graph's own "
            "(layers in an unexpected order?); refusing the file"
        )


def _generator_from_keras(path, config):
    import keras

    import tf_p2c.layers  # noqa: F401  (registers the custom layers for deserialisation)
    from tf_p2c.models.generator import Generator

    try:
        model = keras.saving.load_model(os.fspath(path), compile=False)
    except Exception as error:  # Keras raises many types for a damaged archive
        raise WeightsError(f"{path}: cannot load the .keras model ({type(error).__name__}: {str(error).splitlines()[0][:160]})") from None
    if not isinstance(model, Generator):
        model = _generator_from_functional(model, path)
    if config is not None:
        found = model.model_config
        _check_requested(found, config.replace(img_size=found.img_size), path)
    for variable in model.weights:
        if not np.all(np.isfinite(variable.numpy())):
            raise WeightsError(f"{path}: variable {variable.path} holds NaN or infinite values")
    return model


def _generator_from_functional(model, path):
    """A `Generator` from a plain functional model, as `.keras` generators were saved before they
    carried their `ModelConfig` (the export/genA2B.keras of earlier training runs, `convert --out
    X.keras`). Their layers are the only record of the architecture, so it is read from them."""
    import keras

    from tf_p2c.models.generator import Generator

    names = {layer.name for layer in model.layers} if isinstance(model, keras.Model) else set()
    if "ConvBlock1_conv" not in names or len(model.outputs) != 3:
        raise WeightsError(f"{path}: the .keras file is not a photo2cartoon generator")
    try:
        config = ModelConfig(ngf=model.get_layer("ConvBlock1_conv").filters, img_size=model.input_shape[1],
                             light="FC_pool" in names)
        generator = Generator(config, name=model.name)
        generator.set_weights(model.get_weights())
    except ValueError as error:
        raise WeightsError(f"{path}: not a photo2cartoon generator ({str(error).splitlines()[0][:160]})") from None
    return generator


def generator_config(model) -> ModelConfig:
    """The architecture a generator carries (`Generator.model_config`)."""
    from tf_p2c.models.generator import Generator

    if not isinstance(model, Generator):
        raise WeightsError(f"{model.name}: not a photo2cartoon Generator (load it with load_generator)")
    return model.model_config


# Files `find_weights` looks for, best first: the released files, then any generator file.
WEIGHT_PATTERNS = ("photo2cartoon_weights.pt", "photo2cartoon_weights.onnx", "*.pt", "*.onnx", "*.keras")


def find_weights(models_dir: str) -> str | None:
    """The generator file to use from a folder (`WEIGHT_PATTERNS` order), or None when there is none."""
    import glob

    for pattern in WEIGHT_PATTERNS:
        found = sorted(glob.glob(os.path.join(models_dir, pattern)))
        if found:
            return found[0]
    return None
