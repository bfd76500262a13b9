"""Will LiteRT's GPU delegate take the whole model? A static check of a TFLite flatbuffer.

The rules are the GPU delegate's own (`tensorflow/lite/delegates/gpu/common/model_builder.cc`,
`NewOperationParser` and `IsAllAllowedTensors`): a node runs on the GPU only if

- its op type has an operation parser there (`GPU_DELEGATE_OPS`; DEQUANTIZE only of float16
  constants, the form fp16 weights take, which the delegate folds into their consumers);
- every non-constant tensor it reads or writes is float32 or float16 (int8 / uint8 only in the
  delegate's quantized mode, which float models do not need);
- every tensor has at most 4 dimensions (the delegate's BHWC shapes).

Each parser also checks its op's options (axes, strides, ...), which this static check does not
repeat: it catches the changes that matter when the graph is rewritten for speed (a new op type,
integer index tensors, a 5-D reshape). `tf.lite.experimental.Analyzer(gpu_compatibility=True)`
is not used: in TensorFlow 2.21 it calls every model compatible, CUMSUM and int32 tensors included.
"""

from __future__ import annotations

GPU_DELEGATE_OPS = frozenset({
    "ABS", "ADD", "AVERAGE_POOL_2D", "BATCH_MATMUL", "CONCATENATION", "CONV_2D", "COS",
    "DEPTHWISE_CONV_2D", "DEQUANTIZE", "DIV", "ELU", "EXP", "FULLY_CONNECTED", "HARD_SWISH",
    "LEAKY_RELU", "LOG", "LOGISTIC", "LSTM", "MAXIMUM", "MAX_POOL_2D", "MEAN", "MINIMUM",
    "MIRROR_PAD", "MUL", "NEG", "PACK", "PAD", "POW", "PRELU", "REDUCE_MAX", "REDUCE_MIN",
    "REDUCE_PROD", "RELU", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR",
    "RSQRT", "SIN", "SLICE", "SOFTMAX", "SPACE_TO_DEPTH", "SPLIT_V", "SQRT", "SQUARE",
    "SQUARED_DIFFERENCE", "STRIDED_SLICE", "SUB", "SUM", "TANH", "TRANSPOSE", "TRANSPOSE_CONV",
})
_FLOAT_TYPES = ("FLOAT32", "FLOAT16")
_MAX_RANK = 4


def gpu_delegate_issues(flatbuffer: bytes) -> list[str]:
    """Why the GPU delegate would leave nodes of this model on the CPU; [] if it takes them all.

    Args:
        flatbuffer: a TFLite model.

    Returns:
        One line per distinct problem, e.g. `"CUMSUM: no GPU operation"` or
        `"CAST: non-constant UINT8 tensor 'input'"`.
    """
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    op_names = {value: name for name, value in vars(schema.BuiltinOperator).items() if not name.startswith("_")}
    type_names = {value: name for name, value in vars(schema.TensorType).items() if not name.startswith("_")}
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(flatbuffer))
    codes = [op_names[max(code.builtinCode, code.deprecatedBuiltinCode)] for code in model.operatorCodes]

    def constant(tensor):
        data = model.buffers[tensor.buffer].data
        return data is not None and len(data) > 0

    issues = []
    for subgraph in model.subgraphs:
        for op in subgraph.operators:
            name = codes[op.opcodeIndex]
            if name not in GPU_DELEGATE_OPS:
                issues.append(f"{name}: no GPU operation")
                continue
            for index in (*op.inputs, *op.outputs):
                if index < 0:
                    continue
                tensor = subgraph.tensors[index]
                label = (tensor.name or b"").decode("utf-8", "replace") if isinstance(tensor.name, bytes) else tensor.name
                kind = type_names[tensor.type]
                if name == "DEQUANTIZE" and constant(tensor) and kind != "FLOAT16":
                    issues.append(f"DEQUANTIZE: of a {kind} constant (only float16 weights fold)")
                elif not constant(tensor) and kind not in _FLOAT_TYPES:
                    issues.append(f"{name}: non-constant {kind} tensor {label or index!r}")
                if tensor.shape is not None and len(tensor.shape) > _MAX_RANK:
                    issues.append(f"{name}: {len(tensor.shape)}-D tensor {label or index!r}")
    return sorted(set(issues))
