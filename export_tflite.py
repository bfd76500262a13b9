"""Exports a photo2cartoon generator to TFLite (fp32, fp16, dynamic int8, int8, uint8 I/O),
SavedModel and ONNX, checks each against the Keras model, and writes report.json.

    python export_tflite.py --weights photo2cartoon_weights.pt --out-dir export/ \
        [--reference-onnx photo2cartoon_weights.onnx] [--calibration-dir faces/] \
        [--img-size 256] [--formats fp32 fp16 dynamic_int8 int8 uint8 savedmodel onnx]

Everything is written to a temporary folder beside --out-dir and renamed at the end; a format
that fails its quality threshold, or Ctrl-C, stops the export with a non-zero exit and no
--out-dir. --overwrite replaces only this export's own files in an existing --out-dir.
See docs/export.md.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def parse_args(argv=None):
    from tf_p2c.export.pipeline import FORMATS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True, help="official .pt / .onnx, or a .keras from train_keras.py")
    parser.add_argument("--out-dir", required=True, help="output folder (must not exist unless --overwrite)")
    parser.add_argument("--reference-onnx", help="ONNX of the same generator to compare against")
    parser.add_argument("--calibration-dir", help="photos whose face crops calibrate the int8 model")
    parser.add_argument("--img-size", type=int, help="input side, a multiple of 16 (default: 256)")
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS, metavar="FORMAT",
                        help=f"subset of: {' '.join(FORMATS)} (default: all)")
    parser.add_argument("--int8-float-layers", nargs="*", metavar="LAYER",
                        help="generator layers whose convolutions stay float in the int8 model "
                             "(default: ConvBlock1_conv HourGlass1 ConvBlock2_conv; none given: every one int8)")
    parser.add_argument("--threads", type=int, default=2, help="threads for LiteRT / ONNX Runtime checks")
    parser.add_argument("--overwrite", action="store_true", help="write into an existing --out-dir, replacing only the export's own files")
    parser.add_argument("--optimize-onnx", action="store_true",
                        help="run tf2onnx's transpose optimizer on the ONNX (adds minutes)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:  # the export cleans up its temporary folders on the way out
        print(f"export_tflite.py: interrupted; nothing written to {args.out_dir}", file=sys.stderr)
        return 130


def _run(args) -> int:
    from tf_p2c.quiet_import import quiet_tensorflow_imports

    quiet_tensorflow_imports()
    from tf_p2c.export.errors import ExportError
    from tf_p2c.export.pipeline import export_all
    from tf_p2c.runtimes import RuntimeLoadError

    try:
        export_all(args.weights, args.out_dir, reference_onnx=args.reference_onnx,
                   calibration_dir=args.calibration_dir, img_size=args.img_size, formats=args.formats,
                   num_threads=args.threads, overwrite=args.overwrite,
                   optimize_onnx_transposes=args.optimize_onnx, int8_float_layers=args.int8_float_layers)
    except (ExportError, RuntimeLoadError) as error:
        print(f"export_tflite.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
