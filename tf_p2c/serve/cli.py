"""`python -m tf_p2c serve [--weights PATH] [--backend tflite] [--port N]`: the cartoonizer on a web page.

    python -m tf_p2c serve --weights models/photo2cartoon_weights.pt
    python -m tf_p2c serve --weights exports/photo2cartoon_fp32.tflite --port 8080

Listens on 127.0.0.1 (this machine only) unless `--host` says otherwise, and answers only to that
address and the loopback names. Needs the optional web extra: `pip install -r requirements-web.txt`.
"""

from __future__ import annotations

import ipaddress
import socket
import sys

from tf_p2c.face import LANDMARK_BACKENDS, SEGMENTERS
from tf_p2c.runtimes import BACKENDS as RUNTIMES

INSTALL_HINT = ("the serve command needs the optional web extra: "
                ".venv/bin/python -m pip install -r requirements-web.txt (or `make web`)")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve", help="try the cartoonizer on a local web page",
        description="Serve a page to upload or drop a photo and see, for every face, the aligned crop, the mask, "
                    "the cartoon and the photo with the cartoon pasted back, with timings and downloads.",
    )
    parser.add_argument("--weights", default=None,
                        help="generator file (default: the first found in --models-dir; none: an untrained generator)")
    parser.add_argument("--models-dir", default="models")
    parser.add_argument("--backend", choices=RUNTIMES, default=None,
                        help="runtime (default: from the weights file's extension)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    parser.add_argument("--max-upload-mb", type=float, default=10.0, help="largest upload in MB")
    parser.add_argument("--max-megapixels", type=float, default=40.0,
                        help="largest photo; larger JPEGs are decoded downscaled, other formats refused")
    parser.add_argument("--max-jobs", type=int, default=1, help="photos processed at the same time")
    parser.add_argument("--queue", type=int, default=4, help="photos that may wait; beyond that: 'busy'")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a request may wait and run")
    parser.add_argument("--header-timeout", type=float, default=10.0,
                        help="seconds a connection has to send a request's headers")
    parser.add_argument("--body-timeout", type=float, default=30.0,
                        help="seconds a request has to send its body (the photo) once its headers are in")
    parser.add_argument("--max-connections", type=int, default=64,
                        help="open connections; beyond that the oldest idle one is closed")
    parser.add_argument("--keep-results", type=int, default=32, help="finished jobs kept for download")
    parser.add_argument("--landmarks", choices=LANDMARK_BACKENDS, default="mediapipe")
    # No --seg-model here, so no "original".
    parser.add_argument("--segmenter", default="default", choices=[s for s in SEGMENTERS if s != "original"])
    parser.add_argument("--threads", type=int, default=2, help="CPU threads per LiteRT / ONNX Runtime generator")
    parser.set_defaults(func=run_serve)


def _listen(host: str, port: int) -> socket.socket:
    if not 0 <= port <= 65535:
        raise ValueError(f"--port must be in 0..65535, got {port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as error:
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, port: int) -> str | None:
    """The warning line for a `--host` other than loopback (None for loopback): what it exposes."""
    if _is_loopback(host):
        return None
    if host in ("0.0.0.0", "::"):
        return (f"warning: --host {host} listens on every network interface of this machine: anyone who can reach "
                f"it on port {port} (the local network, Wi-Fi, VPN, or the internet if the port is open) can upload "
                "photos and download the results, with no password and no encryption")
    return (f"warning: listening on {host}: anyone who can reach that address on port {port} can upload photos and "
            "download the results, with no password and no encryption")


def run_server(app, limits, sock) -> None:
    """Serves `app` on the listening socket until Ctrl-C."""
    from tf_p2c.serve.server import make_server

    make_server(app, limits).run(sockets=[sock])


def run_serve(args) -> int:
    try:
        import python_multipart  # noqa: F401 - starlette imports it only at the first upload
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        print(f"error: {INSTALL_HINT} (missing: {error.name})", file=sys.stderr)
        return 1
    from tf_p2c.runtimes import default_backend
    from tf_p2c.network_files import find_weights
    from tf_p2c.serve.app import create_app
    from tf_p2c.serve.limits import MB, ServeLimits
    from tf_p2c.serve.model import load_cartoonizers

    limits = ServeLimits(max_upload_bytes=int(args.max_upload_mb * MB), max_pixels=int(args.max_megapixels * 1e6),
                         max_jobs=args.max_jobs, queue_size=args.queue, timeout_s=args.timeout,
                         keep_results=args.keep_results, header_timeout_s=args.header_timeout,
                         body_timeout_s=args.body_timeout, max_connections=args.max_connections)
    weights = args.weights or find_weights(args.models_dir)
    backend = args.backend or (default_backend(weights) if weights else "keras")
    sock = _listen(args.host, args.port)  # before loading: a busy port fails at once
    try:
        make_cartoonizer, info = load_cartoonizers(weights, backend, args.threads, args.landmarks, args.segmenter)
    except BaseException:
        sock.close()
        raise
    if info["warning"]:
        print(f"warning: {info['warning']}", file=sys.stderr)
    host, port = sock.getsockname()[:2]
    exposure = exposure_warning(args.host, port)
    if exposure:
        print(exposure, file=sys.stderr)
    shown = f"[{host}]" if ":" in host else host
    print(f"serving {info['weights']} on http://{shown}:{port}/ (Ctrl-C to stop)", flush=True)
    run_server(create_app(make_cartoonizer, limits, info, listen_host=args.host), limits, sock)
    return 0
