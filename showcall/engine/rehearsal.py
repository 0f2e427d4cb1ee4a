"""Provides where a rehearsal is taken from (`RehearsalPoint`) and the rehearsal clock's default time.

"Let's take it from the top of the awards block, as if it's 10:35": a point is a cue (the first cue of a
segment, or any cue by id) and the time of day the rehearsal clock is set to there: the cue's `at` time if it
has one, else the planned start of its segment (of the show, in a show without segments), unless the caller
gave a time. `Engine.start(from_=...)` and `Engine.rehearse_from(...)` take it (docs/engine.md, "Rehearsing
a part of the show").
"""

from __future__ import annotations

from dataclasses import dataclass

from showcall.compile.plan import Plan
from showcall.engine.runofshow import planned_times
from showcall.model.show import At
from showcall.model.times import NS_PER_S, format_time_of_day, show_relative

DEFAULT_LEAD_NS = 30 * NS_PER_S
"""A rehearsal clock chosen by showcall starts this long before the planned start: time to look at the
standby before the first `at` cue fires."""
SHOW_HOURS_BEFORE_NS = 3600 * NS_PER_S
"""The real clock is kept from this long before the planned start (doors, pre-show checks) to the planned end."""

GO_TO = "go to"
"""The command's name in `refused` events (the console's `g`: go to cue/segment)."""
NOT_A_REHEARSAL = (
    "going to a cue or segment is for rehearsals (rehearse, or run --sim): a show on the real devices runs on "
    "the real time of day; use standby to move the playhead"
)
CUE_RUNNING = "a cue is running: wait for it to complete (or panic)"


@dataclass(frozen=True)
class RehearsalPoint:
    """Cue `index` (id `cue`) becomes the standby; `segment` is the segment asked for (None when a cue was);
    the rehearsal clock is set to `clock_tod_ns` (None: the show has no planned time there; left as it is)."""

    index: int
    cue: str
    segment: str | None
    clock_tod_ns: int | None

    def describe(self) -> str:
        """`segment awards (cue 60), clock 10:35:00`, for confirmations and messages."""
        where = f"segment {self.segment} (cue {self.cue})" if self.segment is not None else f"cue {self.cue}"
        if self.clock_tod_ns is None:
            return where
        return f"{where}, clock {format_time_of_day(self.clock_tod_ns)}"


def rehearsal_point(
    plan: Plan, *, cue: str | None = None, segment: str | None = None, clock_tod_ns: int | None = None
) -> RehearsalPoint:
    """The point for cue `cue` or segment `segment` (one of them), its clock `clock_tod_ns` if given, else the
    cue's `at` time or its segment's planned start. ValueError, in words, for one the show does not have."""
    if (cue is None) == (segment is None):
        raise ValueError("name a cue or a segment to take the rehearsal from")
    times = planned_times(plan)
    if segment is not None:
        segments = plan.show.segments
        if not segments:
            raise ValueError("this show has no segments (a flat cue list): take it from a cue instead")
        found = next((i for i, s in enumerate(segments) if s.id == segment), None)
        if found is None:
            known = ", ".join(s.id for s in segments)
            raise ValueError(f"no segment '{segment}' in this show (its segments: {known})")
        index = next((c.index for c in plan.cues if c.segment == segment), None)
        if index is None:
            raise ValueError(f"segment '{segment}' has no cues")
        planned = times.segment_start_tod(found)
    else:
        assert cue is not None
        found_cue = plan.index_of(cue)
        if found_cue is None:
            raise ValueError(f"no cue '{cue}' in this show")
        index = found_cue
        compiled = plan.cues[index]
        go = compiled.cue.go
        if isinstance(go, At):
            planned = go.at.ns
        elif compiled.segment is not None:
            at = next(i for i, s in enumerate(plan.show.segments) if s.id == compiled.segment)
            planned = times.segment_start_tod(at)
        else:
            planned = times.anchor_tod_ns
    return RehearsalPoint(index, plan.cues[index].id, segment, clock_tod_ns if clock_tod_ns is not None else planned)


def default_clock(plan: Plan, real_tod_ns: int) -> tuple[int, str] | None:
    """The rehearsal clock's time when none was asked for: the planned start less 30 s, when the real time
    of day is outside the show's hours (from an hour before its planned start to its planned end); with the
    words that say so. None when the show has no planned start or the real time is within its hours."""
    times = planned_times(plan)
    anchor = times.anchor_tod_ns
    if anchor is None:
        return None
    end = times.end_tod()
    last = show_relative(end, anchor) if end is not None else 0
    now = show_relative(real_tod_ns, anchor)
    if -SHOW_HOURS_BEFORE_NS <= now <= last:
        return None
    hours = f"{format_time_of_day(anchor - SHOW_HOURS_BEFORE_NS)} to {format_time_of_day(anchor + last)}"
    note = (
        f"rehearsal clock starts 30 s before the planned start {format_time_of_day(anchor)}: the real time "
        f"{format_time_of_day(real_tod_ns)} is outside the show's hours ({hours})"
    )
    return anchor - DEFAULT_LEAD_NS, note
