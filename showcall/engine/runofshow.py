"""Provides `RunOfShow`: the run-of-show clocks: show elapsed, each segment planned against actual, over/under.

Planned times come from the show's `start` and each segment's hard `start` or the end of the one
before; actual times are when each segment's first cue fired. Over/under is positive when the
show runs behind ("over") and negative when ahead ("under").
"""

from __future__ import annotations

from dataclasses import dataclass

from showcall.compile.plan import Plan
from showcall.engine.snapshot import ClockSnapshot, SegmentClock
from showcall.model.show import planned_segments
from showcall.model.times import DAY_NS, show_relative


@dataclass(frozen=True)
class PlannedTimes:
    """The run of show's plan: the show day's anchor (the planned start's time of day, if known) and each
    segment's planned (offset from that start, duration), None where the plan does not say."""

    anchor_tod_ns: int | None
    segments: tuple[tuple[int | None, int | None], ...]

    def segment_start_tod(self, index: int) -> int | None:
        """Segment `index`'s planned time of day, when the plan gives one."""
        offset = self.segments[index][0]
        if offset is None or self.anchor_tod_ns is None:
            return None
        return (self.anchor_tod_ns + offset) % DAY_NS

    def end_tod(self) -> int | None:
        """When the plan ends (the last segment's planned end), if it says."""
        if not self.segments or self.anchor_tod_ns is None:
            return None
        offset, duration = self.segments[-1]
        if offset is None or duration is None:
            return None
        return (self.anchor_tod_ns + offset + duration) % DAY_NS


def planned_times(plan: Plan) -> PlannedTimes:
    """Planned times from the show's `start` and each segment's hard `start` or the end of the one before."""
    anchor, planned = planned_segments(plan.show)
    return PlannedTimes(anchor, tuple(planned))


class RunOfShow:
    """Tracks when segments actually started, and computes the clocks on demand. In a rehearsal at a
    faster `speed`, elapsed times are show time (real time × speed), as the show clock counts them."""

    def __init__(self, plan: Plan, speed: int = 1) -> None:
        self.plan = plan
        self.speed = speed
        times = planned_times(plan)
        self._planned = list(times.segments)
        self.anchor_tod_ns = times.anchor_tod_ns
        self._index = {segment.id: i for i, segment in enumerate(plan.show.segments)}
        self.actual_start: list[int | None] = [None] * len(self._planned)
        self.show_started_ns: int | None = None
        self.show_started_tod_ns: int | None = None
        self.current: int | None = None

    def reset(self) -> None:
        """Forget every actual time."""
        self.actual_start = [None] * len(self.actual_start)
        self.show_started_ns = None
        self.show_started_tod_ns = None
        self.current = None

    def start_on_plan(self, now_ns: int, tod_ns: int) -> None:
        """A rehearsal taken from part of the show: count the show as started at its planned start on the
        show clock (`tod_ns` at `now_ns`), so show elapsed and over/under read as in the full run."""
        if self.anchor_tod_ns is None:
            return
        self.show_started_ns = now_ns - show_relative(tod_ns, self.anchor_tod_ns) // self.speed
        self.show_started_tod_ns = self.anchor_tod_ns

    def cue_fired(self, segment_id: str | None, now_ns: int, tod_ns: int) -> None:
        """A cue of `segment_id` fired: the show and that segment have started, if not already."""
        if self.show_started_ns is None:
            self.show_started_ns = now_ns
            self.show_started_tod_ns = tod_ns
        if segment_id is None or segment_id not in self._index:
            return
        index = self._index[segment_id]
        if self.actual_start[index] is None:
            self.actual_start[index] = now_ns
        if self.current is None or index >= self.current:
            self.current = index

    def _segment(self, index: int) -> SegmentClock:
        segment = self.plan.show.segments[index]
        offset, duration = self._planned[index]
        following = [s for s in self.actual_start[index + 1 :] if s is not None]
        return SegmentClock(
            segment.id, segment.title, offset, duration, self.actual_start[index], following[0] if following else None
        )

    def snapshot(
        self,
        now_ns: int,
        tod_ns: int,
        next_auto: tuple[str, int] | None = None,
        held_ns: int = 0,
        *,
        real_tod_ns: int | None = None,
        rehearsal_clock: bool = False,
    ) -> ClockSnapshot:
        """The clocks at `now_ns` (`tod_ns` is the show's time of day then, `real_tod_ns` the real one
        when a rehearsal clock is in use)."""
        speed = self.speed
        elapsed = (now_ns - self.show_started_ns) * speed if self.show_started_ns is not None else None
        segment = self._segment(self.current) if self.current is not None else None
        seg_elapsed = seg_remaining = seg_over = show_over = None
        if segment is not None and segment.actual_start_ns is not None:
            seg_elapsed = (now_ns - segment.actual_start_ns) * speed
            if segment.planned_duration_ns is not None:
                seg_remaining = segment.planned_duration_ns - seg_elapsed
                seg_over = -seg_remaining
            show_over = self._show_over(segment, seg_elapsed)
        nxt = None
        if self.current is not None and self.current + 1 < len(self._planned):
            nxt = self._segment(self.current + 1)
        elif self.current is None and self._planned:
            nxt = self._segment(0)
        return ClockSnapshot(
            now_ns=now_ns,
            time_of_day_ns=tod_ns,
            show_elapsed_ns=elapsed,
            show_over_ns=show_over,
            segment=segment,
            segment_elapsed_ns=seg_elapsed,
            segment_remaining_ns=seg_remaining,
            segment_over_ns=seg_over,
            next_segment=nxt,
            next_auto_cue=next_auto[0] if next_auto else None,
            next_auto_in_ns=(next_auto[1] - now_ns) if next_auto else None,
            held_ns=held_ns,
            real_time_of_day_ns=tod_ns if real_tod_ns is None else real_tod_ns,
            rehearsal_clock=rehearsal_clock,
            speed=speed,
        )

    def _show_over(self, segment: SegmentClock, seg_elapsed: int) -> int | None:
        """How late this segment started against plan, plus how far it has overrun its duration."""
        if segment.planned_offset_ns is None or segment.actual_start_ns is None or self.show_started_ns is None:
            return None
        if self.anchor_tod_ns is not None and self.show_started_tod_ns is not None:
            # with a planned start, a late start counts: measure from the planned time of day
            started_rel = show_relative(self.show_started_tod_ns, self.anchor_tod_ns)
            actual_offset = started_rel + (segment.actual_start_ns - self.show_started_ns) * self.speed
        else:
            actual_offset = (segment.actual_start_ns - self.show_started_ns) * self.speed
        over = actual_offset - segment.planned_offset_ns
        if segment.planned_duration_ns is not None:
            over += max(0, seg_elapsed - segment.planned_duration_ns)
        return over
