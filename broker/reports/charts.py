"""Server-rendered SVG charts for the report pages. Pure: data in, a ``Chart`` out.

No JavaScript, no style attributes (the CSP forbids them): colours are presentation
attributes. Every chart carries a <title> and a <desc> (its text alternative, also shown on
the page) and the same numbers as a table with human headings, so it is never the only way
to read them. Suppressed figures (``metrics.SUPPRESSED``) are drawn as a labelled gap.

Layout rules the chart test checks (tests/reports/test_charts.py): the legend lists exactly
the series drawn, each in its colour (every drawn mark and legend entry carries
``data-series``); no two text labels overlap and none leaves the view box. Text widths are
estimated at 0.62 × the font size per character, wider than the sans-serif fonts pages use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from broker.reports.metrics import SUPPRESSED

COLOURS = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037", "#7a869a")
W = 640
PAD = 10
CHAR = 0.62  # estimated width of a character, in units of the font size


@dataclass
class Chart:
    title: str
    svg: str
    summary: str
    headers: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)


def text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR


def _num(v) -> float | None:
    return None if v is None or v == SUPPRESSED or isinstance(v, bool) else float(v)


def fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}".rstrip("0").rstrip(".")


def _text(x, y, s: str, size=12, anchor="start", colour="currentColor") -> str:
    a = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{a} fill="{colour}">{escape(s)}</text>'


def legend(entries: list[tuple[str, str]], y0: float = 6) -> tuple[str, float]:
    """Legend entries (name, colour), wrapped onto rows; returns (svg, its height)."""
    out, x, y = "", PAD, y0
    for name, colour in entries:
        w = 18 + text_width(name, 12) + 16
        if x > PAD and x + w > W - PAD:
            x, y = PAD, y + 18
        out += (f'<g class="legend-item" data-series="{escape(name)}"><rect x="{x:.1f}" y="{y:.1f}" width="12" '
                f'height="12" fill="{colour}"/>{_text(x + 18, y + 10, name)}</g>')
        x += w
    return out, (y + 18 - y0 + 8) if entries else 0


def _frame(title: str, summary: str, h: float, body: str) -> str:
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {W} {h:.0f}" width="100%" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(summary)}</desc>'
            f'{body}</svg>')


def empty(title: str, message: str = "No data for this period") -> Chart:
    return Chart(title, _frame(title, message, 40, _text(PAD, 26, message, 13)), message)


def grouped_bars(title: str, categories: list[str], series: list[tuple[str, list]], unit: str = "",
                 category_heading: str = "Category") -> Chart:
    """Horizontal bars: one group per category (its name above it), one bar per series."""
    if not categories:
        return empty(title)
    colours = {name: COLOURS[i % len(COLOURS)] for i, (name, _) in enumerate(series)}
    leg, y = legend(list(colours.items()))
    values = [_num(v) for _, vals in series for v in vals]
    top = max([v for v in values if v is not None] or [0]) or 1
    right = max([text_width(fmt(v) + unit, 11) for v in values if v is not None] or [0]) + 8
    bar_h, span = 16, W - 2 * PAD - right
    body, drawn = leg, set()
    for ci, cat in enumerate(categories):
        y += 16
        body += _text(PAD, y, cat, 12)
        y += 6
        for name, vals in series:
            v = _num(vals[ci])
            if v is None:
                body += _text(PAD, y + 12, f"{name}: suppressed (fewer than k principals)", 11)
            else:
                w = span * v / top
                drawn.add(name)
                body += (f'<rect data-series="{escape(name)}" x="{PAD}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 3}" '
                         f'fill="{colours[name]}"><title>{escape(cat)} — {escape(name)}: {fmt(v)}{escape(unit)}</title></rect>'
                         + _text(PAD + w + 4, y + 11, f"{fmt(v)}{unit}", 11))
            y += bar_h
        y += 6
    if drawn != set(colours):  # a series with nothing drawn is not in the legend
        leg2, _ = legend([(n, c) for n, c in colours.items() if n in drawn])
        body = body.replace(leg, leg2, 1)
    summary = "; ".join(f"{cat}: " + ", ".join(f"{name} {fmt(v) + unit if (v := _num(vals[i])) is not None else 'suppressed'}"
                                              for name, vals in series) for i, cat in enumerate(categories))
    rows = [[cat] + [vals[i] for _, vals in series] for i, cat in enumerate(categories)]
    return Chart(title, _frame(title, summary, y + PAD, body), summary,
                 [category_heading] + [f"{n.capitalize()}{f' ({unit.strip()})' if unit else ''}" for n, _ in series], rows)


def ranges(title: str, rows: list[tuple[str, float, float, float]], unit: str = "") -> Chart:
    """One bar per row from its lowest to its highest value with a mark at the median: the
    row's name on the line above, its figures on the line below, on one scale from 0."""
    if not rows:
        return empty(title)
    series = [("lowest to highest", COLOURS[7]), ("median", COLOURS[0])]
    body, y = legend(series)
    top = max(r[3] for r in rows) * 1.05 or 1
    span = W - 2 * PAD

    def x(v):
        return PAD + span * v / top

    for label, lo, mid, hi in rows:
        y += 16
        body += _text(PAD, y, label, 12)
        y += 12
        body += (f'<line data-series="lowest to highest" x1="{x(lo):.1f}" x2="{max(x(hi), x(lo) + 2):.1f}" y1="{y:.1f}" '
                 f'y2="{y:.1f}" stroke="{series[0][1]}" stroke-width="8"/>'
                 f'<circle data-series="median" cx="{x(mid):.1f}" cy="{y:.1f}" r="6" fill="{series[1][1]}">'
                 f'<title>{escape(label)}: median {fmt(mid)}{escape(unit)}</title></circle>')
        y += 22
        body += _text(PAD, y, f"lowest {fmt(lo)} · median {fmt(mid)} · highest {fmt(hi)}{unit}", 11)
        y += 6
    summary = "; ".join(f"{label}: lowest {fmt(lo)}, median {fmt(mid)}, highest {fmt(hi)}{unit}"
                        for label, lo, mid, hi in rows)
    u = f" ({unit.strip()})" if unit else ""
    return Chart(title, _frame(title, summary, y + PAD, body), summary,
                 ["Market", f"Lowest{u}", f"Median{u}", f"Highest{u}"], [list(r) for r in rows])


def _x_labels(xs: list[str], px) -> list[tuple[int, str]]:
    """Period labels under the axis, every n-th one so that none overlaps the next; the first
    starts at its point and the last ends at its point, so neither is clipped."""
    widest = max(text_width(s, 11) for s in xs) + 8
    step = 1
    while step < len(xs) and (px(step) - px(0)) < widest:
        step += 1
    keep = list(range(0, len(xs), step))
    if keep[-1] != len(xs) - 1:
        if len(keep) > 1 and px(len(xs) - 1) - px(keep[-1]) < widest:
            keep.pop()
        keep.append(len(xs) - 1)
    last = len(xs) - 1
    return [(i, "start" if i == 0 and last else "end" if i == last and last else "middle") for i in keep]


def lines(title: str, xs: list[str], series: list[tuple[str, list]], y_max: float | None = None,
          threshold: tuple[float, str] | None = None, unit: str = "") -> Chart:
    """Values over periods, one line per series; an optional dashed threshold line."""
    drawn = [(name, vals) for name, vals in series if any(_num(v) is not None for v in vals)]
    if not xs or not drawn:
        return empty(title)
    colours = {name: COLOURS[i % len(COLOURS)] for i, (name, _) in enumerate(drawn)}
    body, top_pad = legend(list(colours.items()))
    top_pad += 12
    vals = [_num(v) for _, s in drawn for v in s]
    top = y_max or max([v for v in vals if v is not None] or [1]) or 1
    left, right, plot_h = 50, PAD + 4, 160
    h = top_pad + plot_h + 30

    def px(i):
        return left + (W - left - right) * (i / max(1, len(xs) - 1)) if len(xs) > 1 else (left + W - right) / 2

    def py(v):
        return top_pad + plot_h - plot_h * v / top

    body += (f'<line x1="{left}" x2="{W - right}" y1="{py(0):.1f}" y2="{py(0):.1f}" stroke="currentColor" stroke-opacity=".4"/>'
             + _text(left - 6, py(top) + 4, fmt(top), 11, "end") + _text(left - 6, py(0) + 4, "0", 11, "end"))
    if threshold and threshold[0] <= top:
        body += (f'<line x1="{left}" x2="{W - right}" y1="{py(threshold[0]):.1f}" y2="{py(threshold[0]):.1f}" '
                 f'stroke="{COLOURS[1]}" stroke-dasharray="4 4"/>'
                 + _text(W - right, py(threshold[0]) - 4, threshold[1], 11, "end", COLOURS[1]))
    for i, anchor in _x_labels(xs, px):
        body += _text(px(i), h - 8, xs[i], 11, anchor)
    for name, s in drawn:
        colour = colours[name]
        pts = [(px(i), py(v), v) for i, v in enumerate(_num(v) for v in s) if v is not None]
        if len(pts) > 1:
            body += (f'<polyline data-series="{escape(name)}" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b, _ in pts)}" '
                     f'fill="none" stroke="{colour}" stroke-width="2"/>')
        for a, b, v in pts:
            body += (f'<circle data-series="{escape(name)}" cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}">'
                     f'<title>{escape(name)}: {fmt(v)}{escape(unit)}</title></circle>')
    summary = "; ".join(f"{name}: " + ", ".join(f"{x} {fmt(v) if (v := _num(val)) is not None else 'no figure'}"
                                               for x, val in zip(xs, s)) for name, s in drawn)
    rows = [[x] + [s[i] for _, s in drawn] for i, x in enumerate(xs)]
    return Chart(title, _frame(title, summary, h, body), summary, ["Period"] + [n for n, _ in drawn], rows)
