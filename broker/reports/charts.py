"""Server-rendered SVG charts for the report pages. Pure: data in, SVG text out.

No JavaScript, no style attributes (the CSP forbids them): colours are presentation
attributes. Every chart has a <title> and an aria-label, and each page shows the same
numbers as a table beside it, so the chart is never the only way to read them.
Suppressed figures (``metrics.SUPPRESSED``) are drawn as a labelled gap, never as a bar.
"""
from __future__ import annotations

from html import escape

from broker.reports.metrics import SUPPRESSED

COLOURS = ("#7a869a", "#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00")
W = 640


def _num(v) -> float | None:
    return None if v is None or v == SUPPRESSED or isinstance(v, bool) else float(v)


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}".rstrip("0").rstrip(".")


def _frame(title: str, h: int, body: str, legend: list[str] | None = None) -> str:
    label = escape(title)
    leg = ""
    for i, name in enumerate(legend or []):
        x = 10 + i * 150
        leg += (f'<rect x="{x}" y="6" width="12" height="12" fill="{COLOURS[i % len(COLOURS)]}"/>'
                f'<text x="{x + 18}" y="16" font-size="12" fill="currentColor">{escape(name)}</text>')
    return (f'<svg class="chart" role="img" aria-label="{label}" viewBox="0 0 {W} {h}" width="100%" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>{leg}{body}</svg>')


def empty(title: str, message: str = "No data for this period") -> str:
    return _frame(title, 40, f'<text x="10" y="26" font-size="13" fill="currentColor">{escape(message)}</text>')


def grouped_bars(title: str, categories: list[str], series: list[tuple[str, list]], unit: str = "") -> str:
    """Horizontal bars: one group per category, one bar per series (e.g. demand, allocated)."""
    if not categories:
        return empty(title)
    values = [_num(v) for _, vals in series for v in vals]
    top = max([v for v in values if v is not None] or [0]) or 1
    bar_h, gap, left, right = 14, 10, 120, 90
    group_h = bar_h * len(series) + gap
    h = 30 + group_h * len(categories)
    body = ""
    for ci, cat in enumerate(categories):
        y0 = 30 + ci * group_h
        body += (f'<text x="{left - 8}" y="{y0 + group_h / 2:.0f}" text-anchor="end" font-size="12" '
                 f'fill="currentColor">{escape(cat)}</text>')
        for si, (name, vals) in enumerate(series):
            y = y0 + si * bar_h
            v = _num(vals[ci])
            if v is None:
                body += (f'<text x="{left + 4}" y="{y + bar_h - 3}" font-size="11" fill="currentColor">'
                         f'{escape(name)}: suppressed</text>')
                continue
            w = (W - left - right) * v / top
            body += (f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" '
                     f'fill="{COLOURS[si % len(COLOURS)]}"><title>{escape(cat)} — {escape(name)}: '
                     f'{_fmt(v)}{escape(unit)}</title></rect>'
                     f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 3}" font-size="11" fill="currentColor">'
                     f'{_fmt(v)}{escape(unit)}</text>')
    return _frame(title, h, body, [name for name, _ in series])


def ranges(title: str, rows: list[tuple[str, float, float, float]], unit: str = "") -> str:
    """One line per row from min to max with a mark at the median (e.g. list price ranges)."""
    if not rows:
        return empty(title)
    top = max(r[3] for r in rows) or 1
    left, right, row_h = 200, 80, 26
    h = 34 + row_h * len(rows)

    def x(v):
        return left + (W - left - right) * v / top

    body = ""
    for i, (label, lo, mid, hi) in enumerate(rows):
        y = 40 + i * row_h
        body += (f'<text x="{left - 8}" y="{y + 4}" text-anchor="end" font-size="12" fill="currentColor">{escape(label)}</text>'
                 f'<line x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="{y}" y2="{y}" stroke="{COLOURS[0]}" stroke-width="6"/>'
                 f'<circle cx="{x(mid):.1f}" cy="{y}" r="6" fill="{COLOURS[1]}"><title>{escape(label)}: min {_fmt(lo)}, '
                 f'median {_fmt(mid)}, max {_fmt(hi)}{escape(unit)}</title></circle>'
                 f'<text x="{x(hi) + 8:.1f}" y="{y + 4}" font-size="11" fill="currentColor">{_fmt(lo)}–{_fmt(hi)}{escape(unit)}</text>')
    return _frame(title, h, body, ["min–max", "median"])


def lines(title: str, xs: list[str], series: list[tuple[str, list]], y_max: float | None = None,
          threshold: tuple[float, str] | None = None) -> str:
    """Values over periods, one line per series; an optional dashed threshold line."""
    if not xs or not series:
        return empty(title)
    vals = [_num(v) for _, s in series for v in s]
    top = y_max or max([v for v in vals if v is not None] or [1]) or 1
    left, right, top_pad, h = 60, 20, 30, 220
    plot_h = h - top_pad - 30

    def px(i):
        return left + (W - left - right) * (i / max(1, len(xs) - 1))

    def py(v):
        return top_pad + plot_h - plot_h * v / top

    body = (f'<line x1="{left}" x2="{W - right}" y1="{py(0):.1f}" y2="{py(0):.1f}" stroke="currentColor" stroke-opacity=".4"/>'
            f'<text x="{left - 6}" y="{py(top) + 4:.1f}" text-anchor="end" font-size="11" fill="currentColor">{_fmt(top)}</text>'
            f'<text x="{left - 6}" y="{py(0) + 4:.1f}" text-anchor="end" font-size="11" fill="currentColor">0</text>')
    if threshold and threshold[0] <= top:
        body += (f'<line x1="{left}" x2="{W - right}" y1="{py(threshold[0]):.1f}" y2="{py(threshold[0]):.1f}" '
                 f'stroke="{COLOURS[2]}" stroke-dasharray="4 4"/><text x="{W - right}" y="{py(threshold[0]) - 4:.1f}" '
                 f'text-anchor="end" font-size="11" fill="{COLOURS[2]}">{escape(threshold[1])}</text>')
    for i, label in enumerate(xs):
        body += f'<text x="{px(i):.1f}" y="{h - 8}" text-anchor="middle" font-size="11" fill="currentColor">{escape(label)}</text>'
    for si, (name, s) in enumerate(series):
        colour = COLOURS[(si + 1) % len(COLOURS)]
        pts = [(px(i), py(v)) for i, v in enumerate(_num(v) for v in s) if v is not None]
        if len(pts) > 1:
            body += (f'<polyline points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in pts)}" fill="none" '
                     f'stroke="{colour}" stroke-width="2"/>')
        for (a, b), v in zip(pts, [v for v in (_num(v) for v in s) if v is not None]):
            body += f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}"><title>{escape(name)}: {_fmt(v)}</title></circle>'
    return _frame(title, h, body, [name for name, _ in series][:4])
