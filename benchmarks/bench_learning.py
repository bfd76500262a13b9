"""Does training learn? Runs on the known-answer task of `tf_p2c.evaluation.learning_task`.

    .venv/bin/python benchmarks/bench_learning.py                        # 3 seeds, full trainB
    .venv/bin/python benchmarks/bench_learning.py --limited              # + 100 cartoons, DiffAugment on and off
    .venv/bin/python benchmarks/bench_learning.py --steps 600 --seeds 0  # a short look

Domain A is augmented crops of the package's sample photo, domain B other crops through the fixed
cartoon filter (`tf_p2c.evaluation.cartoon_filter`); training is unpaired, through the real
training loop (`tf_p2c.training.loop.train`: data pipeline, compiled step, checkpoints). At each
checkpoint the generator genA2B is scored on held-out crops against their true translation:
PSNR and SSIM of G(A) vs filter(A), beside A vs filter(A) (the identity, which a network that
learned nothing of the style would match at best), and KID of G(A) vs the training cartoons
(`TinyFeatures`: no Inception weights can be fetched here, so KID is a colour / layout
statistic, not a perceptual one). The gain is PSNR(G(A)) - PSNR(A), both against filter(A).

Writes OUT/learning.json (every figure), OUT/contact_sheet.png (rows: held-out crops; columns:
input, target, then G(A) at each checkpoint of the first seed) and, with --keep_best, the best
generator of the first run (highest PSNR at a checkpoint) as OUT/best/genA2B.keras.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The smallest model that learns the task on two CPU cores in minutes: 32 px, 8 base channels,
# light generator (pooled MLP), discriminators as deep as 32 px allows.
MODEL = {"ngf": 8, "ndf": 8, "img_size": 32, "light": True, "n_layers_global": 5, "n_layers_local": 3}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="bench_learning_out")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--every", type=int, default=400, help="steps between scored checkpoints")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--n_a", type=int, default=400, help="training photos")
    p.add_argument("--n_b", type=int, default=400, help="training cartoons")
    p.add_argument("--n_test", type=int, default=64)
    p.add_argument("--limited", action="store_true",
                   help="also run with 100 cartoons, DiffAugment on and off (first seed)")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--clip_grad_norm", type=float, default=1e6,
                   help="the generators' gradient norm is ~1e5 here; rare spikes of 1e15 otherwise end in NaN")
    p.add_argument("--keep_best", action="store_true")
    return p.parse_args(argv)


class ScoreCallback:
    """Scores genA2B on the held-out crops every `every` steps and keeps its outputs."""

    def __init__(self, task, cartoons, every: int, keep_best_dir: str | None = None):
        from tf_p2c.evaluation.inception import TinyFeatures

        self.task, self.cartoons, self.every = task, cartoons, every
        self.features = TinyFeatures()
        self.keep_best_dir = keep_best_dir
        self.rows, self.outputs = [], []
        self.trainer = None
        self.best_psnr = float("-inf")

    def on_train_begin(self, trainer, start_step):
        self.trainer = trainer
        self._score(0)

    def on_step_end(self, step, logs):
        if step % self.every == 0:
            self._score(step)

    def on_train_end(self, step):
        if not self.rows or self.rows[-1]["step"] != step:
            self._score(step)

    def _score(self, step):
        from tf_p2c.evaluation.learning_task import score_translation
        from tf_p2c.scaling import from_uint8, to_uint8

        generator = self.trainer.networks["genA2B"]
        scores = score_translation(generator, self.task, self.cartoons, self.features)
        row = {"step": step, "psnr": scores.psnr, "ssim": scores.ssim, "psnr_identity": scores.psnr_identity,
               "ssim_identity": scores.ssim_identity, "psnr_gain": scores.psnr_gain,
               "ssim_gain": scores.ssim_gain, "kid": scores.kid}
        self.rows.append(row)
        self.outputs.append(to_uint8(generator(from_uint8(self.task.test_photos[:8]), training=False)[0]))
        print(f"  step {step:5d}  PSNR {scores.psnr:6.2f} dB (identity {scores.psnr_identity:.2f}, gain "
              f"{scores.psnr_gain:+.2f})  SSIM {scores.ssim:.3f} (identity {scores.ssim_identity:.3f})  "
              f"KID {scores.kid:.4f}", flush=True)
        if self.keep_best_dir and step and scores.psnr > self.best_psnr:
            from tf_p2c.training.loop import export_generator

            self.best_psnr = scores.psnr
            export_generator(self.trainer, self.keep_best_dir)


def run_one(args, name, task_root, task, cartoons, seed, dataset, diff_augment, keep_best_dir=None) -> dict:
    from tf_p2c.config import ModelConfig
    from tf_p2c.training.config import LossWeights, TrainConfig
    from tf_p2c.training.loop import train

    config = TrainConfig(model=ModelConfig(**MODEL), loss_weights=LossWeights(faceid=0.0), dataset=dataset,
                         data_root=task_root, result_dir=os.path.join(args.out, "runs", name),
                         iteration=args.steps, print_freq=args.every, save_freq=args.steps, lr=args.lr,
                         seed=seed, diff_augment=diff_augment, clip_grad_norm=args.clip_grad_norm,
                         tensorboard=False, progress=False)
    scorer = ScoreCallback(task, cartoons, args.every, keep_best_dir)
    print(f"{name}: seed {seed}, {dataset}, DiffAugment {diff_augment or 'off'}", flush=True)
    start = time.perf_counter()
    summary = train(config, callbacks=[scorer])
    seconds = time.perf_counter() - start
    best = max(scorer.rows[1:], key=lambda r: r["psnr"])
    return {"name": name, "seed": seed, "dataset": dataset, "diff_augment": diff_augment, "seconds": seconds,
            "skipped_updates": summary["skipped_updates"],
            "rows": scorer.rows, "final": scorer.rows[-1], "best": best, "outputs": scorer.outputs}


def _read_uint8(folder):
    import numpy as np

    from tf_p2c import image_io

    return np.stack([image_io.read_image(os.path.join(folder, f), min_side=1) for f in image_io.list_images(folder)])


def _contact_sheet(task, run, path):
    import numpy as np
    from PIL import Image

    columns = [task.test_photos[:8], task.test_targets[:8]] + list(run["outputs"])
    sheet = np.concatenate([np.concatenate(list(c), axis=0) for c in columns], axis=1)
    Image.fromarray(sheet).resize((sheet.shape[1] * 3, sheet.shape[0] * 3), Image.NEAREST).save(path)


def _spread(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, ROOT)
    args = parse_args(argv)
    from tf_p2c.evaluation.learning_task import make_task

    os.makedirs(args.out, exist_ok=True)
    data_root = os.path.join(args.out, "data")
    img = MODEL["img_size"]
    task = make_task(data_root, img, args.n_a, args.n_b, args.n_test, seed=0, dataset="full")
    cartoons = _read_uint8(os.path.join(data_root, "full", "trainB"))[:, :img, :img]
    runs = []
    for i, seed in enumerate(args.seeds):
        keep = os.path.join(args.out, "best") if args.keep_best and i == 0 else None
        runs.append(run_one(args, f"full_seed{seed}", data_root, task, cartoons, seed, "full", "", keep))
    if args.limited:
        make_task(data_root, img, args.n_a, 100, args.n_test, seed=0, dataset="limited")
        for policy in ("color,translation,cutout", ""):
            name = f"limited_{'diffaug' if policy else 'noaug'}"
            runs.append(run_one(args, name, data_root, task, cartoons, args.seeds[0], "limited", policy))
    _contact_sheet(task, runs[0], os.path.join(args.out, "contact_sheet.png"))

    full = [r for r in runs if r["dataset"] == "full"]
    summary = {}
    for key in ("final", "best"):
        gain_mean, gain_sd = _spread([r[key]["psnr_gain"] for r in full])
        summary[key] = {"psnr_gain_mean": gain_mean, "psnr_gain_sd": gain_sd,
                        "ssim_gain_mean": _spread([r[key]["ssim_gain"] for r in full])[0]}
    print(f"\n{'run':<18}{'steps':>6}{'min':>6}{'PSNR':>8}{'ident.':>8}{'gain':>7}{'SSIM':>7}{'ident.':>7}"
          f"{'KID':>8}{'best gain':>10}{'skipped':>8}")
    for r in runs:
        f = r["final"]
        print(f"{r['name']:<18}{f['step']:>6}{r['seconds'] / 60:>6.1f}{f['psnr']:>8.2f}{f['psnr_identity']:>8.2f}"
              f"{f['psnr_gain']:>+7.2f}{f['ssim']:>7.3f}{f['ssim_identity']:>7.3f}{f['kid']:>8.4f}"
              f"{r['best']['psnr_gain']:>+10.2f}{r['skipped_updates']:>8d}")
    s = summary["final"]
    print(f"\nfinal PSNR gain over {len(full)} seeds: {s['psnr_gain_mean']:+.2f} ± {s['psnr_gain_sd']:.2f} dB "
          f"(mean ± sd); at the best checkpoint: {summary['best']['psnr_gain_mean']:+.2f} ± "
          f"{summary['best']['psnr_gain_sd']:.2f} dB")
    report = {"model": MODEL, "args": vars(args), "summary": summary,
              "runs": [{k: v for k, v in r.items() if k != "outputs"} for r in runs]}
    with open(os.path.join(args.out, "learning.json"), "w") as f:
        json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
