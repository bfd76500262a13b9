"""Numeric parity between runtimes: metrics and timing.

The runners are `tf_p2c.runtimes`' (shared with the cartoonizer). Every runner maps a float32 NHWC batch in [-1, 1] (N, S, S, 3) to the generated images as
float32 NHWC in [-1, 1] (N, S, S, 3), one image at a time for the batch-1 exported models,
so that all formats are compared on the same scale. The uint8 TFLite runner quantizes the
input the way an app would (`round((x + 1) * 127.5)`) and maps its uint8 output back with
`y / 127.5 - 1`.

Metrics take two arrays on the [-1, 1] scale. `psnr_db` uses the peak-to-peak range of that
scale (2.0), so it equals the PSNR of the same images mapped to [0, 255] with peak 255.
"""

from __future__ import annotations

import statistics
import time

import numpy as np


def max_abs_diff(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def mean_abs_diff(a, b) -> float:
    return float(np.mean(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def psnr_db(a, b, peak_to_peak: float = 2.0) -> float:
    """PSNR in dB of two images on the [-1, 1] scale (peak-to-peak 2; inf when identical)."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else float(10.0 * np.log10(peak_to_peak ** 2 / mse))


def compare(a, b) -> dict:
    """The three metrics as a dict (`max_abs_diff`, `mean_abs_diff`, `psnr_db`)."""
    return {"max_abs_diff": max_abs_diff(a, b), "mean_abs_diff": mean_abs_diff(a, b), "psnr_db": psnr_db(a, b)}


def median_latency_ms(run, image, repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time in ms of `run(image[None])` (one image)."""
    batch = np.asarray(image, np.float32)[None]
    for _ in range(warmup):
        run(batch)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(batch)
        times.append((time.perf_counter() - start) * 1000.0)
    return float(statistics.median(times))
