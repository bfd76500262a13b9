"""Export of the generator to TFLite (LiteRT), ONNX and SavedModel, with parity checks.

I/O contract of every exported float model (see docs/export.md): one RGB image, NHWC
(1, S, S, 3) float32 in [-1, 1] (`x / 127.5 - 1`), input named `input`; outputs `image`
(1, S, S, 3) in [-1, 1] (tanh), `cam_logit` (1, 2) and `heatmap` (1, S/4, S/4, 1). The uint8
TFLite variant takes (1, S, S, 3) uint8 RGB 0..255 and returns `image` as uint8 RGB 0..255.
The ONNX NCHW variant is a drop-in for the original's file: `input` (1, 3, S, S) -> `output`.

Modules: `tflite` (conversion, quantization, metadata), `onnx`, `savedmodel`, `parity`
(metrics and runtime runners), `calibration` (representative face crops), `pipeline`
(`export_all`: every format, a report and a contact sheet, written atomically).
"""
