"""Provides the report as text for the terminal: 80 columns, long tables summarised.

The cue table shows the 10 cues that fired last and every cue with a problem; `--all` lists every cue.
"""

from __future__ import annotations

import textwrap

from showcall.report.fmt import clock, date_time, duration, fit, micros, over_under, signed, time_of_day
from showcall.report.model import PROMISE_P99_US, CueReport, ShowReport

WIDTH = 80
LATEST = 10
SOURCES = ("operator", "auto", "follow", "after", "at", "timecode", "control")


def render_text(report: ShowReport, *, all_cues: bool = False) -> str:
    """The whole report, lines of at most 80 columns."""
    out: list[str] = []
    out.append(fit(report.title or "(untitled show)", WIDTH))
    out.append(fit(f"run {report.run} of {report.runs} in {report.log}", WIDTH))
    ended = f"ended: {report.ended}" if report.ended else "no end logged (crashed, killed or still running)"
    resumed = f", resumed {report.resumed}x after a crash" if report.resumed else ""
    out.append(f"loaded {date_time(report.loaded_ns)}{resumed}; {ended}")
    out.append(fit(f"show file: {report.show_path}", WIDTH))
    if report.plan_from:
        out.append(fit(f"measured against {report.plan_from}", WIDTH))
    if report.rehearsal_speed is not None:
        out.extend(_wrap(rehearsal_clock(report), ""))
    if report.outline_note:
        out.extend(_wrap(f"{report.outline_note}: the report says what the log alone tells (no segments)", "  "))
    out.append("")
    out.extend(_show(report))
    if report.segments:
        out.append("")
        out.extend(_segments(report))
    out.append("")
    out.extend(_cues(report, all_cues))
    for title, lines in (("HOLDS", _holds(report)), ("DEVICE OUTAGES", _outages(report)), ("ERRORS", _errors(report))):
        if lines:
            out.append("")
            out.append(title)
            out.extend(lines)
    return "\n".join(line.rstrip() for line in out) + "\n"


def rehearsal_clock(report: ShowReport) -> str:
    """What a rehearsal clock means for the figures, in words."""
    speed = f" at {report.rehearsal_speed}x speed" if report.rehearsal_speed != 1 else ""
    return (
        f"on a rehearsal clock{speed}: times of day are the show clock's and lengths are show time; holds, "
        "GO-to-wire and lateness are real time" + (f" ({report.clock_note})" if report.clock_note else "")
    )


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ") or [indent]


def _field(label: str, text: str) -> list[str]:
    lines = textwrap.wrap(text, WIDTH - 14) or [""]
    return [f"  {label:<11} {lines[0]}", *(f"  {'':<11} {rest}" for rest in lines[1:])]


def _show(report: ShowReport) -> list[str]:
    out = ["THE SHOW"]
    if report.started_ns is None:
        out.extend(_field("Started", "no cue fired"))
    else:
        text = clock(report.started_ns)
        if report.planned_start_tod_ns is not None and report.late_start_ns is not None:
            late = report.late_start_ns
            words = "on time" if late == 0 else f"{duration(late)} {'late' if late > 0 else 'early'}"
            text += f", planned {time_of_day(report.planned_start_tod_ns)}: {words}"
        out.extend(_field("Started", text))
    if report.run_length_ns is not None:
        text = duration(report.run_length_ns)
        if report.planned_length_ns is not None:
            text += f" against {duration(report.planned_length_ns)} planned"
        if report.drift_ns is not None:
            text += f": {over_under(report.drift_ns)} in running time"
        out.extend(_field("Ran", text))
    if report.over_ns is not None and report.late_start_ns:
        out.extend(_field("Over/under", f"{over_under(report.over_ns)} against the planned times of day"))
    fired = report.fired
    planned = [c for c in report.cues if c.planned]
    sources: dict[str, int] = {}
    for cue in report.cues:
        for source, count in cue.sources.items():
            sources[source] = sources.get(source, 0) + count
    order = [s for s in SOURCES if s in sources] + sorted(set(sources) - set(SOURCES))
    by = ", ".join(f"{sources[s]} {s}" for s in order)
    of = f" of {len(planned)}" if planned else ""
    gos = sum(sources.values())
    again = f" ({gos} GOs)" if gos != len(fired) else ""
    out.extend(_field("Cues", f"{len(fired)}{of} fired{again}" + (f": {by}" if by else "")))
    failed = sum(len(c.failed_sends) for c in report.cues)
    out.extend(_field("Sends", f"{sum(c.sends for c in report.cues)} sent, {failed} failed"))
    held = sum(h.held_ns for h in report.holds)
    out.extend(_field("Holds", f"{len(report.holds)}, {duration(held)} in all" if report.holds else "none"))
    extra = [f"{len(report.panics)} panic{'s' * (len(report.panics) != 1)}"] if report.panics else []
    extra += [f"{report.resets} reset{'s' * (report.resets != 1)}"] if report.resets else []
    if extra:
        out.extend(_field("Also", ", ".join(extra)))
    outages = len(report.outages)
    out.extend(_field("Outages", f"{outages} (below)" if outages else "none"))
    timing = report.timing
    cores = "; ".join(
        f"{c.mode}, {c.priority}"
        + (" (real-time)" if c.realtime else " (not real-time)")
        + (f": {'; '.join(c.notes)}" if c.notes else "")
        for c in timing.cores
    )
    lateness = timing.late
    figures = "no sends"
    if lateness is not None:
        figures = (
            f"{lateness.n} sends late p50 {micros(lateness.p50)}, p99 {micros(lateness.p99)}, "
            f"p99.9 {micros(lateness.p999)}, max {micros(lateness.max)}; {timing.over_promise} over "
            f"{micros(PROMISE_P99_US)}" + (f"; {timing.early} EARLY" if timing.early else "")
        )
    out.extend(_field("Timing", f"{cores or 'no timing event logged'}. {figures}"))
    return out


def _segments(report: ShowReport) -> list[str]:
    out = [
        "SEGMENTS (OVER: actual length against planned, + over, - under)",
        f"  {'SEGMENT':<16} {'PLANNED':<8} {'ACTUAL':<8} {'LENGTH':>7} {'ACTUAL':>7} {'OVER':>9} {'HOLDS':<7} LONGEST",
    ]
    for s in report.segments:
        planned = time_of_day(s.planned_tod_ns) if s.planned_tod_ns is not None else "-"
        actual = clock(s.actual_start_ns) if s.actual_start_ns is not None else "not run"
        length = duration(s.planned_duration_ns) if s.planned_duration_ns is not None else "-"
        took = duration(s.actual_duration_ns) if s.actual_duration_ns is not None else "-"
        over = signed(s.over_ns) if s.over_ns is not None else "-"
        holds = f"{s.holds} {duration(s.held_ns)}" if s.holds else "-"
        longest = s.longest[0] if s.longest else "-"
        out.append(
            f"  {fit(s.title, 16):<16} {planned:<8} {actual:<8} {length:>7} {took:>7} {over:>9} "
            f"{fit(holds, 7):<7} {fit(longest, 8)}"
        )
    return out


def _fired_by(cue: CueReport) -> str:
    if not cue.sources:
        return "-"
    if len(cue.sources) == 1:
        source, count = next(iter(cue.sources.items()))
        return source if count == 1 else f"{count}x {source}"
    return f"{sum(cue.sources.values())}x mixed"


def _cues(report: ShowReport, all_cues: bool) -> list[str]:
    cues = report.cues
    if all_cues:
        shown = cues
        title = f"CUES (all {len(cues)})"
    else:
        latest = sorted(report.fired, key=lambda c: c.fires[-1][0])[-LATEST:]
        keep = {id(c) for c in latest} | {id(c) for c in cues if c.problems}
        shown = [c for c in cues if id(c) in keep]
        problems = sum(1 for c in cues if c.problems)
        title = f"CUES ({len(latest)} fired last and {problems} with a problem, of {len(cues)}; --all for every cue)"
    out = [
        fit(title, WIDTH),
        f"  {'CUE':<11} {'FIRED BY':<13} {'GO>WIRE':>7} {'SENT':>5} {'FAIL':>4} {'p50':>6} {'p99':>6} {'MAX':>6}",
    ]
    for cue in shown:
        late = cue.late
        wire = micros(cue.go_to_wire_us) if cue.go_to_wire_us is not None else "-"
        p50, p99, top = (micros(late.p50), micros(late.p99), micros(late.max)) if late else ("-", "-", "-")
        out.append(
            f"  {fit(cue.name, 11):<11} {fit(_fired_by(cue), 13):<13} {wire:>7} {cue.sends:>5} "
            f"{len(cue.failed_sends):>4} {p50:>6} {p99:>6} {top:>6}"
        )
        for problem in cue.problems:
            out.extend(_wrap(f"! {problem}", "    "))
    return out


def _holds(report: ShowReport) -> list[str]:
    out = []
    for hold in report.holds:
        where = next((s.title for s in report.segments if s.id == hold.segment), None)
        text = f"{clock(hold.at_ns)}  {duration(hold.held_ns)}" + ("" if hold.ended else " (still held at the end)")
        text += f" in {where}" if where else ""
        text += f": {hold.reason}" if hold.reason else ""
        out.extend(_wrap(text, "  "))
    return out


def _outages(report: ShowReport) -> list[str]:
    out = []
    for o in report.outages:
        until = clock(o.end_ns) if o.end_ns is not None else "the end"
        names = {c.id: c.name for c in report.cues}
        cues = ", ".join(names.get(c, c) for c in o.cues[:6]) + (", ..." if len(o.cues) > 6 else "")
        if o.reported:
            text = f"{o.device}: {o.status} {clock(o.start_ns)} to {until}" + (f": {o.detail}" if o.detail else "")
            text += f"; {_sends(o.failed_sends)} failed ({cues})" if o.failed_sends else "; no send failed"
        else:
            text = f"{o.device}: {_sends(o.failed_sends)} failed {clock(o.start_ns)} to {until} ({cues}): {o.detail}"
            text += " (no status change logged)"
        out.extend(_wrap(text, "  "))
    return out


def _sends(count: int) -> str:
    return f"{count} send{'s' * (count != 1)}"


def _errors(report: ShowReport) -> list[str]:
    out = []
    for at, cancelled in report.panics:
        out.extend(_wrap(f"{clock(at)}  panic: {len(cancelled)} cues cancelled {' '.join(cancelled)}", "  "))
    for at, message in report.errors:
        out.extend(_wrap(f"{clock(at)}  {message}", "  "))
    return out
