"""Provides the report's two plots as inline SVG, drawn by hand: over/under across the show, and a
histogram of send lateness in log-scale bins. Plain SVG elements and text, no script, no fonts fetched."""

from __future__ import annotations

import math
from html import escape

from showcall.report.fmt import duration, fit, micros, signed
from showcall.report.model import PROMISE_P99_US, ShowReport

W, H = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 20, 60


def _ticks(low: float, high: float, steps: tuple[float, ...], count: int = 5) -> list[float]:
    """Round tick values covering low..high, about `count` of them, spaced by the first of `steps` that fits."""
    raw = (high - low or 1.0) / count
    step = next((m for m in steps if m >= raw), None)
    if step is None:  # beyond the table: a 1-2-5 multiple of the largest step
        base = steps[-1]
        step = base * next(m for m in (1, 2, 5, 10, 20, 50, 100) if base * m >= raw)
    value = math.floor(low / step) * step
    ticks = []
    while value <= high:
        if value >= low:
            ticks.append(value)
        value += step
    return ticks


_S = 1_000_000_000
TIME_STEPS = tuple(
    m * _S for m in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
)
"""Tick spacings for time axes (ns): round numbers a caller reads at a glance, 10 ms to an hour."""


def over_under_svg(report: ShowReport) -> str:
    """Over/under in running time (y, + is behind the plan) at each segment's start and end, against the
    time since the show started (x); holds shaded. A short note instead when there is nothing to plot."""
    started = report.started_ns
    points: list[tuple[int, int]] = []
    marks: list[tuple[int, str]] = []
    for s in report.segments:
        if s.actual_start_ns is None or started is None or s.drift_start_ns is None:
            continue
        points.append((s.actual_start_ns - started, s.drift_start_ns))
        marks.append((s.actual_start_ns - started, s.title))
        if s.drift_end_ns is not None and s.actual_duration_ns is not None:
            points.append((s.actual_start_ns + s.actual_duration_ns - started, s.drift_end_ns))
    if started is None or len(points) < 2:
        return '<p class="note">No over/under to plot: the show file has no run of show with planned times.</p>'
    x_max = max(*(x for x, _ in points), 1)
    ys = [y for _, y in points] + [0]
    y_low: float = min(ys)
    y_high: float = max(ys)
    pad = (y_high - y_low) * 0.1 or 1_000_000_000
    y_low, y_high = y_low - pad, y_high + pad
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + plot_w * x / x_max

    def py(y: float) -> float:
        return TOP + plot_h * (y_high - y) / (y_high - y_low)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" class="plot">']
    out.append("<title>Over/under across the show, in running time</title>")
    for hold in report.holds:
        x0, x1 = px(max(hold.at_ns - started, 0)), px(min(hold.at_ns + hold.held_ns - started, x_max))
        out.append(f'<rect class="hold" x="{x0:.1f}" y="{TOP}" width="{max(x1 - x0, 1):.1f}" height="{plot_h}"/>')
    for tick in _ticks(y_low, y_high, TIME_STEPS):
        y = py(tick)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{signed(int(tick))}</text>')
    for tick in _ticks(0, x_max, TIME_STEPS):
        x = px(tick)
        out.append(
            f'<text class="tick" x="{x:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{duration(int(tick))}</text>'
        )
    zero = py(0)
    out.append(f'<line class="zero" x1="{LEFT}" x2="{W - RIGHT}" y1="{zero:.1f}" y2="{zero:.1f}"/>')
    labelled = -100.0
    for x, title in marks:
        out.append(
            f'<line class="seg" x1="{px(x):.1f}" x2="{px(x):.1f}" y1="{TOP}" y2="{H - BOTTOM}">'
            f"<title>{escape(title)}</title></line>"
        )
        if px(x) - labelled >= 14:  # a label per segment, unless it would overprint the one before
            labelled = px(x)
            out.append(
                f'<text class="seglabel" transform="translate({px(x) + 3:.1f},{TOP + 4}) rotate(90)">'
                f"{escape(fit(title, 24))}</text>"
            )
    path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
    out.append(f'<polyline class="line" points="{path}"/>')
    for x, y in points:
        kind = "over" if y > 0 else "under"
        out.append(
            f'<circle class="{kind}" cx="{px(x):.1f}" cy="{py(y):.1f}" r="3"><title>{signed(y)}</title></circle>'
        )
    out.append(
        f'<text class="axis" x="{LEFT + plot_w / 2:.0f}" y="{H - 12}" text-anchor="middle">'
        "time since the show started</text>"
    )
    mid = TOP + plot_h / 2
    out.append(
        f'<text class="axis" x="14" y="{mid:.0f}" transform="rotate(-90 14 {mid:.0f})" text-anchor="middle">'
        "over (+) / under (−)</text>"
    )
    out.append("</svg>")
    return "\n".join(out)


def histogram_svg(report: ShowReport) -> str:
    """Every send's lateness in 1-2-5 bins (log scale on x), with each bin's count written above its bar."""
    bins = report.timing.histogram
    if report.timing.late is None or not bins:
        return '<p class="note">No sends in this run: no lateness to plot.</p>'
    plot_w, plot_h = W - LEFT - RIGHT - 50, H - TOP - BOTTOM  # 50: room for the last bin's slanted label
    top = max(n for _, _, n in bins) or 1
    slot = plot_w / len(bins)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" class="plot">']
    out.append("<title>How late the sends left: a histogram in log-scale bins</title>")
    out.append(f'<line class="zero" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>')
    for index, (low, high, count) in enumerate(bins):
        x = LEFT + index * slot
        height = plot_h * count / top
        kind = "bar late" if low >= PROMISE_P99_US else "bar"
        label = f"{micros(low)}–{micros(high)}" if low else f"&lt;{micros(high)}"
        out.append(
            f'<rect class="{kind}" x="{x + 2:.1f}" y="{TOP + plot_h - height:.1f}" width="{slot - 4:.1f}" '
            f'height="{max(height, 0.5 if count else 0):.1f}"><title>{label}: {count} sends</title></rect>'
        )
        if count:
            out.append(
                f'<text class="count" x="{x + slot / 2:.1f}" y="{TOP + plot_h - height - 4:.1f}" '
                f'text-anchor="middle">{count}</text>'
            )
        out.append(
            f'<text class="tick" transform="translate({x + slot / 2 + 4:.1f},{TOP + plot_h + 8}) rotate(45)">'
            f"{label}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)
