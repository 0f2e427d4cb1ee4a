"""Provides `build_report`: one run's events folded into a `ShowReport`, measured against the show file's plan.

Each event the report uses is checked as it is read: a known event without a field the report needs, or
with one of the wrong type, is an error naming its line. Unknown event kinds and unknown fields are ignored.
"""

from __future__ import annotations

import bisect
import time
from typing import Any

from showcall.model.times import DAY_NS, NS_PER_S, show_relative
from showcall.report.logfile import Line, LogReadError, Run
from showcall.report.model import (
    LATE_PROBLEM_US,
    PROMISE_P99_US,
    CueReport,
    FailedSend,
    HoldReport,
    Outage,
    Refusal,
    SegmentReport,
    ShowReport,
    TimingCore,
    TimingReport,
)
from showcall.report.outline import ShowOutline
from showcall.stats import Summary, summarize

_INT = (int,)
_NUM = (int, float)
_STR = (str,)


class _Fields:
    """Checked access to one event's fields; the error names the log line."""

    def __init__(self, log: str) -> None:
        self.log = log

    def get(self, line: Line, name: str, types: tuple[type, ...], default: Any = ...) -> Any:
        value = line.event.get(name, default)
        if type(value) in types:  # exact types: JSON gives nothing else, and a bool is not a number here
            return value
        if value is not ... and value is default:
            return value
        want = "a whole number" if types == _INT else "a number" if types == _NUM else "a string"
        raise LogReadError(f"{self.log}:{line.number}: a {line.kind!r} event without {want} in {name!r}")


class _Timeline:
    """Maps the log's monotonic times onto the report's time line: wall time; or, on a rehearsal clock
    (`loaded` says `clock: "rehearsal"`), the show clock's time of day from the `show_tod_ns` each event
    carries, placed on the day the run was loaded and run at its `speed`, so times of day are the show's
    and lengths are show time (engine.md, "Rehearsing": a report is never fooled into reading show time
    as real time, nor real time as show time)."""

    def __init__(self, loaded: dict[str, Any], wall_offset: int) -> None:
        self.offset = wall_offset
        self.rehearsal = loaded.get("clock") == "rehearsal"
        speed = loaded.get("speed", 1)
        self.speed = speed if type(speed) is int and speed >= 1 else 1
        wall = loaded["mono_ns"] + wall_offset
        self.midnight = wall - time_of_day_ns(wall)
        self.stamp: tuple[int, int] | None = None  # (mono_ns, its place on the time line)
        self.last_tod: int | None = None
        self.days = 0

    def restamp(self, event: dict[str, Any]) -> None:
        """Take the event's show clock reading, if it has one (only on a rehearsal clock)."""
        tod = event.get("show_tod_ns")
        if not self.rehearsal or type(tod) is not int:
            return
        if self.last_tod is not None and tod < self.last_tod - DAY_NS // 2:
            self.days += 1  # the show clock passed midnight
        self.last_tod = tod
        self.stamp = (event["mono_ns"], self.midnight + self.days * DAY_NS + tod)

    def __call__(self, mono_ns: int) -> int:
        """Where the monotonic time `mono_ns` falls on the time line."""
        if self.stamp is None:
            return mono_ns + self.offset
        mono, at = self.stamp
        return at + (mono_ns - mono) * self.speed


def time_of_day_ns(wall_ns: int) -> int:
    """The local time of day (ns after midnight) of a wall time, as the console's clock reads it."""
    local = time.localtime(wall_ns // NS_PER_S)
    return (local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec) * NS_PER_S + wall_ns % NS_PER_S


def build_report(log: str, run: Run, runs: int, outline: ShowOutline | None, outline_note: str) -> ShowReport:
    """The report of `run` (one of `runs` in the log named `log`); LogReadError for a malformed event."""
    return _Folder(log, run, outline).report(runs, outline_note)


class _Folder:
    def __init__(self, log: str, run: Run, outline: ShowOutline | None) -> None:
        self.log, self.run, self.outline = log, run, outline
        self.f = _Fields(log)
        self.cues: dict[str, CueReport] = {}
        if outline is not None:
            for c in outline.cues.values():
                self.cues[c.id] = CueReport(c.id, c.dept, c.label, c.segment, c.trigger, planned=True)
        self.fires: list[tuple[int, str]] = []  # every GO in the run: (fire time, cue)
        # cue -> each firing's (fire, earliest send), monotonic: GO-to-wire is real time, whatever the clock
        self.first_sent: dict[str, list[tuple[int, int | None]]] = {}
        self.holds: list[HoldReport] = []
        self.open_hold: tuple[int, str] | None = None
        self.panics: list[tuple[int, tuple[str, ...]]] = []
        self.errors: list[tuple[int, str]] = []
        self.resets = 0
        self.ended = ""
        self.last_ns = 0
        self.playhead: str | None = None
        self.late: list[float] = []
        self.cores: list[TimingCore] = []
        self.outages: list[Outage] = []
        self.down: dict[str, Outage] = {}

    def cue(self, cue_id: str, line: Line) -> CueReport:
        report = self.cues.get(cue_id)
        if report is None:
            dept = line.event.get("dept")
            report = CueReport(cue_id, dept if isinstance(dept, str) else "", "", None, "", planned=False)
            self.cues[cue_id] = report
        return report

    def report(self, runs: int, outline_note: str) -> ShowReport:
        loaded = self.run.loaded
        f = self.f
        timeline = self.timeline = _Timeline(loaded.event, f.get(loaded, "wall_ns", _INT) - loaded.event["mono_ns"])
        handlers = {
            "go": self.on_go,
            "sent": self.on_sent,
            "send_failed": self.on_send_failed,
            "complete": self.on_complete,
            "failed": self.on_failed,
            "refused": self.on_refused,
            "standby": self.on_standby,
            "device": self.on_device,
        }
        last = 0
        for line in [loaded, *self.run.lines]:
            kind = line.event["event"]
            if kind == "loaded":
                timeline.offset = f.get(line, "wall_ns", _INT) - line.event["mono_ns"]
            timeline.restamp(line.event)
            at = timeline(line.event["mono_ns"])
            last = max(last, at)
            handler = handlers.get(kind)
            if handler is not None:
                handler(line, at)
            elif kind == "hold":
                if self.open_hold is None:
                    self.open_hold = (at, str(line.event.get("reason", "")))
            elif kind == "resume":
                held = f.get(line, "held_ns", _INT, 0)
                if self.open_hold is not None:
                    self.holds.append(HoldReport(self.open_hold[0], held, self.open_hold[1], None, True))
                    self.open_hold = None
            elif kind == "panic":
                cancelled = line.event.get("cancelled_cues", [])
                self.panics.append((at, tuple(str(c) for c in cancelled) if isinstance(cancelled, list) else ()))
            elif kind == "timing":
                notes = line.event.get("notes", [])
                self.cores.append(
                    TimingCore(
                        at,
                        str(line.event.get("mode", "")),
                        str(line.event.get("priority", "")),
                        line.event.get("realtime") is True,
                        tuple(str(n) for n in notes) if isinstance(notes, list) else (),
                    )
                )
            elif kind == "error":
                self.errors.append((at, str(line.event.get("message", ""))))
            elif kind == "reset":
                self.resets += 1
            elif kind == "end":
                self.ended = str(line.event.get("reason", "")) or "complete"
        self.last_ns = last
        return self.finish(runs, outline_note)

    # ---- events -------------------------------------------------------------------------------

    def on_go(self, line: Line, at: int) -> None:
        f = self.f
        cue = self.cue(f.get(line, "cue", _STR), line)
        source = f.get(line, "source", _STR)
        fire_mono = f.get(line, "fire_ns", _INT, line.event["mono_ns"])
        fire = self.timeline(fire_mono)
        cue.fires.append((fire, source))
        cue.sources[source] = cue.sources.get(source, 0) + 1
        self.fires.append((fire, cue.id))
        self.first_sent.setdefault(cue.id, []).append((fire_mono, None))

    def on_sent(self, line: Line, at: int) -> None:
        event = line.event
        cue_id: Any = event.get("cue")
        late: Any = event.get("late_us")
        sent: Any = event.get("sent_ns")
        # the most frequent event: its fields checked at once, each one named only when one is wrong
        if type(cue_id) is not str or type(late) not in _NUM or type(sent) is not int or "device" not in event:
            f = self.f
            f.get(line, "cue", _STR), f.get(line, "late_us", _NUM), f.get(line, "sent_ns", _INT)
            f.get(line, "device", _STR)
        cue = self.cue(cue_id, line)
        late = float(late)
        cue.sends += 1
        cue.late_us.append(late)
        self.late.append(late)
        firsts = self.first_sent.get(cue.id)
        if firsts and (firsts[-1][1] is None or sent < firsts[-1][1]):
            # reports may come out of order: the earliest is the first on the wire (monotonic: real time)
            firsts[-1] = (firsts[-1][0], sent)

    def on_send_failed(self, line: Line, at: int) -> None:
        f = self.f
        cue = self.cue(f.get(line, "cue", _STR), line)
        device = f.get(line, "device", _STR)
        reason = f.get(line, "reason", _STR)
        cue.failed_sends.append(FailedSend(at, device, reason, f.get(line, "item", _INT, 0), line.number))
        outage = self.down.get(device)
        if outage is None:
            outage = next((o for o in self.outages if o.device == device and not o.reported), None)
            if outage is None:
                outage = Outage(device, at, at, "failing", reason, reported=False)
                self.outages.append(outage)
            outage.end_ns = at
        outage.failed_sends += 1
        if cue.id not in outage.cues:
            outage.cues.append(cue.id)

    def on_complete(self, line: Line, at: int) -> None:
        self.cue(self.f.get(line, "cue", _STR), line).completed += 1

    def on_failed(self, line: Line, at: int) -> None:
        cue = self.cue(self.f.get(line, "cue", _STR), line)
        cue.failures.append(self.f.get(line, "reason", _STR))

    def on_refused(self, line: Line, at: int) -> None:
        f = self.f
        refusal = Refusal(at, f.get(line, "command", _STR), f.get(line, "reason", _STR), line.number)
        # a refusal is about the cue the caller was on: the one on standby then (else the last one fired)
        target = self.playhead or (self.fires[-1][1] if self.fires else None)
        if target is not None:
            self.cue(target, line).refusals.append(refusal)
        else:
            self.errors.append((at, f"refused {refusal.command!r}: {refusal.reason}"))

    def on_standby(self, line: Line, at: int) -> None:
        cue = line.event.get("cue")
        self.playhead = cue if isinstance(cue, str) else None

    def on_device(self, line: Line, at: int) -> None:
        f = self.f
        device, status = f.get(line, "device", _STR), f.get(line, "status", _STR)
        detail = str(line.event.get("detail", ""))
        outage = self.down.get(device)
        if status == "online":
            if outage is not None:
                outage.end_ns = at
                del self.down[device]
        elif status == "offline" and outage is None:
            outage = Outage(device, at, None, status, detail)
            self.down[device] = outage
            self.outages.append(outage)
        elif outage is not None and detail and detail not in outage.detail:
            outage.detail = f"{outage.detail}; {detail}" if outage.detail else detail

    # ---- the figures --------------------------------------------------------------------------

    def finish(self, runs: int, outline_note: str) -> ShowReport:
        end = self.last_ns
        if self.open_hold is not None:
            start, reason = self.open_hold
            self.holds.append(HoldReport(start, end - start, reason, None, False))
        for cue in self.cues.values():
            values = cue.late_us
            # most cues send one message: its figures need no sort (a tenth of the fold on 10,000 cues)
            cue.late = Summary(1, *values * 6) if len(values) == 1 else summarize(values)
            wires = [(sent - fire) / 1000 for fire, sent in self.first_sent.get(cue.id, []) if sent is not None]
            cue.go_to_wire_us = max(wires, default=None)
        self.fires.sort()
        started = self.fires[0][0] if self.fires else None
        outline = self.outline
        anchor = outline.start_tod_ns if outline is not None else None
        late_start = None
        if started is not None and anchor is not None:
            late_start = show_relative(time_of_day_ns(started), anchor)
        segments = self.segments(started, end, anchor)
        self.holds = [self.hold_in(h, segments) for h in self.holds]
        planned_length = None
        drift = None
        if segments and segments[-1].planned_offset_ns is not None and segments[-1].planned_duration_ns is not None:
            planned_length = segments[-1].planned_offset_ns + segments[-1].planned_duration_ns
        begun = [s for s in segments if s.drift_end_ns is not None]
        if begun:
            drift = begun[-1].drift_end_ns
        loaded = self.run.loaded.event
        return ShowReport(
            log=self.log,
            run=self.run.number,
            runs=runs,
            title=str(loaded.get("show", "")),
            show_path=str(loaded.get("path", "")),
            loaded_ns=int(loaded["wall_ns"]),
            resumed=self.run.resumed,
            ended=self.ended,
            last_ns=end,
            outline_note=outline_note,
            started_ns=started,
            planned_start_tod_ns=anchor,
            late_start_ns=late_start,
            planned_length_ns=planned_length,
            run_length_ns=end - started if started is not None else None,
            drift_ns=drift,
            cues=list(self.cues.values()),
            segments=segments,
            holds=self.holds,
            panics=self.panics,
            errors=self.errors,
            resets=self.resets,
            outages=self.outages,
            timing=self.timing(),
            rehearsal_speed=self.timeline.speed if self.timeline.rehearsal else None,
            clock_note=str(loaded.get("clock_note", "")),
        )

    def segments(self, started: int | None, end: int, anchor: int | None) -> list[SegmentReport]:
        if self.outline is None or started is None:
            return []
        fire_times = [t for t, _ in self.fires]
        spans: dict[str, list[tuple[int, str]]] = {}  # segment -> (ns to the next GO, cue name) of each firing
        for index, (at, cue_id) in enumerate(self.fires):
            report = self.cues[cue_id]
            following = fire_times[index + 1] if index + 1 < len(fire_times) else end
            if report.segment is not None:
                spans.setdefault(report.segment, []).append((following - at, report.name))
        starts = {
            s.id: min((c.fires[0][0] for c in map(self.cues.__getitem__, s.cues) if c.fires), default=None)
            for s in self.outline.segments
        }
        out: list[SegmentReport] = []
        ordered = list(self.outline.segments)
        for index, planned in enumerate(ordered):
            actual = starts[planned.id]
            later = [t for s in ordered[index + 1 :] if (t := starts[s.id]) is not None]
            finish = later[0] if later else end
            duration = finish - actual if actual is not None else None
            tod = anchor + planned.offset_ns if anchor is not None and planned.offset_ns is not None else None
            drift_start = drift_end = over = None
            if actual is not None and duration is not None:
                if planned.offset_ns is not None:
                    drift_start = actual - started - planned.offset_ns
                    if planned.duration_ns is not None:
                        drift_end = actual + duration - started - planned.offset_ns - planned.duration_ns
                if planned.duration_ns is not None:
                    over = duration - planned.duration_ns
            longest = max(spans.get(planned.id, []), default=None)
            out.append(
                SegmentReport(
                    planned.id,
                    planned.title,
                    planned.offset_ns,
                    planned.duration_ns,
                    tod % (86400 * NS_PER_S) if tod is not None else None,
                    actual,
                    duration,
                    over,
                    drift_start,
                    drift_end,
                    cues=len(planned.cues),
                    fired=sum(1 for c in planned.cues if self.cues[c].fires),
                    longest=(longest[1], longest[0]) if longest is not None else None,
                )
            )
        return out

    @staticmethod
    def hold_in(hold: HoldReport, segments: list[SegmentReport]) -> HoldReport:
        """The hold, with the segment it happened in (the last one started before it), counted there."""
        begun = [s for s in segments if s.actual_start_ns is not None and s.actual_start_ns <= hold.at_ns]
        if not begun:
            return hold
        segment = max(begun, key=lambda s: s.actual_start_ns or 0)
        segment.holds += 1
        segment.held_ns += hold.held_ns
        return HoldReport(hold.at_ns, hold.held_ns, hold.reason, segment.id, hold.ended)

    def timing(self) -> TimingReport:
        return TimingReport(
            cores=self.cores,
            late=summarize(self.late),
            over_promise=sum(1 for v in self.late if v > PROMISE_P99_US),
            over_problem=sum(1 for v in self.late if v > LATE_PROBLEM_US),
            early=sum(1 for v in self.late if v < 0),
            histogram=histogram(self.late),
        )


def histogram(late_us: list[float]) -> list[tuple[float, float, int]]:
    """Lateness in log-scale bins (1-2-5 per decade from 1 µs, the first bin from 0): (from, to, count),
    up to the bin holding the largest value; early sends (below 0) are counted apart, not here."""
    edges = [0.0, 1.0]
    top = max(late_us, default=0.0)
    while edges[-1] <= top or len(edges) < 4:
        last = edges[-1]
        edges.append(last * 2.5 if str(int(last)).startswith("2") else last * 2)
    counts = [0] * (len(edges) - 1)
    for value in late_us:
        if value >= 0:
            counts[bisect.bisect_right(edges, value) - 1] += 1
    return [(edges[i], edges[i + 1], counts[i]) for i in range(len(counts))]
