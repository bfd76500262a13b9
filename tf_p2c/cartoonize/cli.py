"""`python -m tf_p2c cartoonize INPUT... -o OUTDIR --weights PATH`.

Exit codes: 0 every photo done; 3 some photo had no face (the others were processed);
1 some photo failed (unreadable, unwritable, ...); 2 bad arguments.
"""

from __future__ import annotations

import os
import sys

from tf_p2c.face import LANDMARK_BACKENDS, SEGMENTERS
from tf_p2c.runtimes import BACKENDS as RUNTIMES

EXIT_OK, EXIT_FAILED, EXIT_NO_FACE = 0, 1, 3


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "cartoonize", help="turn portraits into cartoons",
        description="Cartoonize photos (files or folders) with a photo2cartoon generator.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="photos or folders of photos")
    parser.add_argument("-o", "--out-dir", required=True, help="output folder")
    parser.add_argument("--weights", required=True,
                        help="generator: .pt/.onnx/.keras (keras backend), .tflite (tflite), .onnx (onnx)")
    parser.add_argument("--backend", choices=RUNTIMES, default=None,
                        help="runtime (default: from the weights file's extension)")
    parser.add_argument("--all-faces", action="store_true", help="cartoonize every face, not only the largest")
    parser.add_argument("--paste-back", action="store_true", help="also blend the cartoons back into the photo")
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.add_argument("--landmarks", choices=LANDMARK_BACKENDS, default="mediapipe")
    parser.add_argument("--segmenter", default="default", choices=SEGMENTERS)
    parser.add_argument("--seg-model", default=None, help="the original seg_model_384.pb (with --segmenter original)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for LiteRT / ONNX Runtime")
    parser.set_defaults(func=run_cartoonize)


def run_cartoonize(args) -> int:
    from tf_p2c.cartoonize.batch import cartoonize_files, expand_inputs
    from tf_p2c.cartoonize.pipeline import Cartoonizer
    from tf_p2c.face.preprocessor import FacePreprocessor
    from tf_p2c.runtimes import default_backend, make_runner

    jobs = expand_inputs(args.inputs)  # raises one-line errors for missing inputs
    if os.path.exists(args.out_dir) and not os.path.isdir(args.out_dir):
        raise OSError(f"{args.out_dir}: exists and is not a folder")
    # Models are loaded (and checked) before the output folder exists: a bad model file must
    # not leave an empty folder behind.
    runner = make_runner(args.backend or default_backend(args.weights), args.weights, num_threads=args.threads)
    preprocessor = FacePreprocessor(backend=args.landmarks, segmenter=args.segmenter,
                                    seg_model_path=args.seg_model, out_size=runner.input_size)
    cartoonizer = Cartoonizer(runner, preprocessor)
    os.makedirs(args.out_dir, exist_ok=True)
    if not os.access(args.out_dir, os.W_OK):
        raise OSError(f"{args.out_dir}: output folder is not writable")
    summary = cartoonize_files(cartoonizer, jobs, args.out_dir, all_faces=args.all_faces,
                               paste_back=args.paste_back, overwrite=args.overwrite,
                               report=lambda line: print(line, file=sys.stderr))
    print(summary.line())
    if summary.failed:
        return EXIT_FAILED
    return EXIT_NO_FACE if summary.no_face else EXIT_OK
