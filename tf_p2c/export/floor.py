"""The compute floor of a TFLite model: its multiply-accumulates over the best rate LiteRT reaches.

A model's convolutions (and dense / matmul layers) are the only work it cannot skip; everything
else (normalisation, padding, quantize / dequantize, element-wise ops) is overhead. So:

    floor_ms = model_macs(model) / best MAC rate of its kind on this machine
    x floor  = measured latency / floor_ms

`model_macs` and `conv_shape_histogram` read the flatbuffer with LiteRT's own schema module
(no TensorFlow). `measure_floor` builds single-convolution models (this needs the TFLite
converter, so TensorFlow) and times them with LiteRT (XNNPACK, the default CPU delegate).

Choices, so that a floor means the same thing in every report:

- Kinds: "fp32" (float model), "int8" (full-integer, int8 input and output, calibrated on
  random data, so the model is one CONV_2D and no quantize / dequantize around it),
  "dynamic_int8" (dynamic-range: int8 weights, activations quantized on the fly).
- `floor_kind`: the fp16 model's weights are dequantized to float32 at load on a CPU, so it runs
  as fp32 and gets the fp32 floor; the uint8-io model is a float model with uint8 ends: fp32.
  The int8 model keeps some ops and layers float (`tflite.FLOAT_OPS_IN_INT8`); its floor is still
  the int8 one, as the goal is what the model would cost if all of its arithmetic were int8.
- Rate of one shape: its MACs over the median of its timed runs (the same statistic as the
  models' latency, so that noise on a shared machine hits both alike); the rate of a kind is the
  best over the shapes timed, normally the large `LARGE_CONV`.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np

FLOOR_KINDS = ("fp32", "int8", "dynamic_int8")
# Which floor each exported TFLite file (`pipeline.TFLITE_VARIANTS`) is held to (see above).
FORMAT_FLOOR = {"fp32": "fp32", "fp16": "fp32", "uint8": "fp32", "dynamic_int8": "dynamic_int8", "int8": "int8"}
# Ops whose multiply-accumulates count (the work no rewrite of the graph can remove).
MAC_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV", "BATCH_MATMUL")
_ITEMSIZE = {"FLOAT32": 4, "FLOAT16": 2, "INT32": 4, "UINT8": 1, "INT64": 8, "BOOL": 1, "INT16": 2,
             "INT8": 1, "FLOAT64": 8, "UINT32": 4, "UINT16": 2, "BFLOAT16": 2}


@dataclasses.dataclass(frozen=True)
class ConvShape:
    """One weighted op of a model: input H x W x Cin, kernel, stride, padding, Cout.

    `macs` is the op's multiply-accumulates for one image. For FULLY_CONNECTED and BATCH_MATMUL
    `height` x `width` is the number of rows, `cin` the reduced length and the kernel 1 x 1.
    """

    op: str
    height: int
    width: int
    cin: int
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: str
    cout: int
    macs: int

    @property
    def label(self) -> str:
        kh, kw = self.kernel
        if self.op in ("FULLY_CONNECTED", "BATCH_MATMUL"):
            return f"{self.op.lower()} {self.height * self.width}x{self.cin}->{self.cout}"
        return (f"{self.op.lower()} {self.height}x{self.width}x{self.cin} k{kh}x{kw} s{self.stride[0]} "
                f"{self.padding.lower()} ->{self.cout}")

    def key(self) -> tuple:
        """The shape without its MACs (identical ops share it)."""
        return (self.op, self.height, self.width, self.cin, self.kernel, self.stride, self.padding, self.cout)


# A convolution large enough that XNNPACK runs at its best rate (2.4 GMAC), as in the generator's
# 64x64 hourglass levels but with 4x the channels.
LARGE_CONV = ConvShape("CONV_2D", 64, 64, 256, (3, 3), (1, 1), "SAME", 256, 64 * 64 * 256 * 256 * 9)


def _schema():
    from ai_edge_litert import schema_py_generated as schema

    return schema


def _names(enum_class) -> dict[int, str]:
    return {value: name for name, value in vars(enum_class).items() if not name.startswith("_")}


def _shape(tensor) -> tuple[int, ...]:
    return tuple(int(d) for d in tensor.ShapeAsNumpy()) if tensor.ShapeLength() else ()


def _options(op, options_class):
    table = op.BuiltinOptions()
    options = options_class()
    options.Init(table.Bytes, table.Pos)
    return options


def _prod(values) -> int:
    return int(math.prod(int(v) for v in values))


def _root(flatbuffer):
    return _schema().Model.GetRootAs(bytearray(flatbuffer) if not isinstance(flatbuffer, bytearray) else flatbuffer, 0)


def weighted_ops(flatbuffer: bytes) -> list[ConvShape]:
    """Every op of `MAC_OPS` in the model's subgraphs, in graph order, as a `ConvShape`.

    Shapes come from the tensors (the converter makes them static for this generator); the
    filter layouts are TFLite's: CONV_2D (Cout, kh, kw, Cin/groups), DEPTHWISE_CONV_2D
    (1, kh, kw, Cout), TRANSPOSE_CONV (Cout, kh, kw, Cin), FULLY_CONNECTED (units, in).
    """
    schema = _schema()
    ops = _names(schema.BuiltinOperator)
    paddings = _names(schema.Padding)
    model = _root(flatbuffer)
    codes = []
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        codes.append(ops.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "?"))
    found = []
    for s in range(model.SubgraphsLength()):
        graph = model.Subgraphs(s)
        for o in range(graph.OperatorsLength()):
            op = graph.Operators(o)
            name = codes[op.OpcodeIndex()]
            if name not in MAC_OPS:
                continue
            inputs, outputs = op.InputsAsNumpy(), op.OutputsAsNumpy()
            out = _shape(graph.Tensors(int(outputs[0])))
            found.append(_weighted_op(schema, paddings, name, op, graph, inputs, out))
    return found


def _weighted_op(schema, paddings, name, op, graph, inputs, out) -> ConvShape:
    def shape(i):
        return _shape(graph.Tensors(int(inputs[i])))

    if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        x, w = shape(0), shape(1)
        options = _options(op, schema.Conv2DOptions if name == "CONV_2D" else schema.DepthwiseConv2DOptions)
        _, kh, kw, w_in = w
        # Depthwise: each output channel reads one input channel (w_in is the channel count).
        per_output = kh * kw * (w_in if name == "CONV_2D" else 1)
        return ConvShape(name, x[1], x[2], x[3], (kh, kw), (options.StrideH(), options.StrideW()),
                         paddings[options.Padding()], out[-1], _prod(out) * per_output)
    if name == "TRANSPOSE_CONV":
        w, x = shape(1), shape(2)  # inputs: output_shape, weights, input[, bias]
        options = _options(op, schema.TransposeConvOptions)
        cout, kh, kw, cin = w
        # Every input pixel scatters a kh x kw x Cout patch.
        return ConvShape(name, x[1], x[2], cin, (kh, kw), (options.StrideH(), options.StrideW()),
                         paddings[options.Padding()], cout, _prod(x) * kh * kw * cout)
    if name == "FULLY_CONNECTED":
        units, depth = shape(1)
        rows = _prod(out) // units
        return ConvShape(name, rows, 1, depth, (1, 1), (1, 1), "VALID", units, rows * depth * units)
    a = shape(0)  # BATCH_MATMUL: out (..., M, N), reduced over a's last axis (second last if adj_x)
    adj_x = bool(op.BuiltinOptions()) and _options(op, schema.BatchMatMulOptions).AdjX()
    depth = a[-2] if adj_x else a[-1]
    rows = _prod(out) // out[-1]
    return ConvShape(name, rows, 1, depth, (1, 1), (1, 1), "VALID", out[-1], _prod(out) * depth)


def model_macs(flatbuffer: bytes) -> int:
    """Multiply-accumulates of one inference: the sum over the model's convolution, transposed
    convolution, dense and batch-matmul ops (~18.9e9 for the 256x256, ngf=32 generator)."""
    return sum(op.macs for op in weighted_ops(flatbuffer))


def conv_shape_histogram(flatbuffer: bytes) -> list[dict]:
    """The model's distinct weighted-op shapes, MAC-heaviest first.

    Returns:
        One dict per shape: `shape` (`ConvShape` of one op), `count` (ops of that shape),
        `macs` (their total), `share` (of the model's MACs).
    """
    groups: dict[tuple, list[ConvShape]] = {}
    for op in weighted_ops(flatbuffer):
        groups.setdefault(op.key(), []).append(op)
    total = sum(op.macs for ops in groups.values() for op in ops) or 1
    rows = [{"shape": ops[0], "count": len(ops), "macs": sum(op.macs for op in ops),
             "share": sum(op.macs for op in ops) / total} for ops in groups.values()]
    return sorted(rows, key=lambda row: (-row["macs"], -row["count"]))


def floor_shapes(flatbuffer: bytes, heaviest: int = 3, most_frequent: int = 2) -> list[ConvShape]:
    """`LARGE_CONV` plus the model's MAC-heaviest and most frequent CONV_2D shapes (no repeats)."""
    convs = [row for row in conv_shape_histogram(flatbuffer) if row["shape"].op == "CONV_2D"]
    chosen = [LARGE_CONV]
    by_count = sorted(convs, key=lambda row: (-row["count"], -row["macs"]))
    for row in convs[:heaviest] + by_count[:most_frequent]:
        if row["shape"].key() not in {s.key() for s in chosen}:
            chosen.append(row["shape"])
    return chosen


def activation_bytes(flatbuffer: bytes, subgraph: int = 0) -> dict:
    """Bounds on LiteRT's activation arena, from the graph (LiteRT's Python API does not report it).

    Returns:
        `total`: bytes of every non-constant tensor (what an arena without reuse would hold, an
        upper bound); `peak_live`: the most bytes alive at once when the ops run in graph order,
        a tensor living from the op that writes it (or the start, for inputs) to its last reader
        or the end, for outputs (no planner can do with less: a lower bound). XNNPACK's own
        workspace and packed weights are not included.
    """
    schema = _schema()
    types = _names(schema.TensorType)
    model = _root(flatbuffer)
    graph = model.Subgraphs(subgraph)

    def constant(tensor):
        buffer = model.Buffers(tensor.Buffer())
        return buffer is not None and (buffer.DataLength() > 0 or buffer.Size() > 0)

    sizes = {}
    for t in range(graph.TensorsLength()):
        tensor = graph.Tensors(t)
        if not constant(tensor):
            sizes[t] = _prod(_shape(tensor)) * _ITEMSIZE.get(types.get(tensor.Type(), ""), 4)
    n_ops = graph.OperatorsLength()
    first = {int(t): -1 for t in graph.InputsAsNumpy() if int(t) in sizes}
    last = {int(t): n_ops for t in graph.OutputsAsNumpy() if int(t) in sizes}
    for o in range(n_ops):
        op = graph.Operators(o)
        for t in op.OutputsAsNumpy():
            first.setdefault(int(t), o)
        for t in op.InputsAsNumpy():
            if int(t) in sizes:
                last[int(t)] = max(last.get(int(t), o), o)
    # Intermediates (scratch tensors of some kernels) are ignored: the converter writes none here.
    delta = np.zeros(n_ops + 3, np.int64)
    for t, start in first.items():
        if t in sizes:
            delta[start + 1] += sizes[t]
            delta[max(last.get(t, start), start) + 2] -= sizes[t]
    return {"total": int(sum(sizes.values())), "peak_live": int(np.cumsum(delta).max(initial=0))}


def floor_kind(format_name: str) -> str:
    """The floor kind (`FLOOR_KINDS`) a `pipeline.TFLITE_VARIANTS` file is held to."""
    if format_name not in FORMAT_FLOOR:
        raise ValueError(f"no floor for format {format_name!r}; choose from {', '.join(FORMAT_FLOOR)}")
    return FORMAT_FLOOR[format_name]


def conv_model(shape: ConvShape, kind: str, seed: int = 0) -> bytes:
    """A TFLite model of the single convolution `shape` (CONV_2D or DEPTHWISE_CONV_2D), of `kind`.

    Batch 1, random weights; "int8" is calibrated on random inputs and takes and gives int8.
    """
    if kind not in FLOOR_KINDS:
        raise ValueError(f"kind must be one of {FLOOR_KINDS}. Received: kind={kind!r}")
    if shape.op not in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        raise ValueError(f"conv_model builds CONV_2D and DEPTHWISE_CONV_2D ops, not {shape.op}")
    import contextlib
    import io
    import warnings

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((shape.height, shape.width, shape.cin), batch_size=1)
    common = dict(kernel_size=shape.kernel, strides=shape.stride, padding=shape.padding.lower())
    if shape.op == "CONV_2D":
        layer = keras.layers.Conv2D(shape.cout, **common)
    else:
        layer = keras.layers.DepthwiseConv2D(depth_multiplier=shape.cout // shape.cin, **common)
    converter = tf.lite.TFLiteConverter.from_keras_model(keras.Model(inputs, layer(inputs)))
    if kind != "fp32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if kind == "int8":
        rng = np.random.default_rng(seed)

        def samples():
            for _ in range(4):
                yield [rng.uniform(-1, 1, (1, shape.height, shape.width, shape.cin)).astype(np.float32)]

        converter.representative_dataset = samples
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = converter.inference_output_type = tf.int8
    # The converter lists the model's endpoints on stdout, and warns that an int8 input has no
    # statistics (its scale comes from the calibration, which is what is wanted here).
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs")
        return bytes(converter.convert())


class ModelTimer:
    """A TFLite model ready to time: LiteRT (XNNPACK) with its input filled once.

    `run()` is one inference; `label` names it in reports.
    """

    def __init__(self, flatbuffer: bytes, num_threads: int = 2, label: str = "", seed: int = 0):
        from ai_edge_litert.interpreter import Interpreter

        self.label = label
        self.interpreter = Interpreter(model_content=bytes(flatbuffer), num_threads=num_threads)
        self.interpreter.allocate_tensors()
        rng = np.random.default_rng(seed)
        for detail in self.interpreter.get_input_details():
            dtype = np.dtype(detail["dtype"])
            if np.issubdtype(dtype, np.integer):
                info = np.iinfo(dtype)
                value = rng.integers(info.min, info.max, detail["shape"], endpoint=True)
            else:
                value = rng.uniform(-1, 1, detail["shape"])
            self.interpreter.set_tensor(detail["index"], value.astype(dtype))

    def run(self) -> None:
        self.interpreter.invoke()


def time_runs_ms(run: Callable[[], object], repeats: int, warmup: int = 1) -> list[float]:
    """Wall times in ms of `repeats` calls of `run()` after `warmup` untimed ones."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def interleaved_times_ms(runs: dict[str, Callable[[], object]], rounds: int = 3, repeats: int = 4,
                         log: Callable[[str], None] | None = None) -> dict[str, list[float]]:
    """Times every callable in turn, `rounds` times (`repeats` runs each time, one warm-up), so
    that machine noise hits every contender alike; returns every timed run per name."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for r in range(rounds):
        for name, run in runs.items():
            times[name] += time_runs_ms(run, repeats)
        if log is not None:
            log(f"round {r + 1}/{rounds} done")
    return times


@dataclasses.dataclass(frozen=True)
class Floor:
    """The best MAC rate of one kind and the rate of every shape timed.

    Args:
        kind: one of `FLOOR_KINDS`.
        rates: MAC/s per shape label (MACs over the median time).
        best_shape: label of the fastest shape.
    """

    kind: str
    rates: dict[str, float]
    best_shape: str

    @property
    def rate(self) -> float:
        return self.rates[self.best_shape]

    def floor_ms(self, macs: int) -> float:
        """The time `macs` multiply-accumulates take at this kind's best rate."""
        return macs / self.rate * 1000.0


def floor_label(kind: str, shape: ConvShape) -> str:
    """The name a floor convolution has among timed contenders."""
    return f"floor {kind} {shape.label}"


def floors_from_times(times: dict[str, list[float]], shapes: dict[str, Iterable[ConvShape]]) -> dict[str, Floor]:
    """`Floor` per kind from the times of the contenders `floor_label(kind, shape)`."""
    floors = {}
    for kind, kind_shapes in shapes.items():
        rates = {shape.label: shape.macs / (statistics.median(times[floor_label(kind, shape)]) / 1000.0)
                 for shape in kind_shapes}
        floors[kind] = Floor(kind, rates, max(rates, key=rates.get))
    return floors


def floor_timers(kinds: Sequence[str], shapes: Sequence[ConvShape], num_threads: int = 2,
                 log: Callable[[str], None] | None = None) -> dict[str, ModelTimer]:
    """A `ModelTimer` for the single convolution of every kind and shape, keyed by `floor_label`."""
    timers = {}
    for kind in kinds:
        for shape in shapes:
            label = floor_label(kind, shape)
            if log is not None:
                log(f"building {label} ...")
            timers[label] = ModelTimer(conv_model(shape, kind), num_threads, label)
    return timers


def measure_floor(kind: str, shapes: Sequence[ConvShape] = (LARGE_CONV,), threads: int = 2,
                  rounds: int = 2, repeats: int = 4) -> Floor:
    """The best MAC/s rate LiteRT (XNNPACK, `threads`) reaches on single convolutions of `kind`.

    Args:
        kind: "fp32", "int8" or "dynamic_int8" (see the module docstring for which kind each
            exported file uses: `floor_kind`).
        shapes: convolutions to time (`LARGE_CONV`, shapes from `conv_shape_histogram`).
        threads: LiteRT threads.
        rounds, repeats: the shapes are timed in turn, `rounds` times `repeats` runs each.

    Returns:
        A `Floor`: the rate per shape (MACs over the median time) and the best of them.

    Example:
        >>> floor = measure_floor("fp32")
        >>> floor.floor_ms(model_macs(open("photo2cartoon_fp32.tflite", "rb").read()))
    """
    shapes = list(shapes)
    if not shapes:
        raise ValueError("measure_floor needs at least one shape")
    timers = floor_timers([kind], shapes, threads)
    times = interleaved_times_ms({label: timer.run for label, timer in timers.items()}, rounds, repeats)
    return floors_from_times(times, {kind: shapes})[kind]


def speed_rows(flatbuffers: dict[str, bytes], latency_ms: dict[str, float], floors: dict[str, Floor],
               reference_ms: float | None = None) -> dict[str, dict]:
    """Per TFLite format: `macs`, `floor_kind`, `floor_ms`, `x_floor` (latency over floor) and,
    with `reference_ms` (ONNX Runtime's latency), `x_reference`.

    Args:
        flatbuffers: model bytes per format name (`pipeline.TFLITE_VARIANTS` names).
        latency_ms: measured latency per format name.
        floors: `Floor` per kind; a format whose kind is missing gets no floor figures.
        reference_ms: latency of the reference runtime measured in the same run, or None.
    """
    rows = {}
    for name, flatbuffer in flatbuffers.items():
        kind = floor_kind(name)
        macs = model_macs(flatbuffer)
        row = {"macs": macs, "floor_kind": kind, "latency_ms": latency_ms[name]}
        if kind in floors:
            row["floor_ms"] = floors[kind].floor_ms(macs)
            row["x_floor"] = latency_ms[name] / row["floor_ms"]
        if reference_ms:
            row["x_reference"] = latency_ms[name] / reference_ms
        rows[name] = row
    return rows


def describe_floors(floors: dict[str, Floor]) -> list[str]:
    """One line per kind: its best rate and the rate of every shape timed."""
    lines = []
    for kind, found in floors.items():
        shapes = ", ".join(f"{label} {rate / 1e9:.1f}" for label, rate in
                           sorted(found.rates.items(), key=lambda item: -item[1]))
        lines.append(f"floor {kind:<12} {found.rate / 1e9:6.1f} GMAC/s (best of: {shapes} GMAC/s)")
    return lines


# Speed and size goals of the export: fp32 within 1.3x of its floor, full int8 within
# 2x of its floor and 4x faster than ONNX Runtime, the fastest format of >= 30 dB as well, and the
# files a phone downloads small.
GOALS = {"fp32_x_floor": 1.3, "int8_x_floor": 2.0, "int8_x_reference": 0.25, "fastest_psnr_db": 30.0,
         "fastest_x_reference": 0.25, "fp16_mb": 7.9, "int8_mb": 4.2}


def goal_checks(rows: dict[str, dict], goals: dict = GOALS) -> list[tuple[str, bool, str]]:
    """(goal, met, measured value) for each goal, from per-format rows holding `size_bytes`,
    `psnr_db`, `x_floor` and `x_reference`; a figure that was not measured counts as missed."""
    def figure(name, key):
        value = rows.get(name, {}).get(key)
        return None if value is None or not math.isfinite(value) else value

    def check(label, name, key, limit, unit="x", scale=1.0):
        value = figure(name, key)
        if value is None:
            return (label, False, "not measured")
        return (label, value / scale <= limit, f"{value / scale:.2f}{unit}")

    checks = [
        check(f"fp32 <= {goals['fp32_x_floor']}x floor", "fp32", "x_floor", goals["fp32_x_floor"]),
        check(f"int8 <= {goals['int8_x_floor']}x floor", "int8", "x_floor", goals["int8_x_floor"]),
        check(f"int8 <= {goals['int8_x_reference']}x ONNX Runtime", "int8", "x_reference", goals["int8_x_reference"]),
    ]
    good = {name: figure(name, "x_reference") for name in rows
            if (figure(name, "psnr_db") or 0.0) >= goals["fastest_psnr_db"] and figure(name, "x_reference") is not None}
    label = f"fastest >= {goals['fastest_psnr_db']:.0f} dB <= {goals['fastest_x_reference']}x ONNX Runtime"
    if good:
        fastest = min(good, key=good.get)
        checks.append((label, good[fastest] <= goals["fastest_x_reference"], f"{fastest} {good[fastest]:.2f}x"))
    else:
        checks.append((label, False, "no format reaches the PSNR"))
    checks += [check(f"fp16 <= {goals['fp16_mb']} MB", "fp16", "size_bytes", goals["fp16_mb"], " MB", 1e6),
               check(f"int8 <= {goals['int8_mb']} MB", "int8", "size_bytes", goals["int8_mb"], " MB", 1e6)]
    return checks
