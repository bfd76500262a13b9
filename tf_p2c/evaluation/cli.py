"""`python -m tf_p2c evaluate`: pick the best checkpoint of a run by FID (KID reported too).

    python -m tf_p2c evaluate --checkpoints runs/p2c/ckpt_*.keras photo2cartoon_weights.pt \\
        --data-root dataset --dataset photo2cartoon \\
        --inception-weights inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5

Translates DATA_ROOT/DATASET/testA with every checkpoint, scores it against DATA_ROOT/DATASET/testB,
prints a table and writes evaluation.json (see docs/evaluation.md).
"""

from __future__ import annotations

import argparse
import os
import sys

from tf_p2c.evaluation.kid import DEFAULT_SUBSET_SIZE, DEFAULT_SUBSETS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="FID / KID of generator checkpoints on testA -> testB; picks the best by FID",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--checkpoints", nargs="+", required=True, metavar="PATH",
                        help="generator files: .keras of this project, the original's .pt, or .onnx")
    parser.add_argument("--data-root", required=True, help="folder holding DATASET/testA and DATASET/testB")
    parser.add_argument("--dataset", required=True, help="dataset name (a folder under --data-root)")
    parser.add_argument("--inception-weights", default=None, metavar="PATH",
                        help="InceptionV3 (include_top=False) .h5 / .weights.h5 file; required with --feature-model inception")
    parser.add_argument("--feature-model", choices=("inception", "tiny"), default="inception",
                        help="'tiny' is a random-projection stand-in for smoke tests, not a perceptual metric")
    parser.add_argument("--img_size", type=int, default=256, help="image side the generators take (default 256)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--kid-subsets", type=int, default=DEFAULT_SUBSETS)
    parser.add_argument("--kid-subset-size", type=int, default=DEFAULT_SUBSET_SIZE)
    parser.add_argument("--seed", type=int, default=0, help="seed of KID's subset draws")
    parser.add_argument("--output", default="evaluation.json", help="report path (default ./evaluation.json)")
    parser.set_defaults(func=run_evaluate_command)


def run_evaluate_command(args: argparse.Namespace) -> int:
    from tf_p2c.evaluation.evaluate import evaluate_checkpoints, format_table
    from tf_p2c.evaluation.inception import build_feature_extractor

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    extractor = build_feature_extractor(args.feature_model, args.inception_weights)
    root = os.path.join(args.data_root, args.dataset)
    report = evaluate_checkpoints(
        args.checkpoints, os.path.join(root, "testA"), os.path.join(root, "testB"), extractor,
        img_size=args.img_size, batch_size=args.batch_size, feature_model=args.feature_model,
        kid_subsets=args.kid_subsets, kid_subset_size=args.kid_subset_size, seed=args.seed,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )
    print(format_table(report))
    report.write(args.output)
    print(f"best: {report.best.checkpoint} (FID {report.best.fid:.4f}); wrote {args.output}")
    return 0
