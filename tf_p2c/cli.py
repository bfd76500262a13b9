"""`python -m tf_p2c <command>`: one argparse parser, commands registered by their modules.

Every command returns an exit code; expected failures (bad files, bad arguments) print one line
on stderr and exit non-zero instead of a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

# Modules that contribute commands; each has `register(subparsers)`.
COMMAND_MODULES = (
    "tf_p2c.cartoonize.cli", "tf_p2c.network_files_cli", "tf_p2c.demo", "tf_p2c.preprocess.cli", "tf_p2c.evaluation.cli",
    "tf_p2c.serve.cli",
)

EXIT_ERROR = 1


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="python -m tf_p2c", description="photo2cartoon in TensorFlow / Keras")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv=None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = build_parser().parse_args(argv)
    from tf_p2c.quiet_import import quiet_tensorflow_imports

    quiet_tensorflow_imports()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError) as error:  # WeightsError, CheckpointError, ImageReadError are ValueErrors
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"error: {message}", file=sys.stderr)
        return EXIT_ERROR
