"""Does training learn? Runs on the known-answer task of `tf_p2c.evaluation.learning_task`.

    .venv/bin/python benchmarks/bench_learning.py                        # 3 seeds, full trainB
    .venv/bin/python benchmarks/bench_learning.py --limited              # + 100 cartoons, DiffAugment on and off
    .venv/bin/python benchmarks/bench_learning.py --steps 600 --seeds 0  # a short look
    .venv/bin/python benchmarks/bench_learning.py --kinds paired         # only the paired references (minutes)
    .venv/bin/python benchmarks/bench_learning.py --img_size 128 --ngf 32 --n_layers_global 6 --out bl128  # on a GPU

Domain A is augmented crops of the package's sample photo, domain B other crops through the fixed
cartoon filter (`tf_p2c.evaluation.cartoon_filter`); training is unpaired, through the real
training loop (`tf_p2c.training.loop.train`: data pipeline, compiled step, checkpoints). At each
scored step the generator genA2B is compared on held-out crops with their true translation:

- PSNR and SSIM of G(A) vs filter(A), beside A vs filter(A) (the identity: what a network that
  copied its input would score);
- their change since step 0 (the untrained network: chance);
- KID of G(A) vs the training cartoons (`TinyFeatures`: no Inception weights can be fetched here,
  so this KID is a colour and layout statistic, not a perceptual one).

Beside each seed's GAN run, a paired reference (`tf_p2c.evaluation.paired_reference`): the same
generator, budget and seed trained on the pairs (photo, filter(photo)) with an L1 loss, which
shows how much of the translation this network can learn in these steps when told the answer.

Each run is its own process on one thread (`--jobs` of them at once): tracing the training step
takes minutes of one core, so runs side by side use the machine better than one after another.

Writes OUT/learning.json (every figure), OUT/curves.svg (PSNR and KID of every run against the
step), OUT/contact_sheet.png (rows: held-out crops; columns: input, target, G(A) at each scored
step of the first run, then the first paired reference's output at its last step) and, with
--keep_best, the best
generator of the first run (highest PSNR at a scored step) as OUT/best/genA2B.keras.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tf_p2c.atomic_write import write_bytes  # noqa: E402
from tf_p2c.evaluation.learning_task import LEARNING_MODEL  # noqa: E402

DIFF_AUGMENT = "color,translation,cutout"
LIMITED_CARTOONS = 100
KINDS = ("gan", "paired")


def model_spec(args) -> dict:
    """`LEARNING_MODEL` with the sizes given on the command line (`ndf` follows `ngf` unless given)."""
    spec = dict(LEARNING_MODEL)
    if args.ngf is not None:
        spec["ngf"] = spec["ndf"] = args.ngf
    for field in ("img_size", "ndf", "n_layers_global", "n_layers_local"):
        if getattr(args, field) is not None:
            spec[field] = getattr(args, field)
    return spec


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="bench_learning_out")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--every", type=int, default=250, help="steps between scored checkpoints")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--n_a", type=int, default=400, help="training photos")
    p.add_argument("--n_b", type=int, default=400, help="training cartoons")
    p.add_argument("--n_test", type=int, default=64)
    p.add_argument("--limited", action="store_true",
                   help=f"also run with {LIMITED_CARTOONS} cartoons, DiffAugment on and off (first seed)")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--clip_grad_norm", type=float, default=1e6,
                   help="the generators' gradient norm is ~1e5 here; rare spikes far above it are capped")
    p.add_argument("--keep_best", action="store_true")
    p.add_argument("--jobs", type=int, default=0, help="runs at once (default: all)")
    p.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS),
                   help="gan: the unpaired GAN runs; paired: the same network trained with the answer")
    for field in ("img_size", "ngf", "ndf", "n_layers_global", "n_layers_local"):
        p.add_argument(f"--{field}", type=int, default=None,
                       help=f"model (default {LEARNING_MODEL[field]}{', or --ngf' if field == 'ndf' else ''})")
    p.add_argument("--run", default=None, help=argparse.SUPPRESS)  # internal: NAME,KIND,SEED,DATASET,POLICY
    return p.parse_args(argv)


# ----------------------------------------------------------------------------------- one run


def _scorer(task, cartoons, every, keep_best_dir):
    """`LearningCurve` that also prints each row and, with `keep_best_dir`, exports the generator
    of the best PSNR so far there."""
    from tf_p2c.evaluation.learning_task import LearningCurve

    class Scorer(LearningCurve):
        best_psnr = float("-inf")

        def score(self, step):
            row = super().score(step)
            print(f"  step {step:5d}  PSNR {row['psnr']:6.2f} dB (since step 0 {row['psnr_since_start']:+.2f}, "
                  f"vs identity {row['psnr_gain']:+.2f})  SSIM {row['ssim']:.3f}  KID {row['kid']:.4f}", flush=True)
            if keep_best_dir and step and row["psnr"] > self.best_psnr:
                from tf_p2c.training.loop import export_generator

                self.best_psnr = row["psnr"]
                export_generator(self.trainer, keep_best_dir)
            return row

    return Scorer(task, cartoons, every)


def run_worker(args) -> int:
    """One training run (`--run NAME,KIND,SEED,DATASET,POLICY`, KIND `gan` or `paired`):
    OUT/runs/NAME/result.json."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    for gpu in tf.config.list_physical_devices("GPU"):  # runs side by side share one GPU
        tf.config.experimental.set_memory_growth(gpu, True)
    from tf_p2c.config import ModelConfig
    from tf_p2c.evaluation.learning_task import load_task, training_cartoons
    from tf_p2c.evaluation.paired_reference import fit_paired
    from tf_p2c.training.config import LossWeights, TrainConfig
    from tf_p2c.training.loop import train

    name, kind, seed, dataset, policy = args.run.split(",", 4)  # the policy has commas of its own
    data_root = os.path.join(args.out, "data")
    task = load_task(data_root, "full")  # every run is scored on the same held-out crops
    spec = model_spec(args)
    cartoons = training_cartoons(task, spec["img_size"])
    run_dir = os.path.join(args.out, "runs", name)
    result = {"name": name, "kind": kind, "seed": int(seed), "dataset": dataset, "diff_augment": policy, "model": spec}
    start = time.perf_counter()
    if kind == "paired":
        scorer = _scorer(task, cartoons, args.every, None)
        fit_paired(load_task(data_root, dataset), ModelConfig(**spec), args.steps, args.lr, int(seed),
                   curve=scorer)
        result["skipped_updates"] = None
        _write_result(run_dir, result, scorer, start)
        return 0
    config = TrainConfig(model=ModelConfig(**spec), loss_weights=LossWeights(faceid=0.0), dataset=dataset,
                         data_root=data_root, result_dir=run_dir, iteration=args.steps, print_freq=args.every,
                         save_freq=args.steps, lr=args.lr, seed=int(seed), diff_augment=policy,
                         clip_grad_norm=args.clip_grad_norm, tensorboard=False, progress=False)
    keep = os.path.join(args.out, "best") if args.keep_best else None
    scorer = _scorer(task, cartoons, args.every, keep)
    summary = train(config, callbacks=[scorer])
    result["skipped_updates"] = summary["skipped_updates"]
    _write_result(run_dir, result, scorer, start)
    return 0


def _write_result(run_dir, result, scorer, start):
    result = {**result, "seconds": time.perf_counter() - start, "rows": scorer.rows, "final": scorer.rows[-1],
              "best": max(scorer.rows[1:], key=lambda r: r["psnr"]), "outputs": [o.tolist() for o in scorer.outputs]}
    write_bytes(os.path.join(run_dir, "result.json"), json.dumps(result).encode("utf-8"))


# ----------------------------------------------------------------------------------- the set


def _runs(args):
    """(name, kind, seed, dataset, DiffAugment policy) of every run; the first is the contact
    sheet's and the one --keep_best exports."""
    runs = []
    if "gan" in args.kinds:
        runs += [(f"full_seed{seed}", "gan", seed, "full", "") for seed in args.seeds]
        if args.limited:
            runs += [("limited_diffaug", "gan", args.seeds[0], "limited", DIFF_AUGMENT),
                     ("limited_noaug", "gan", args.seeds[0], "limited", "")]
    if "paired" in args.kinds:
        runs += [(f"paired_seed{seed}", "paired", seed, "full", "") for seed in args.seeds]
    return runs


def _launch(args, run, log_path):
    name, kind, seed, dataset, policy = run
    command = [sys.executable, os.path.abspath(__file__), "--run", f"{name},{kind},{seed},{dataset},{policy}",
               "--out", args.out, "--steps", str(args.steps), "--every", str(args.every), "--lr", str(args.lr),
               "--clip_grad_norm", str(args.clip_grad_norm)]
    for field, value in model_spec(args).items():
        if field != "light":
            command += [f"--{field}", str(value)]
    if args.keep_best and run == _runs(args)[0]:
        command.append("--keep_best")
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.Popen(command, stdout=open(log_path, "w"), stderr=subprocess.STDOUT, env=env)


def _contact_sheet(task, outputs, path):
    import numpy as np

    from tf_p2c.image_io import write_image_atomic

    columns = [task.test_photos[:8], task.test_targets[:8]] + [np.asarray(o, np.uint8) for o in outputs]
    sheet = np.concatenate([np.concatenate(list(c), axis=0) for c in columns], axis=1)
    write_image_atomic(path, sheet.repeat(3, axis=0).repeat(3, axis=1))  # 3x, nearest neighbour


def _curves(results, path):
    """PSNR and KID of every run against the step, one panel per run and figure."""
    from tf_p2c.training.curve_svg import render_curves

    steps = [row["step"] for row in results[0]["rows"]]
    series = {}
    for r in results:
        if [row["step"] for row in r["rows"]] == steps:
            series[f"{r['name']}: PSNR vs filter(A), dB"] = [row["psnr"] for row in r["rows"]]
    for r in results:
        if [row["step"] for row in r["rows"]] == steps:
            series[f"{r['name']}: KID vs the cartoons"] = [row["kid"] for row in r["rows"]]
    title = f"identity PSNR {results[0]['rows'][0]['psnr_identity']:.2f} dB"
    write_bytes(path, render_curves(steps, series, title=title).encode("utf-8"))


def _stored_result(args, name):
    """Run `name`'s result.json in --out, or None when it has none. Results written before runs
    recorded their kind and model are GAN runs of the default model."""
    path = os.path.join(args.out, "runs", name, "result.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        result = json.load(f)
    result.setdefault("kind", "gan")
    result.setdefault("model", LEARNING_MODEL)
    return result


def _spread(values):
    return dict(zip(("mean", "sd"), (statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0)))


def _gan_summary(full) -> dict:
    """Mean and sd over the seeds of the GAN runs on the full set, at the end and at every scored step."""
    summary = {key: _spread([r["final"][key] for r in full])
               for key in ("psnr_since_start", "psnr_gain", "ssim_since_start", "kid_since_start")}
    # The same figures at every scored step, for the test's margin.
    steps = [row["step"] for row in full[0]["rows"]]
    summary["psnr_since_start_by_step"] = {
        step: _spread([r["rows"][i]["psnr_since_start"] for r in full if len(r["rows"]) > i])
        for i, step in enumerate(steps)}
    p, g = summary["psnr_since_start"], summary["psnr_gain"]
    print(f"\nover {len(full)} seeds (mean ± sd) at step {full[0]['final']['step']}: PSNR {p['mean']:+.2f} ± "
          f"{p['sd']:.2f} dB since step 0, {g['mean']:+.2f} ± {g['sd']:.2f} dB vs the identity; KID "
          f"{summary['kid_since_start']['mean']:+.4f} since step 0")
    return summary


def _paired_summary(paired, full) -> dict:
    """The paired references' figures, and each GAN run's PSNR less that of the reference of its
    seed: how much of what the network can learn in this budget the unpaired GAN learned."""
    summary = {"paired_psnr": _spread([r["final"]["psnr"] for r in paired]),
               "paired_psnr_since_start": _spread([r["final"]["psnr_since_start"] for r in paired])}
    q = summary["paired_psnr"]
    line = (f"paired reference (the same network trained with the answer): PSNR {q['mean']:.2f} ± {q['sd']:.2f} dB "
            f"({summary['paired_psnr_since_start']['mean']:+.2f} since step 0)")
    by_seed = {r["seed"]: r["final"]["psnr"] for r in paired}
    gaps = [r["final"]["psnr"] - by_seed[r["seed"]] for r in full if r["seed"] in by_seed]
    if gaps:
        summary["gan_minus_paired_psnr"] = _spread(gaps)
        line += f"; GAN minus paired, same seed: {statistics.mean(gaps):+.2f} dB"
    print(line)
    return summary


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, ROOT)
    args = parse_args(argv)
    if args.run:
        return run_worker(args)
    from tf_p2c.config import ModelConfig
    from tf_p2c.evaluation.learning_task import make_task

    spec = model_spec(args)
    try:
        ModelConfig(**spec)
    except ValueError as err:
        print(f"error: {err}")
        return 2
    stored = {name: _stored_result(args, name) for name, *_ in _runs(args)}
    mismatched = [name for name, result in stored.items() if result is not None and result["model"] != spec]
    if mismatched:
        print(f"error: {args.out} holds runs of another model ({', '.join(mismatched)}); choose another --out")
        return 2
    os.makedirs(os.path.join(args.out, "runs"), exist_ok=True)
    data_root = os.path.join(args.out, "data")
    task = make_task(data_root, spec["img_size"], args.n_a, args.n_b, args.n_test, seed=0, dataset="full")
    if args.limited:
        make_task(data_root, spec["img_size"], args.n_a, LIMITED_CARTOONS, args.n_test, seed=0, dataset="limited")
    # A run whose result is already there (an earlier invocation with the same --out) is not run again.
    pending = [r for r in _runs(args) if stored[r[0]] is None]
    running, failed = [], []
    jobs = args.jobs or len(pending)
    print(f"{len(pending)} runs of {args.steps} steps, {jobs} at a time; logs in {args.out}/runs/NAME.log", flush=True)
    while pending or running:
        while pending and len(running) < jobs:
            run = pending.pop(0)
            running.append((run, _launch(args, run, os.path.join(args.out, "runs", f"{run[0]}.log"))))
        time.sleep(5)
        for item in [r for r in running if r[1].poll() is not None]:
            running.remove(item)
            if item[1].returncode:
                failed.append(item[0][0])
            print(f"{item[0][0]}: {'done' if not item[1].returncode else 'FAILED'}", flush=True)
    results = [r for r in (stored[name] or _stored_result(args, name) for name in stored) if r is not None]
    if not results:
        print(f"every run failed: {', '.join(failed)}")
        return 1
    gans = [r for r in results if r["kind"] == "gan"]
    paired = [r for r in results if r["kind"] == "paired"]
    sheet = (gans or results)[0]["outputs"] + [r["outputs"][-1] for r in paired[:1]]
    _contact_sheet(task, sheet, os.path.join(args.out, "contact_sheet.png"))
    _curves(results, os.path.join(args.out, "curves.svg"))

    print(f"\n{'run':<17}{'steps':>6}{'min':>6}{'PSNR':>7}{'start':>7}{'ident.':>7}{'SSIM':>7}{'start':>7}"
          f"{'ident.':>7}{'KID':>8}{'start':>8}{'best PSNR':>10}{'skipped':>8}")
    for r in results:
        f, s = r["final"], r["rows"][0]
        print(f"{r['name']:<17}{f['step']:>6}{r['seconds'] / 60:>6.1f}{f['psnr']:>7.2f}{s['psnr']:>7.2f}"
              f"{f['psnr_identity']:>7.2f}{f['ssim']:>7.3f}{s['ssim']:>7.3f}{f['ssim_identity']:>7.3f}"
              f"{f['kid']:>8.4f}{s['kid']:>8.4f}{r['best']['psnr']:>10.2f}"
              f"{'-' if r['skipped_updates'] is None else r['skipped_updates']:>8}")
    full = [r for r in gans if r["dataset"] == "full"]
    summary = {}
    if full:
        summary.update(_gan_summary(full))
    if paired:
        summary.update(_paired_summary(paired, full))
    report = {"model": spec, "args": vars(args), "summary": summary, "failed": failed,
              "runs": [{k: v for k, v in r.items() if k != "outputs"} for r in results]}
    write_bytes(os.path.join(args.out, "learning.json"), json.dumps(report, indent=2).encode("utf-8"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
