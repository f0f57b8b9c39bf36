"""Server-rendered price-history chart: an inline SVG step line, no JavaScript. Pure.

Pages show the same history as a table next to it, so the chart is never the only way to
read the numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from broker.catalog.money import format_money

W, H = 560, 180
PAD_L, PAD_R, PAD_T, PAD_B = 78, 14, 14, 30


@dataclass(frozen=True)
class PricePoint:
    effective_from: datetime
    effective_to: datetime | None
    amount_minor: int


def price_history_svg(points: list[PricePoint], currency: str, now: datetime, title: str) -> str:
    """A step chart of ``points`` (one currency) from the first price up to ``now``."""
    label = escape(title)
    if not points:
        return (f'<svg class="chart" role="img" viewBox="0 0 {W} 40" width="{W}" height="40" '
                f'xmlns="http://www.w3.org/2000/svg"><title>{label}: no prices yet</title>'
                f'<text x="8" y="24" font-size="13">No prices yet</text></svg>')
    pts = sorted(points, key=lambda p: p.effective_from)
    t0 = pts[0].effective_from.timestamp()
    t1 = max(now.timestamp(), max(p.effective_from.timestamp() for p in pts) + 86400)
    lo = min(p.amount_minor for p in pts)
    hi = max(p.amount_minor for p in pts)
    # Start the axis at zero so a small change does not look like a large one.
    y_max = hi * 1.1 if hi > 0 else 1
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def x(t: float) -> float:
        return PAD_L + (t - t0) / (t1 - t0) * plot_w

    def y(v: int) -> float:
        return PAD_T + plot_h - v / y_max * plot_h

    path: list[str] = []
    for i, p in enumerate(pts):
        start = x(p.effective_from.timestamp())
        end_t = p.effective_to.timestamp() if p.effective_to else t1
        end = x(min(end_t, t1))
        yy = y(p.amount_minor)
        path.append(f"{'M' if i == 0 else 'L'}{start:.1f},{yy:.1f} L{end:.1f},{yy:.1f}")
    dots = "".join(
        f'<circle cx="{x(p.effective_from.timestamp()):.1f}" cy="{y(p.amount_minor):.1f}" r="3">'
        f'<title>{escape(format_money(p.amount_minor, currency))} from {p.effective_from:%Y-%m-%d %H:%M} UTC</title></circle>'
        for p in pts)
    axis_y = PAD_T + plot_h
    ticks = "".join(
        f'<text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">'
        f'{escape(format_money(v, currency))}</text>'
        f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="currentColor" stroke-opacity=".15"/>'
        for v in sorted({lo, hi}))
    return (
        f'<svg class="chart" role="img" aria-label="{label}" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
        f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{axis_y}" y2="{axis_y}" stroke="currentColor" stroke-opacity=".5"/>'
        f'{ticks}'
        f'<text x="{PAD_L}" y="{H - 8}" font-size="11">{pts[0].effective_from:%Y-%m-%d}</text>'
        f'<text x="{W - PAD_R}" y="{H - 8}" text-anchor="end" font-size="11">{now:%Y-%m-%d}</text>'
        f'<path d="{" ".join(path)}" fill="none" stroke="currentColor" stroke-width="2"/>'
        f'{dots}</svg>'
    )
