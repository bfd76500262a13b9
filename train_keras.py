"""Train photo2cartoon (U-GAT-IT with Soft-AdaLIN and hourglasses) with TensorFlow / Keras.

    python train_keras.py --dataset photo2cartoon --data-root dataset --faceid_model models/model_mobilefacenet.pth
    python train_keras.py --preset smoke --data-root /tmp/data --iteration 3 --faceid_weight 0 --run_eagerly

The run lives in RESULT_DIR/DATASET (config.json, checkpoints/, samples/, logs/, export/genA2B.keras).
See docs/training.md.
"""

import argparse
import logging
import os
import sys

# TensorFlow's C++ INFO / WARNING lines stay hidden; errors still show (set it to 0 for all).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

BOOL = argparse.BooleanOptionalAction


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--preset", default="photo2cartoon", help="model preset: photo2cartoon or smoke")
    p.add_argument("--dataset", default="photo2cartoon")
    p.add_argument("--data-root", "--data_root", dest="data_root", default="dataset",
                   help="folder holding DATASET/trainA, trainB, testA, testB")
    p.add_argument("--result_dir", default="results")
    for name, kind in (("iteration", int), ("batch_size", int), ("print_freq", int), ("save_freq", int),
                       ("lr", float), ("weight_decay", float), ("adv_weight", float), ("cycle_weight", float),
                       ("identity_weight", float), ("cam_weight", float), ("faceid_weight", float),
                       ("ch", int), ("n_dis", int), ("img_size", int), ("ngf", int), ("seed", int),
                       ("keep_checkpoints", int)):
        p.add_argument(f"--{name}", type=kind, default=None)
    p.add_argument("--n_dis_local", type=int, default=None, help="local discriminator depth (default n_dis - 2)")
    p.add_argument("--light", action=BOOL, default=None)
    p.add_argument("--decay_flag", action=BOOL, default=None)
    p.add_argument("--gpu_ids", default=None, help="comma-separated GPU ids (several: MirroredStrategy)")
    p.add_argument("--multi_worker", action=BOOL, default=False, help="MultiWorkerMirroredStrategy from TF_CONFIG")
    p.add_argument("--resume", action=BOOL, default=False)
    p.add_argument("--pretrained_weights", default=None, help="the original's .pt or one of our checkpoints")
    # --faceid_weight (one letter shorter) is the loss weight; --faceid_weights is the original's name for this.
    p.add_argument("--faceid_model", "--faceid_weights", dest="faceid_model", default=None,
                   help="the original's model_mobilefacenet.pth (Face-ID network)")
    for name in ("mixed_precision", "jit", "run_eagerly"):
        p.add_argument(f"--{name}", action=BOOL, default=False)
    p.add_argument("--tensorboard", action=BOOL, default=True)
    p.add_argument("--eval_freq", type=int, default=None,
                   help="KID / FID of testA->B every N steps; the best generator goes to RUN/best (0 = off)")
    p.add_argument("--eval_images", type=int, default=None, help="at most this many test images scored (default 200)")
    p.add_argument("--eval_feature_model", default=None, help="inception (default) or tiny (smoke tests only)")
    p.add_argument("--inception_weights", "--inception-weights", dest="inception_weights", default=None,
                   help="local InceptionV3 no-top .h5 for --eval_freq")
    p.add_argument("--progress", action=BOOL, default=True)
    p.add_argument("--diff_augment", default=None,
                   help='DiffAugment before every discriminator: "color,translation,cutout" (any of them), or none')
    p.add_argument("--clip_grad_norm", type=float, default=None,
                   help="rescale gradients whose global norm exceeds this (off by default, as the original)")
    p.add_argument("--recipe", default=None,
                   help="few_shot: settings for a style from ~100 cartoons (DiffAugment, shorter schedule, "
                        "checkpoint scoring); flags given explicitly win")
    return p.parse_args(argv)


def build_config(args):
    from tf_p2c.training.config import LossWeights, TrainConfig
    from tf_p2c.training.recipes import recipe_fields

    base = TrainConfig.from_preset(args.preset)
    model = {k: v for k, v in {"ngf": args.ngf, "img_size": args.img_size, "light": args.light, "ndf": args.ch,
                                   "n_layers_global": args.n_dis}.items() if v is not None}
    if args.n_dis is not None or args.n_dis_local is not None:
        model["n_layers_local"] = args.n_dis_local if args.n_dis_local is not None else args.n_dis - 2
    weights = {k: v for k, v in {"adv": args.adv_weight, "cycle": args.cycle_weight, "identity": args.identity_weight,
                                     "cam": args.cam_weight, "faceid": args.faceid_weight}.items() if v is not None}
    top = {k: getattr(args, k) for k in ("iteration", "batch_size", "print_freq", "save_freq", "lr", "weight_decay",
                                         "seed", "keep_checkpoints", "decay_flag", "eval_freq", "eval_images",
                                         "eval_feature_model", "inception_weights", "diff_augment",
                                         "clip_grad_norm")
           if getattr(args, k) is not None}
    top = {**recipe_fields(args.recipe), **top}
    gpu_ids = tuple(t for t in args.gpu_ids.split(",") if t.strip()) if args.gpu_ids else None
    return base.replace(model=base.model.replace(**model), loss_weights=LossWeights(**{**vars(base.loss_weights), **weights}),
                        dataset=args.dataset, data_root=args.data_root, result_dir=args.result_dir,
                        gpu_ids=gpu_ids, multi_worker=args.multi_worker, resume=args.resume,
                        pretrained_weights=args.pretrained_weights, faceid_model=args.faceid_model,
                        mixed_precision=args.mixed_precision, jit=args.jit, run_eagerly=args.run_eagerly,
                        tensorboard=args.tensorboard, progress=args.progress, **top)


def main(argv=None):
    args = parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:  # Ctrl-C before training began, or a second one during a step
        print("train_keras.py: interrupted; nothing saved since the last checkpoint", file=sys.stderr)
        return 130


def _run(args):
    from tf_p2c.quiet_import import quiet_tensorflow_imports

    quiet_tensorflow_imports()
    try:
        config = build_config(args)
    except ValueError as error:
        print(f"train_keras.py: error: {error}", file=sys.stderr)
        return 2
    from tf_p2c.training.loop import TrainingError, TrainingInterrupted, train

    # The package's own notes (which networks came from --pretrained_weights, skipped images and
    # updates) go to stderr, one line each.
    package_log = logging.getLogger("tf_p2c")
    if not package_log.handlers:  # main() may run more than once in a process (tests)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("train_keras.py: %(message)s"))
        package_log.addHandler(handler)
        package_log.setLevel(logging.INFO)

    try:
        summary = train(config)
    except TrainingInterrupted as error:
        print(f"train_keras.py: {error}", file=sys.stderr)
        return 130
    except (TrainingError, ValueError) as error:
        print(f"train_keras.py: error: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1
    print(f"done: step {summary['step']}, checkpoint {summary['checkpoint']}, exported {summary['export']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
