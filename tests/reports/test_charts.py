"""Every chart: its legend lists exactly the series drawn, in their colours; no two text
labels overlap and none leaves the view box; it has a text alternative and a table."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from broker.reports import charts
from tests.reports.helpers import publish_all

NS = "{http://www.w3.org/2000/svg}"


def _boxes(svg: ET.Element):
    for t in svg.iter(f"{NS}text"):
        size = float(t.get("font-size", 12))
        x, y, text = float(t.get("x")), float(t.get("y")), t.text or ""
        w = charts.text_width(text, size)
        left = {"start": x, "middle": x - w / 2, "end": x - w}[t.get("text-anchor", "start")]
        yield text, (left, y - 0.8 * size, left + w, y + 0.2 * size)


def check(chart: charts.Chart) -> None:
    svg = ET.fromstring(chart.svg)
    _, _, width, height = (float(v) for v in svg.get("viewBox").split())
    assert svg.find(f"{NS}title").text == chart.title and svg.find(f"{NS}desc").text == chart.summary
    assert chart.summary
    legend = {g.get("data-series"): g.find(f"{NS}rect").get("fill") for g in svg.iter(f"{NS}g")
              if g.get("class") == "legend-item"}
    drawn: dict[str, set[str]] = {}
    for el in svg.iter():
        if el.get("data-series") and el.get("class") != "legend-item":
            drawn.setdefault(el.get("data-series"), set()).add(el.get("fill") if el.get("fill") not in (None, "none") else el.get("stroke"))
    assert set(legend) == set(drawn), (chart.title, legend, drawn)
    for name, colours in drawn.items():
        assert colours == {legend[name]}, (chart.title, name, colours, legend[name])
    boxes = list(_boxes(svg))
    for text, (x0, y0, x1, y1) in boxes:
        assert x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height, (chart.title, text, (x0, y0, x1, y1))
    for i, (a, (ax0, ay0, ax1, ay1)) in enumerate(boxes):
        for b, (bx0, by0, bx1, by1) in boxes[i + 1:]:
            overlap = min(ax1, bx1) - max(ax0, bx0) > 0.5 and min(ay1, by1) - max(ay0, by0) > 0.5
            assert not overlap, (chart.title, a, b)
    if chart.rows:
        assert all(len(r) == len(chart.headers) for r in chart.rows)
        assert not any(re.fullmatch(r"[a-z_.]+", h) and "_" in h for h in chart.headers), chart.headers


TASKS = ["Annotation", "Data collection", "Model evaluation", "Domain-expert review", "Preference ranking (RLHF)",
         "Red-teaming"]


@pytest.mark.pure
def test_lines_legend_is_the_series_drawn_and_labels_fit():
    periods = [f"2026-W{w:02d}" for w in range(35, 49)]
    # Only three of six series have a figure: the legend names those three, in their colours.
    series = [(t, [None] * len(periods)) for t in TASKS[:3]] + [
        (t, [1000.0 * (i + 1) + w for w in range(len(periods))]) for i, t in enumerate(TASKS[3:])]
    chart = charts.lines("Concentration", periods, series, y_max=10000, threshold=(1800, "highly concentrated (1 800)"))
    check(chart)
    assert chart.headers == ["Period", "Domain-expert review", "Preference ranking (RLHF)", "Red-teaming"]
    assert "2026-W48" in chart.svg  # the last period label is drawn, whole
    check(charts.lines("One period", ["2026-W48"], [("a", [5.0])]))


@pytest.mark.pure
def test_bars_and_ranges_fit():
    check(charts.grouped_bars("Waits", ["small", "medium", "large", "unknown"],
                              [("median", [1.5, "suppressed", 30000.25, None]), ("p90", [2, 3, 4, 5])], " h"))
    check(charts.grouped_bars("Nothing drawn for one", ["a"], [("x", [1]), ("y", ["suppressed"])]))
    long = "Preference ranking (RLHF) with a very long market name, per comparison"
    check(charts.ranges("Prices", [(long, 0.9, 0.95, 1.0), ("Red-teaming, per hour", 20, 35, 60)], " USD"))
    check(charts.empty("Nothing"))


def test_every_chart_of_the_published_reports(app, client, scenario):
    publish_all(app)
    from broker import db
    from broker.reports import store
    from broker.web.reports import _charts
    with app.app_context():
        s = db.session()
        import json
        docs = [json.loads(r.document) for r in store.page(s, limit=50)]
        shown = [c for d in docs for c in _charts(s, d)]
    assert len(shown) >= 5
    for c in shown:
        check(c)
