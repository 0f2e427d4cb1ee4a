"""Provides `showcall report --html OUT.html`: the report as ONE self-contained HTML file.

Inline CSS and inline SVG only: no script, no font, no image or style sheet fetched, so it opens
offline, from a mail attachment or a USB stick, and prints as it shows. Every cue is in it (the long
list folded in a <details>, which needs no script).
"""

from __future__ import annotations

from html import escape

from showcall.report.fmt import clock, date_time, duration, micros, over_under, signed, time_of_day
from showcall.report.model import PROMISE_P99_US, CueReport, ShowReport
from showcall.report.svg import histogram_svg, over_under_svg
from showcall.report.text import LATEST, rehearsal_clock

CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24}
body{margin:24px auto;max-width:980px;padding:0 12px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a;margin:0}
.warn{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px;border-radius:4px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa}
td.n,th.n{text-align:right}
.bad{color:#b3261e;font-weight:600}
.good{color:#1a7f37}
tr.problem td{background:#fff1f0}
ul.problems{margin:0;padding-left:18px;color:#b3261e}
svg.plot{width:100%;height:auto;background:#fff;border:1px solid #d0d7de;border-radius:4px}
svg .grid{stroke:#eaeef2}
svg .zero{stroke:#57606a;stroke-width:1.2}
svg .seg{stroke:#d0d7de;stroke-dasharray:4 3}
svg .line{fill:none;stroke:#0969da;stroke-width:2}
svg .over{fill:#b3261e}
svg .under{fill:#1a7f37}
svg .hold{fill:#fff1c1}
svg text{font:11px system-ui,sans-serif;fill:#57606a}
svg .seglabel{fill:#24292f}
svg .bar{fill:#0969da}
svg .bar.late{fill:#b3261e}
svg .count{fill:#24292f;font-weight:600}
.note{color:#57606a;font-style:italic}
details summary{cursor:pointer;margin:8px 0}
@media print{details{display:block}}
"""


def _e(text: object) -> str:
    return escape(str(text))


def render_html(report: ShowReport) -> str:
    """The whole report as one HTML document."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Show report: {_e(report.title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{_e(report.title or '(untitled show)')}</h1>",
        f'<p class="meta">Run {report.run} of {report.runs} in {_e(report.log)}, loaded '
        f"{date_time(report.loaded_ns)}; "
        + (f"ended: {_e(report.ended)}" if report.ended else "no end logged (crashed, killed or still running)")
        + (f"; resumed {report.resumed}× after a crash" if report.resumed else "")
        + f". Show file: {_e(report.show_path)}"
        + (f"; measured against {_e(report.plan_from)}" if report.plan_from else "")
        + ".</p>",
    ]
    if report.rehearsal_speed is not None:
        parts.append(f'<p class="meta">{_e(rehearsal_clock(report)[0].upper() + rehearsal_clock(report)[1:])}.</p>')
    for warning in [*report.warnings, *([report.outline_note] if report.outline_note else [])]:
        parts.append(f'<p class="warn">{_e(warning)}</p>')
    parts.append("<h2>The show</h2>")
    parts.append(_facts(report))
    parts.append("<h2>Over/under across the show</h2>")
    parts.append(
        '<p class="meta">Running time: how far the show was behind (+) or ahead of (−) its plan at each '
        "segment's start and end, counted from the moment it actually started. Holds are shaded.</p>"
    )
    parts.append(over_under_svg(report))
    if report.segments:
        parts.append("<h2>Segments</h2>")
        parts.append(_segments(report))
    parts.append("<h2>Send lateness</h2>")
    parts.append(
        f'<p class="meta">Every send of the run, by how long after its deadline it left (log-scale bins); '
        f"red bins lie wholly past the {micros(PROMISE_P99_US)} promise.</p>"
    )
    parts.append(histogram_svg(report))
    problems = [c for c in report.cues if c.problems]
    latest = sorted(report.fired, key=lambda c: c.fires[-1][0])[-LATEST:]
    parts.append(f"<h2>Cues with a problem ({len(problems)})</h2>")
    parts.append(_cue_table(problems) if problems else '<p class="good">None: every cue fired and sent cleanly.</p>')
    parts.append(f"<h2>The {len(latest)} cues fired last</h2>")
    parts.append(_cue_table(latest))
    parts.append(f"<details><summary>Every cue ({len(report.cues)})</summary>{_cue_table(report.cues)}</details>")
    if report.holds or report.outages or report.panics or report.errors:
        parts.append("<h2>Holds, outages and errors</h2>")
        parts.append(_events(report))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _facts(report: ShowReport) -> str:
    rows: list[tuple[str, str]] = []
    if report.started_ns is not None:
        text = clock(report.started_ns)
        if report.planned_start_tod_ns is not None and report.late_start_ns is not None:
            late = report.late_start_ns
            words = "on time" if late == 0 else f"{duration(late)} {'late' if late > 0 else 'early'}"
            text += f", planned {time_of_day(report.planned_start_tod_ns)}: {words}"
        rows.append(("Started", text))
    if report.run_length_ns is not None:
        text = duration(report.run_length_ns)
        if report.planned_length_ns is not None:
            text += f" against {duration(report.planned_length_ns)} planned"
        if report.drift_ns is not None:
            text += f": {over_under(report.drift_ns)} in running time"
        rows.append(("Ran", text))
    sources: dict[str, int] = {}
    for cue in report.cues:
        for source, count in cue.sources.items():
            sources[source] = sources.get(source, 0) + count
    planned = sum(1 for c in report.cues if c.planned)
    rows.append(
        (
            "Cues",
            f"{len(report.fired)}"
            + (f" of {planned}" if planned else "")
            + " fired"
            + (
                ": " + ", ".join(f"{n} {s}" for s, n in sorted(sources.items(), key=lambda i: -i[1])) if sources else ""
            ),
        )
    )
    failed = sum(len(c.failed_sends) for c in report.cues)
    rows.append(("Sends", f"{sum(c.sends for c in report.cues)} sent, {failed} failed"))
    held = sum(h.held_ns for h in report.holds)
    rows.append(("Holds", f"{len(report.holds)}, {duration(held)} in all" if report.holds else "none"))
    rows.append(("Outages", str(len(report.outages)) if report.outages else "none"))
    timing = report.timing
    for core in timing.cores:
        rt = "real-time" if core.realtime else "not real-time"
        notes = f" ({'; '.join(core.notes)})" if core.notes else ""
        rows.append(("Timing core", f"{core.mode}, {core.priority}, {rt}{notes}"))
    lateness = timing.late
    if lateness is not None:
        rows.append(
            (
                "Lateness",
                f"{lateness.n} sends: p50 {micros(lateness.p50)}, p99 {micros(lateness.p99)}, "
                f"p99.9 {micros(lateness.p999)}, max {micros(lateness.max)}; "
                f"{timing.over_promise} over {micros(PROMISE_P99_US)}"
                + (f"; {timing.early} early" if timing.early else ""),
            )
        )
    body = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return f'<dl class="facts">{body}</dl>'


def _segments(report: ShowReport) -> str:
    head = (
        "<tr><th>Segment</th><th>Planned</th><th>Actual</th><th class=n>Length</th><th class=n>Actual</th>"
        "<th class=n>Over/under</th><th class=n>Running</th><th>Holds</th><th>Longest cue</th></tr>"
    )
    rows = []
    for s in report.segments:
        over = signed(s.over_ns) if s.over_ns is not None else "–"
        cls = "bad" if (s.over_ns or 0) > 0 else "good"
        rows.append(
            "<tr>"
            f"<td>{_e(s.title)}</td>"
            f"<td>{time_of_day(s.planned_tod_ns) if s.planned_tod_ns is not None else '–'}</td>"
            f"<td>{clock(s.actual_start_ns) if s.actual_start_ns is not None else 'not run'}</td>"
            f"<td class=n>{duration(s.planned_duration_ns) if s.planned_duration_ns is not None else '–'}</td>"
            f"<td class=n>{duration(s.actual_duration_ns) if s.actual_duration_ns is not None else '–'}</td>"
            f'<td class="n {cls}">{over}</td>'
            f"<td class=n>{signed(s.drift_end_ns) if s.drift_end_ns is not None else '–'}</td>"
            f"<td>{f'{s.holds}, {duration(s.held_ns)}' if s.holds else '–'}</td>"
            f"<td>{_e(f'{s.longest[0]} ({duration(s.longest[1])})') if s.longest else '–'}</td>"
            "</tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _cue_table(cues: list[CueReport]) -> str:
    head = (
        "<tr><th>Cue</th><th>Label</th><th>Segment</th><th>Fired by</th><th class=n>GO→wire</th>"
        "<th class=n>Sent</th><th class=n>Failed</th><th class=n>p50</th><th class=n>p99</th><th class=n>Max</th></tr>"
    )
    rows = []
    for c in cues:
        late = c.late
        by = ", ".join(f"{s}" if n == 1 else f"{n}× {s}" for s, n in c.sources.items()) or "–"
        cells = (
            f"<td>{_e(c.name)}</td><td>{_e(c.label)}</td><td>{_e(c.segment or '')}</td><td>{_e(by)}</td>"
            f"<td class=n>{micros(c.go_to_wire_us) if c.go_to_wire_us is not None else '–'}</td>"
            f"<td class=n>{c.sends}</td><td class=n>{len(c.failed_sends)}</td>"
            + "".join(
                f"<td class=n>{micros(v)}</td>" if late else "<td class=n>–</td>"
                for v in ((late.p50, late.p99, late.max) if late else (0, 0, 0))
            )
        )
        problems = c.problems
        if problems:
            items = "".join(f"<li>{_e(p)}</li>" for p in problems)
            rows.append(
                f'<tr class="problem">{cells}</tr><tr class="problem"><td></td><td colspan=9>'
                f'<ul class="problems">{items}</ul></td></tr>'
            )
        else:
            rows.append(f"<tr>{cells}</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _events(report: ShowReport) -> str:
    items: list[tuple[int, str]] = []
    for h in report.holds:
        items.append(
            (
                h.at_ns,
                f"Hold for {duration(h.held_ns)}"
                + ("" if h.ended else " (still held at the end)")
                + (f": {h.reason}" if h.reason else ""),
            )
        )
    names = {c.id: c.name for c in report.cues}
    for o in report.outages:
        until = clock(o.end_ns) if o.end_ns is not None else "the end"
        cues = ", ".join(names.get(c, c) for c in o.cues)
        what = o.status if o.reported else "sends failed (no status change logged)"
        items.append(
            (
                o.start_ns,
                f"{o.device} {what} until {until}: {o.detail}"
                + (f"; {o.failed_sends} sends failed ({cues})" if o.failed_sends else ""),
            )
        )
    for at, cancelled in report.panics:
        items.append((at, f"Panic: {len(cancelled)} cues cancelled {' '.join(cancelled)}"))
    for at, message in report.errors:
        items.append((at, message))
    rows = "".join(f"<tr><td>{clock(at)}</td><td>{_e(text)}</td></tr>" for at, text in sorted(items))
    return f"<table><tr><th>When</th><th>What</th></tr>{rows}</table>"
