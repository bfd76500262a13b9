"""A small SVG line plot of evaluation scores against the training step (no plotting library).

`render_curves(steps, {"KID": kids, "FID": fids}, best_step=...)` returns an SVG document with
one panel per series, stacked, sharing the step axis: each panel has its own value axis (KID and
FID differ by orders of magnitude), tick labels, the points joined by a line, and the best step
marked by a dashed vertical line. Non-finite values are left out (the line breaks there).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

__all__ = ["nice_ticks", "render_curves"]

WIDTH = 640
PANEL_HEIGHT = 220
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 72, 24, 28, 36
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round tick values (steps of 1, 2 or 5 × 10^k) covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"tick range must be finite. Received: low={low}, high={high}")
    if high < low:
        low, high = high, low
    if high == low:  # one value: a unit-wide range around it
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    # Integer multiples of the step (no accumulated round-off), from the last at or below `low`
    # to the first at or above `high`.
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [float(f"{i * step:.12g}") for i in range(first, last + 1)]  # 0.3, not 0.30000000000000004


def _label(value: float) -> str:
    if value == int(value) and abs(value) < 1e7:
        return str(int(value))  # steps: 200000, not 2e+05
    return f"{value:.4g}"


def _panel(name, color, steps, values, x_of, top, best_step) -> list[str]:
    height = PANEL_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    points = [(s, v) for s, v in zip(steps, values) if v is not None and math.isfinite(v)]
    out = [f'<text x="{left}" y="{top + MARGIN_TOP - 10}" font-weight="bold">{escape(name)}</text>',
           f'<rect x="{left}" y="{top + MARGIN_TOP}" width="{right - left}" height="{height}" '
           'fill="none" stroke="#888"/>']
    if not points:
        out.append(f'<text x="{(left + right) / 2}" y="{top + MARGIN_TOP + height / 2}" text-anchor="middle" '
                   'fill="#888">no finite values</text>')
        return out
    ticks = nice_ticks(min(v for _, v in points), max(v for _, v in points))
    low, high = ticks[0], ticks[-1]

    def y_of(value):
        return top + MARGIN_TOP + height * (1.0 - (value - low) / (high - low))

    for tick in ticks:
        y = y_of(tick)
        out.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_label(tick)}</text>')
    if best_step is not None:
        x = x_of(best_step)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + MARGIN_TOP}" y2="{top + MARGIN_TOP + height}" '
                   'stroke="#555" stroke-dasharray="4 3"/>')
    # Consecutive finite points form one polyline; a non-finite value starts a new one.
    runs, run = [], []
    for s, v in zip(steps, values):
        if v is not None and math.isfinite(v):
            run.append(f"{x_of(s):.1f},{y_of(v):.1f}")
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    for run in runs:
        out.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{color}" stroke-width="2"/>')
    for s, v in points:
        out.append(f'<circle cx="{x_of(s):.1f}" cy="{y_of(v):.1f}" r="3" fill="{color}">'
                   f'<title>step {s}: {escape(name)} {_label(v)}</title></circle>')
    return out


def render_curves(steps: Sequence[int], series: Mapping[str, Sequence[float | None]], best_step: int | None = None,
                  title: str = "") -> str:
    """An SVG document: one panel per entry of `series` (values at `steps`), stacked.

    Args:
        steps: the training steps, increasing.
        series: name -> values, one per step (None or non-finite: no point).
        best_step: marked with a dashed line in every panel, when given.
        title: a line above the panels.
    """
    steps = list(steps)
    for name, values in series.items():
        if len(values) != len(steps):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(steps)} steps")
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    if steps:
        x_ticks = nice_ticks(min(steps), max(steps), 6)
        x_low, x_high = x_ticks[0], x_ticks[-1]
    else:
        x_ticks, x_low, x_high = [], 0.0, 1.0

    def x_of(step):
        return left + (right - left) * (step - x_low) / (x_high - x_low)

    head = 24 if title else 0
    height = head + PANEL_HEIGHT * max(len(series), 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>']
    if title:
        out.append(f'<text x="{WIDTH / 2}" y="17" text-anchor="middle" font-size="14">{escape(title)}</text>')
    for index, (name, values) in enumerate(series.items()):
        top = head + index * PANEL_HEIGHT
        out += _panel(name, COLORS[index % len(COLORS)], steps, list(values), x_of, top, best_step)
        axis_y = top + PANEL_HEIGHT - MARGIN_BOTTOM
        for tick in x_ticks:
            x = x_of(tick)
            out.append(f'<text x="{x:.1f}" y="{axis_y + 15}" text-anchor="middle">{_label(tick)}</text>')
        out.append(f'<text x="{(left + right) / 2}" y="{axis_y + 30}" text-anchor="middle" fill="#555">step</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
