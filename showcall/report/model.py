"""Provides the report's figures as plain data: the show, its segments, its cues, holds, outages, timing.

Times are wall-clock nanoseconds since the epoch (each logged monotonic time moved by its run's
`loaded` offset, so a run resumed after a reboot lines up); durations are nanoseconds; lateness is µs.
Over/under is positive when the show ran behind the plan ("over") and negative when ahead ("under").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from showcall.report.fmt import micros
from showcall.stats import Summary

LATE_PROBLEM_US = 1000.0
"""A send later than this marks its cue as a problem: over the 2 ms p99.9 promise's half, and three MIDI byte times."""

PROMISE_P99_US = 250.0
"""design.md §7: sends land p99 <= 250 µs after their deadlines; the report counts the sends past it."""


@dataclass(frozen=True, slots=True)
class FailedSend:
    """A message that could not be sent."""

    at_ns: int
    device: str
    reason: str
    item: int
    line: int


@dataclass(frozen=True, slots=True)
class Refusal:
    """A command refused while the cue was on standby (or running)."""

    at_ns: int
    command: str
    reason: str
    line: int


@dataclass
class CueReport:
    """One cue: how often and by what it fired, its sends, and what went wrong around it."""

    id: str
    dept: str
    label: str
    segment: str | None
    trigger: str  # as planned: manual, follow, after, at, timecode ("" when the show file is not known)
    planned: bool  # in the show file
    fires: list[tuple[int, str]] = field(default_factory=list)  # (fire time, source), in order
    sources: dict[str, int] = field(default_factory=dict)
    sends: int = 0
    late_us: list[float] = field(default_factory=list)
    late: Summary | None = None
    go_to_wire_us: float | None = None  # the worst firing's: its first send's sent time minus its fire time
    failed_sends: list[FailedSend] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # `failed` events' reasons
    refusals: list[Refusal] = field(default_factory=list)
    completed: int = 0

    @property
    def name(self) -> str:
        """The cue as the trade says it: `LX 12` (the bare id when the department is not known)."""
        return f"{self.dept} {self.id}" if self.dept else self.id

    @property
    def problems(self) -> list[str]:
        """What went wrong, in words (empty for a clean cue)."""
        out: list[str] = []
        if not self.fires and self.planned:
            out.append("not fired")
        if self.failed_sends:
            reasons = sorted({f.reason for f in self.failed_sends})
            out.append(f"{len(self.failed_sends)} failed: {', '.join(reasons)}")
        out.extend(f"cue failed: {r}" for r in self.failures if not self.failed_sends)
        if self.refusals:
            reasons = sorted({r.reason for r in self.refusals})
            out.append(f"{len(self.refusals)} refused: {'; '.join(reasons)}")
        if self.late is not None and self.late.max > LATE_PROBLEM_US:
            out.append(f"late: max {micros(self.late.max)}")
        if self.fires and not self.planned:
            out.append("not in the show file")
        return out


@dataclass(frozen=True, slots=True)
class HoldReport:
    """A hold: when, why, for how long (`ended` False when the run ended still held)."""

    at_ns: int
    held_ns: int
    reason: str
    segment: str | None
    ended: bool


@dataclass
class SegmentReport:
    """One segment planned against actual. Offsets are from the planned / the actual start of the show."""

    id: str
    title: str
    planned_offset_ns: int | None
    planned_duration_ns: int | None
    planned_tod_ns: int | None  # the planned start's time of day
    actual_start_ns: int | None  # wall time its first cue fired
    actual_duration_ns: int | None
    over_ns: int | None  # actual duration minus planned duration
    drift_start_ns: int | None  # running over/under when it started: actual offset minus planned offset
    drift_end_ns: int | None  # running over/under when it ended
    cues: int
    fired: int
    holds: int = 0
    held_ns: int = 0
    longest: tuple[str, int] | None = None  # the cue the segment spent longest on: (cue name, ns to the next GO)


@dataclass
class Outage:
    """A device down (`device` events from offline/connecting to online), or failing sends with no status logged."""

    device: str
    start_ns: int
    end_ns: int | None  # None: still down when the run ended
    status: str
    detail: str
    failed_sends: int = 0
    cues: list[str] = field(default_factory=list)
    reported: bool = True  # False: no `device` event said so; only failed sends show it


@dataclass(frozen=True, slots=True)
class TimingCore:
    """What the timing core got from the kernel when it started (a `timing` event)."""

    at_ns: int
    mode: str
    priority: str
    realtime: bool
    notes: tuple[str, ...]


@dataclass
class TimingReport:
    """The timing core's starts and the lateness of every send of the run."""

    cores: list[TimingCore]
    late: Summary | None
    over_promise: int  # sends later than PROMISE_P99_US
    over_problem: int  # sends later than LATE_PROBLEM_US
    early: int  # sends before their deadline: never expected
    histogram: list[tuple[float, float, int]]  # (from µs, to µs, sends), log-scale bins


@dataclass
class ShowReport:
    """The whole post-show report of one run."""

    log: str
    run: int
    runs: int
    title: str
    show_path: str
    loaded_ns: int
    resumed: int
    ended: str  # the `end` event's reason, or "" when the run has none (crashed, killed, still running)
    last_ns: int  # the run's last event
    outline_note: str  # why the show file could not be used ("" when it was)
    started_ns: int | None  # the first GO
    planned_start_tod_ns: int | None
    late_start_ns: int | None  # the first GO's time of day minus the planned start
    planned_length_ns: int | None
    run_length_ns: int | None  # first GO to the end
    drift_ns: int | None  # running over/under at the end of the last segment that started
    cues: list[CueReport]
    segments: list[SegmentReport]
    holds: list[HoldReport]
    panics: list[tuple[int, tuple[str, ...]]]
    errors: list[tuple[int, str]]
    resets: int
    outages: list[Outage]
    timing: TimingReport
    warnings: list[str] = field(default_factory=list)
    plan_from: str = ""  # what the run was measured against, in words ("" when nothing)
    rehearsal_speed: int | None = None  # the run was on a rehearsal clock at this speed (None: the real clock)
    clock_note: str = ""  # why showcall chose the rehearsal clock's time, when it did (the `loaded` event's)

    @property
    def over_ns(self) -> int | None:
        """Over/under at the end against the planned time of day: the late start plus the running drift."""
        if self.drift_ns is None:
            return None
        return self.drift_ns + (self.late_start_ns or 0)

    @property
    def fired(self) -> list[CueReport]:
        """The cues that fired at least once."""
        return [c for c in self.cues if c.fires]
