"""Generator -> ONNX through tf2onnx.

Two layouts:
- `layout="NCHW"` (default): a drop-in for the original's `photo2cartoon_weights.onnx`:
  input `input` (1, 3, S, S) float32 RGB in [-1, 1]; outputs `output` (1, 3, S, S) in [-1, 1],
  `cam_logit` (1, 2) and `heatmap` (1, 1, S/4, S/4).
- `layout="NHWC"`: input `input` (1, S, S, 3); outputs `image`, `cam_logit`, `heatmap` as in
  the TFLite models.
"""

from __future__ import annotations

from tf_p2c.export.errors import ExportError

LAYOUTS = ("NCHW", "NHWC")
OPSET = 17


def _rename_io(model_proto, input_name, output_names):
    """Gives the graph's input and outputs stable names (tf2onnx keeps TF tensor names)."""
    graph = model_proto.graph
    renames = {graph.input[0].name: input_name}
    renames.update({out.name: new for out, new in zip(graph.output, output_names)})
    for node in graph.node:
        node.output[:] = [renames.get(name, name) for name in node.output]
        node.input[:] = [renames.get(name, name) for name in node.input]
    for value in (*graph.input, *graph.output):
        value.name = renames.get(value.name, value.name)


def convert_onnx(model, layout: str = "NCHW", opset: int = OPSET, optimize_transposes: bool = True):
    """Converts a generator to an `onnx.ModelProto` (batch 1).

    Args:
        model: generator, (B, S, S, 3) float32 in [-1, 1] -> (image, cam_logit, heatmap).
        layout: "NCHW" (the original's ONNX interface) or "NHWC".
        opset: ONNX opset.
        optimize_transposes: run tf2onnx's transpose optimizer, which removes the NHWC<->NCHW
            transposes around every convolution. It dominates the conversion time (about 150 s
            of 200 s even at ngf=8); False leaves them to ONNX Runtime's own layout optimizer.
    """
    import tensorflow as tf
    from tf2onnx import convert, optimizer, tf_loader

    if layout not in LAYOUTS:
        raise ExportError(f"layout must be one of {LAYOUTS}. Received: layout={layout!r}")
    size = model.input_shape[1]
    nchw = layout == "NCHW"
    shape = (1, 3, size, size) if nchw else (1, size, size, 3)
    spec = (tf.TensorSpec(shape, tf.float32, name="input"),)

    @tf.function
    def forward(x):
        if nchw:
            x = tf.transpose(x, (0, 2, 3, 1))
        image, cam_logit, heatmap = model(x, training=False)
        if nchw:
            image = tf.transpose(image, (0, 3, 1, 2))
            heatmap = tf.transpose(heatmap, (0, 3, 1, 2))
        return image, cam_logit, heatmap

    concrete = forward.get_concrete_function(*spec)
    input_names = [t.name for t in concrete.inputs if t.dtype != tf.resource]
    output_names = [t.name for t in concrete.outputs if t.dtype != tf.resource]
    optimizers = optimizer._get_optimizers().copy()
    if not optimize_transposes:
        optimizers.pop("optimize_transpose")
    with tf.device("/cpu:0"):
        frozen = tf_loader.from_function(concrete, input_names, output_names)
        model_proto, _ = convert._convert_common(
            frozen, name="photo2cartoon", continue_on_error=True, opset=opset,
            input_names=input_names, output_names=output_names, optimizers=optimizers)
    _rename_io(model_proto, "input", ["output" if nchw else "image", "cam_logit", "heatmap"])
    return model_proto


def export_onnx(model, path, layout: str = "NCHW", opset: int = OPSET, optimize_transposes: bool = True) -> str:
    """Writes `convert_onnx(model, layout, ...)` to `path` and returns the path."""
    import onnx

    onnx.save(convert_onnx(model, layout, opset, optimize_transposes), str(path))
    return str(path)
