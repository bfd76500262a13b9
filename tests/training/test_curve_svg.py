"""The SVG score plot: valid XML, one panel per series, lines broken at missing values, round ticks."""

import math
import xml.etree.ElementTree as ET

import pytest

from tf_p2c.training.curve_svg import nice_ticks, render_curves

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg):
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def _points(polyline):
    return [tuple(map(float, p.split(","))) for p in polyline.get("points").split()]


@pytest.mark.parametrize("low, high", [(0.0123, 0.0456), (1000, 20000), (-0.002, 0.003), (3.0, 3.0), (7.5, 2.5)])
def test_ticks_are_round_and_cover_the_range(low, high):
    ticks = nice_ticks(low, high)
    assert ticks[0] <= min(low, high) and ticks[-1] >= max(low, high)
    assert 2 <= len(ticks) <= 8
    steps = {round(b - a, 12) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    mantissa = steps.pop() / 10 ** math.floor(math.log10(ticks[1] - ticks[0]))
    assert round(mantissa, 9) in (1, 2, 5)


def test_non_finite_tick_range_is_an_error():
    with pytest.raises(ValueError, match="finite"):
        nice_ticks(0.0, float("nan"))


def test_one_panel_per_series_points_and_best_marker():
    steps = [100, 200, 300, 400]
    svg = render_curves(steps, {"KID": [0.03, 0.01, 0.02, 0.025], "FID": [50.0, 30.0, 35.0, 40.0]},
                        best_step=200, title="run <d> & co")
    root = _parse(svg)
    polylines = root.findall(f"{SVG}polyline")
    assert len(polylines) == 2 and all(len(_points(p)) == 4 for p in polylines)
    assert len(root.findall(f"{SVG}circle")) == 8
    dashed = [line for line in root.findall(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 2  # the best step, in each panel
    best_x = {line.get("x1") for line in dashed}
    assert best_x == {f"{_points(polylines[0])[1][0]:.1f}"}  # at step 200's point
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "run <d> & co" in texts and "KID" in texts and "FID" in texts
    # Lower values sit lower in the panel (SVG y grows downwards): 0.01, 0.02, 0.03 from the bottom.
    kid_y = [y for _, y in _points(polylines[0])]
    assert kid_y[1] > kid_y[2] > kid_y[0]


def test_non_finite_values_break_the_line():
    root = _parse(render_curves([1, 2, 3, 4, 5], {"KID": [0.1, 0.2, float("nan"), 0.3, None]}))
    assert [len(_points(p)) for p in root.findall(f"{SVG}polyline")] == [2, 1]
    assert len(root.findall(f"{SVG}circle")) == 3


@pytest.mark.parametrize("steps, values", [([5], [0.2]), ([1, 2], [0.5, 0.5]), ([], []), ([1, 2], [None, None])])
def test_degenerate_series_still_draw(steps, values):
    root = _parse(render_curves(steps, {"KID": values}))
    for circle in root.findall(f"{SVG}circle"):
        assert math.isfinite(float(circle.get("cx"))) and math.isfinite(float(circle.get("cy")))


def test_series_length_must_match_steps():
    with pytest.raises(ValueError, match="3 values for 2 steps"):
        render_curves([1, 2], {"KID": [0.1, 0.2, 0.3]})
