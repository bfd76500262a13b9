"""Command-line glue for the preprocessing commands: ``preprocess`` and ``data-service``.

``python -m tf_p2c`` calls `register(subparsers)`; every subcommand sets ``func(args) -> int``.

    python -m tf_p2c preprocess --data_path photos/ --save_path dataset/trainA --workers 8
    python -m tf_p2c preprocess --data_path photos/ --save_path faces/ --format tfrecord --shards 16
    python -m tf_p2c data-service dispatcher --host $(hostname) --port 5050
    python -m tf_p2c data-service worker --dispatcher HOST:5050 --host $(hostname)
    python -m tf_p2c preprocess --data_path /shared/photos --save_path faces/ --dispatcher HOST:5050
"""

from __future__ import annotations

import argparse
import os
import sys

from tf_p2c.face import LANDMARK_BACKENDS, SEGMENTERS
from tf_p2c.image_io import DEFAULT_MAX_PIXELS

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds the ``preprocess`` and ``data-service`` subcommands.

    Args:
        subparsers: the object returned by ``ArgumentParser.add_subparsers()``.
    """
    _add_preprocess(subparsers)
    _add_data_service(subparsers)


def _add_preprocess(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "preprocess",
        help="align and segment the faces of a folder of photos (resumable)",
        description="Finds the largest face of every photo under --data_path, aligns, crops and segments it, "
        "and writes PNG crops or TFRecord shards plus manifest.jsonl to --save_path. Rerunning resumes. "
        "Exit status: 0 when the job ran (even if some photos failed: see the summary), 2 for bad arguments, "
        "1 when the face preprocessor cannot run at all.",
    )
    p.add_argument("--data_path", "--data-path", required=True, help="folder of photos, walked recursively")
    p.add_argument("--save_path", "--save-path", required=True, help="output folder")
    p.add_argument("--backend", default="mediapipe", choices=LANDMARK_BACKENDS, help="landmark backend")
    p.add_argument("--segmenter", default="default", choices=SEGMENTERS, help="portrait segmentation")
    p.add_argument("--seg-model", dest="seg_model", default=None,
                   help="the original's seg_model_384.pb (for --segmenter original)")
    p.add_argument("--all-faces", action="store_true", help="keep every face (name_face0.png, ...), not the largest")
    p.add_argument("--format", default="png", choices=("png", "tfrecord"), help="output format")
    p.add_argument("--shards", type=int, default=1, help="TFRecord shards per run")
    p.add_argument("--workers", type=int, default=None, help="parallel photos per process (default: CPU count)")
    p.add_argument("--processes", type=int, default=1,
                   help="run the per-photo work in N worker processes on this machine (child processes on "
                        "pipes, no network port); threads of one process share Python's GIL")
    p.add_argument("--dispatcher", default=None, metavar="HOST:PORT",
                   help="run the per-photo work on tf.data service workers")
    p.add_argument("--mask-path", dest="mask_path", default=None, help="PNG format: also write masks here")
    p.add_argument("--size", type=int, default=256, help="crop side in pixels")
    p.add_argument("--max-pixels", dest="max_pixels", type=int, default=DEFAULT_MAX_PIXELS,
                   help="larger JPEGs are decoded downscaled, larger other images refused")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    p.set_defaults(func=run_preprocess_command)


def _add_data_service(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("data-service", help="run a tf.data service dispatcher or worker for preprocess")
    roles = p.add_subparsers(dest="role", required=True)
    d = roles.add_parser("dispatcher", help="start a dispatcher and serve until killed")
    host_help = ("host name or address this server is reached at (default 127.0.0.1). TensorFlow listens on "
                 "every interface whatever it says: with a loopback --host the command refuses to start while "
                 "another network interface is up; anyone who reaches the port can run arbitrary graphs as this user")
    d.add_argument("--host", default="127.0.0.1", help=host_help)
    d.add_argument("--port", type=int, default=5050)
    d.add_argument("--work-dir", dest="work_dir", default=None,
                   help="journal folder: a restarted dispatcher recovers its jobs")
    d.set_defaults(func=run_dispatcher_command)
    w = roles.add_parser("worker", help="start a preprocessing worker and serve until killed")
    w.add_argument("--dispatcher", required=True, metavar="HOST:PORT")
    w.add_argument("--host", default="127.0.0.1", help=host_help)
    w.add_argument("--port", type=int, default=0, help="0 picks a free port")
    w.add_argument("--worker-address", dest="worker_address", default=None,
                   help='address others reach this worker at, "%%port%%" = bound port (default HOST:%%port%%)')
    w.set_defaults(func=run_worker_command)


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def run_preprocess_command(args: argparse.Namespace) -> int:
    """``preprocess``: builds a `JobConfig` from the flags and runs the job."""
    _quiet_tensorflow()
    from tf_p2c.preprocess.job import JobConfig, JobError, run_preprocess
    from tf_p2c.preprocess.photo import FaceOptions, PreprocessorSetupError

    try:
        face = FaceOptions(backend=args.backend, segmenter=args.segmenter, seg_model_path=args.seg_model,
                           out_size=args.size, all_faces=args.all_faces, max_pixels=args.max_pixels)
        config = JobConfig(data_path=args.data_path, save_path=args.save_path, face=face, format=args.format,
                           shards=args.shards, workers=args.workers, dispatcher=args.dispatcher, processes=args.processes,
                           mask_path=args.mask_path, progress=args.progress)
        summary = run_preprocess(config)
    except JobError as err:
        print(f"preprocess: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except PreprocessorSetupError as err:
        print(f"preprocess: error: {err}", file=sys.stderr)
        return EXIT_FAILED
    print(summary.line(os.path.join(args.save_path, "manifest.jsonl")))
    return EXIT_OK


def run_dispatcher_command(args: argparse.Namespace) -> int:
    """``data-service dispatcher``: serves until killed."""
    _quiet_tensorflow()
    from tf_p2c.preprocess import service

    try:
        service.check_exposure(args.host, args.port, "data-service dispatcher")
    except service.ExposureError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    server = service.start_dispatcher(args.port, args.work_dir)
    print(f"dispatcher serving at {server.target} (listening on every interface); Ctrl-C to stop", flush=True)
    server.join()
    return EXIT_OK


def run_worker_command(args: argparse.Namespace) -> int:
    """``data-service worker``: serves until killed."""
    _quiet_tensorflow()
    from tf_p2c.preprocess import service

    try:
        service.check_exposure(args.host, args.port, "data-service worker")
    except service.ExposureError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    from tf_p2c.preprocess.photo import register_process_function

    server = service.start_worker(args.dispatcher, args.port, args.worker_address, args.host,
                                  setup=register_process_function)
    print(f"worker registered with {args.dispatcher}; Ctrl-C to stop", flush=True)
    server.join()
    return EXIT_OK


def main(argv=None) -> int:
    """Runs only the data commands: ``python -m tf_p2c.preprocess.cli preprocess ...`` ."""
    parser = argparse.ArgumentParser(prog="python -m tf_p2c.preprocess.cli")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
