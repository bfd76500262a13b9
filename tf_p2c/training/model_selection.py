"""Model selection during training: KID / FID of testA→B every `eval_freq` steps, the best generator kept.

Every `--eval_freq` steps, and at the run's last step, `ModelSelectionCallback` translates up to
`--eval_images` photos of testA (trainA when testA has no images; the log says so) with the
generator genA2B in inference mode and scores the translations against as many images of testB
(else trainB) with the functions of `tf_p2c.evaluation` (testB features are computed once):

- KID, the selection score (lower is better): unbiased, so it stays meaningful on the few hundred
  images a user holds out, where FID is biased upwards by the sample count.
- FID, reported beside it.

The run folder gets:

    eval/history.json   settings + one entry per evaluation (step, kid, kid_std, fid, seconds) + the best
    eval/history.csv    the same entries as a table
    eval/curve.svg      KID and FID against the step, the best step marked
    best/genA2B.keras   the generator of the best evaluation so far (as export/), with best/config.json
    best/best.json      step, kid, kid_std, fid, the sha256 of best/genA2B.keras and the settings

and TensorBoard gets `eval/kid`, `eval/kid_std` and `eval/fid`. Every file is written atomically,
best/ before the history, so a run killed in between resumes with a history that names the
generator best/ holds.

On `--resume` the history is read back (entries after the resumed step are dropped: those steps
run again) and best/ stays unless a later evaluation beats it. A history written with other
settings (feature model or its weights file, image size, split, image counts) is not comparable
(the folders' location is not compared: a dataset moved between machines continues): it is kept as
`history.before-<step>.json`, and the new history starts empty.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import sys
import time
from collections.abc import Callable

import numpy as np

from tf_p2c.atomic_write import write_bytes
from tf_p2c.evaluation.evaluate import compiled_forward, extract_features, load_test_images, translate
from tf_p2c.evaluation.fid import frechet_inception_distance
from tf_p2c.evaluation.kid import DEFAULT_SUBSET_SIZE, DEFAULT_SUBSETS, kernel_inception_distance
from tf_p2c.training.callbacks import Callback
from tf_p2c.training.curve_svg import render_curves

__all__ = ["ModelSelectionCallback", "ModelSelectionError", "build_model_selection"]

EVAL_DIR, BEST_DIR = "eval", "best"
HISTORY_JSON, HISTORY_CSV, CURVE_SVG, BEST_JSON = "history.json", "history.csv", "curve.svg", "best.json"
MAX_HISTORY_BYTES = 1 << 20  # a history of 10,000 evaluations is under 1 MB
BATCH_SIZE = 16  # images per generator / feature extractor call
KID_SEED = 0
# What makes two histories comparable; a resume with any of these changed starts a new one.
SETTINGS_KEYS = ("feature_model", "feature_weights_sha256", "img_size", "split_a", "split_b", "n_a", "n_b")
CSV_COLUMNS = ("step", "kid", "kid_std", "fid", "seconds")


class ModelSelectionError(ValueError):
    """Evaluation that cannot start (no images, bad feature weights); the message is one line."""


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _eval_folder(config, test: str, train: str, log) -> str:
    from tf_p2c.image_io import list_images

    folder = config.data_dir(test)
    if os.path.isdir(folder) and list_images(folder):
        return folder
    fallback = config.data_dir(train)
    log(f"model selection: {folder} holds no images; scoring {fallback} instead (the training images: "
        "the scores then show fit, not generalisation)")
    return fallback


def _feature_extractor(name: str, weights_path):
    from tf_p2c.evaluation.inception import build_feature_extractor
    from tf_p2c.training.precision import float32_policy

    with float32_policy():  # the scores are computed in float32 under --mixed_precision too
        return build_feature_extractor(name, weights_path)


def build_model_selection(config, tensorboard=None, log: Callable[[str], None] | None = None) -> ModelSelectionCallback:
    """The callback for `config` (a `TrainConfig` with `eval_freq > 0`): loads the feature
    extractor and the evaluation images and computes the reference features, so that a missing
    weights file or image folder stops the run before its first step.

    Raises:
        ModelSelectionError: no usable images, or Inception weights that are missing or wrong.
    """
    log = log or _stderr
    try:
        extractor = _feature_extractor(config.eval_feature_model, config.inception_weights)
        test_a = _eval_folder(config, "testA", "trainA", log)
        test_b = _eval_folder(config, "testB", "trainB", log)
        images_a = load_test_images(test_a, config.model.img_size, limit=config.eval_images)
        images_b = load_test_images(test_b, config.model.img_size, limit=config.eval_images)
    except (FileNotFoundError, ValueError) as error:
        raise ModelSelectionError(f"--eval_freq: {str(error).splitlines()[0]}") from None
    features_b = extract_features(extractor, images_b, BATCH_SIZE)
    weights = config.inception_weights if config.eval_feature_model == "inception" else None
    settings = {"feature_model": config.eval_feature_model,
                "feature_weights_sha256": _sha256(weights) if weights else None, "img_size": config.model.img_size,
                "split_a": os.path.basename(test_a), "split_b": os.path.basename(test_b),
                "test_a": os.path.abspath(test_a), "test_b": os.path.abspath(test_b),
                "n_a": len(images_a), "n_b": len(images_b)}
    return ModelSelectionCallback(config, images_a, features_b, extractor, settings, tensorboard=tensorboard, log=log)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_json(path: str):
    """The JSON object in `path`; None when absent; ValueError (one line) when unreadable or too large."""
    if not os.path.exists(path):
        return None
    size = os.path.getsize(path)
    if size > MAX_HISTORY_BYTES:
        raise ValueError(f"{size} bytes, over the {MAX_HISTORY_BYTES} byte limit")
    try:
        with open(path, "rb") as handle:
            value = json.loads(handle.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"unreadable ({type(error).__name__})") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _valid_entry(entry) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("step"), int)
            and all(isinstance(entry.get(k), (int, float)) for k in ("kid", "fid")))


class ModelSelectionCallback(Callback):
    """Scores genA2B by KID / FID every `config.eval_freq` steps and keeps the best (see the module doc).

    Args:
        config: the run's `TrainConfig` (eval_freq, iteration, run_dir, run_eagerly).
        images_a: (N, H, W, 3) photos in [-1, 1] to translate.
        features_b: (M, D) features of the target-domain images.
        extractor: images in [-1, 1] -> features (`tf_p2c.evaluation.inception`).
        settings: what the scores depend on (`SETTINGS_KEYS`), stored in the history.
        tensorboard: optional `TensorBoardCallback` that receives the scores.
        log: one-line messages (stderr by default).

    Use `build_model_selection(config)` to make one from a config.
    """

    def __init__(self, config, images_a, features_b, extractor, settings: dict, tensorboard=None,
                 log: Callable[[str], None] | None = None):
        self.config = config
        self.images_a, self.features_b, self.extractor = images_a, features_b, extractor
        self.settings = dict(settings)
        self.tensorboard, self.log = tensorboard, log or _stderr
        self.eval_dir = os.path.join(config.run_dir, EVAL_DIR)
        self.best_dir = os.path.join(config.run_dir, BEST_DIR)
        size = min(DEFAULT_SUBSET_SIZE, len(images_a), len(features_b))
        # When each subset is a whole set, every draw gives the same value: one is enough.
        self.kid_subset_size = size
        self.kid_subsets = 1 if size == len(images_a) == len(features_b) else DEFAULT_SUBSETS
        self.history: list[dict] = []
        self.best: dict | None = None
        self.trainer = self.generator = self.forward = None

    # ---- resume -------------------------------------------------------------------------------

    def on_train_begin(self, trainer, start_step):
        self.trainer = trainer
        self.generator = trainer.networks["genA2B"]
        # One trace for every evaluation of the run; eager when the run is (tiny test runs).
        self.forward = None if self.config.run_eagerly else compiled_forward(self.generator)
        self.history, self.best = self._restore(start_step)

    def _restore(self, start_step: int):
        path = os.path.join(self.eval_dir, HISTORY_JSON)
        try:
            saved = _read_json(path)
        except ValueError as error:
            self._set_aside(path, start_step, f"{path}: {error}")
            return [], None
        changed = [k for k in SETTINGS_KEYS if saved is not None and saved.get(k) != self.settings[k]]
        if changed:
            self._set_aside(path, start_step, "model selection settings changed ("
                            + ", ".join(f"{k} {saved.get(k)!r} -> {self.settings[k]!r}" for k in changed) + ")")
            return [], None
        entries = [e for e in (saved or {}).get("history", []) if _valid_entry(e)]
        kept = sorted((e for e in entries if e["step"] <= start_step), key=lambda e: e["step"])
        if len(kept) < len(entries):
            self.log(f"model selection: dropped {len(entries) - len(kept)} evaluation(s) after step {start_step}, "
                     "which run again")
        best = self._held_best(start_step)
        if best is not None and all(e["step"] != best["step"] for e in kept):
            # Killed between writing best/ and the history: the entry is in best.json.
            kept = sorted([*kept, {k: best[k] for k in CSV_COLUMNS if k in best}], key=lambda e: e["step"])
        if kept:
            self.log(f"model selection: continuing the history of {len(kept)} evaluation(s)"
                     + (f"; best so far step {best['step']} (KID {best['kid']:.6g})" if best else ""))
        return kept, best

    def _held_best(self, start_step: int) -> dict | None:
        """best.json when it describes the generator best/ holds from a step not to be run again."""
        path = os.path.join(self.best_dir, BEST_JSON)
        try:
            best = _read_json(path)
        except ValueError as error:
            self.log(f"model selection: {path}: {error}; the next evaluation replaces best/")
            return None
        if best is None:
            return None
        model = os.path.join(self.best_dir, "genA2B.keras")
        if not _valid_entry(best) or not os.path.isfile(model) or best.get("sha256") != _sha256(model):
            self.log(f"model selection: {path} does not match {model}; the next evaluation replaces best/")
            return None
        if any(best.get(k) != self.settings[k] for k in SETTINGS_KEYS):
            self.log(f"model selection: {path} was scored with other settings; the next evaluation replaces best/")
            return None
        if best["step"] > start_step:
            self.log(f"model selection: best/ is from step {best['step']}, after the resumed step {start_step}; "
                     "the next evaluation replaces it")
            return None
        return best

    def _set_aside(self, path: str, start_step: int, why: str) -> None:
        old = os.path.join(self.eval_dir, f"history.before-{start_step}.json")
        os.replace(path, old)
        self.log(f"model selection: {why}; starting a new history (the old one is {old}); "
                 "the next evaluation replaces best/")

    # ---- evaluation ---------------------------------------------------------------------------

    def on_step_end(self, step, logs):
        if step % self.config.eval_freq == 0:
            self.evaluate(step)

    def on_train_end(self, step):
        # The schedule's last step is always scored; a run stopped early (Ctrl-C, max_steps) is not
        # held up: it continues with --resume.
        if step == self.config.iteration and not any(e["step"] == step for e in self.history):
            self.evaluate(step)

    def evaluate(self, step: int) -> dict:
        """Scores genA2B now, records it as `step`, and updates best/ when KID improves."""
        start = time.perf_counter()
        fakes = translate(self.generator, self.images_a, BATCH_SIZE, self.forward)
        features = extract_features(self.extractor, np.asarray(fakes, np.float32), BATCH_SIZE)
        fid = frechet_inception_distance(features, self.features_b)
        kid, kid_std = kernel_inception_distance(features, self.features_b, self.kid_subsets,
                                                 self.kid_subset_size, KID_SEED)
        entry = {"step": int(step), "kid": kid, "kid_std": kid_std, "fid": fid,
                 "seconds": round(time.perf_counter() - start, 3)}
        self.history = [e for e in self.history if e["step"] != step] + [entry]
        improved = self.best is None or (math.isfinite(kid) and kid < self.best["kid"])
        if improved:
            self._save_best(entry)
        self._write_history()
        if self.tensorboard is not None:
            self.tensorboard.scalars(step, {"eval/kid": kid, "eval/kid_std": kid_std, "eval/fid": fid})
        self.log(f"model selection: step {step}: KID {kid:.6g} ± {kid_std:.2g}, FID {fid:.4g}"
                 + (" (best so far, saved to best/)" if improved else f" (best: step {self.best['step']})"))
        return entry

    def _save_best(self, entry: dict) -> None:
        from tf_p2c.training.loop import export_generator  # loop imports this module

        path = export_generator(self.trainer, self.best_dir)
        self.best = {**entry, "sha256": _sha256(path), **{k: self.settings[k] for k in SETTINGS_KEYS}}
        write_bytes(os.path.join(self.best_dir, BEST_JSON), (json.dumps(self.best, indent=2) + "\n").encode())

    def _write_history(self) -> None:
        document = {**self.settings, "kid_subsets": self.kid_subsets, "kid_subset_size": self.kid_subset_size,
                    "kid_seed": KID_SEED, "history": self.history, "best": self.best}
        write_bytes(os.path.join(self.eval_dir, HISTORY_JSON), (json.dumps(document, indent=2) + "\n").encode())
        table = io.StringIO()
        writer = csv.DictWriter(table, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.history)
        write_bytes(os.path.join(self.eval_dir, HISTORY_CSV), table.getvalue().encode())
        steps = [e["step"] for e in self.history]
        svg = render_curves(steps, {"KID (lower is better)": [e["kid"] for e in self.history],
                                    "FID": [e["fid"] for e in self.history]},
                            best_step=self.best["step"] if self.best else None,
                            title=f"{self.config.dataset}: {self.settings['split_a']}→{self.settings['split_b']}, "
                                  f"{self.settings['feature_model']} features")
        write_bytes(os.path.join(self.eval_dir, CURVE_SVG), svg.encode("utf-8"))
