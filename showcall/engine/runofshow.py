"""Provides `RunOfShow`: the run-of-show clocks: show elapsed, each segment planned against actual, over/under.

Planned times come from the show's `start` and each segment's hard `start` or the end of the one
before; actual times are when each segment's first cue fired. Over/under is positive when the
show runs behind ("over") and negative when ahead ("under").
"""

from __future__ import annotations

from showcall.compile.plan import Plan
from showcall.engine.snapshot import ClockSnapshot, SegmentClock
from showcall.model.times import show_relative


class RunOfShow:
    """Tracks when segments actually started, and computes the clocks on demand."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        segments = plan.show.segments
        self._planned: list[tuple[int | None, int | None]] = []
        start = plan.show.info.start.ns if plan.show.info.start is not None else None
        self.anchor_tod_ns = start
        cursor: int | None = 0
        for segment in segments:
            offset: int | None
            if segment.start is not None:
                offset = show_relative(segment.start.ns, start) if start is not None else None
                if start is None and cursor == 0 and not self._planned:
                    self.anchor_tod_ns = segment.start.ns
                    offset = 0
            else:
                offset = cursor
            duration = segment.duration.ns if segment.duration is not None else None
            self._planned.append((offset, duration))
            cursor = offset + duration if offset is not None and duration is not None else None
        self._index = {segment.id: i for i, segment in enumerate(segments)}
        self.actual_start: list[int | None] = [None] * len(segments)
        self.show_started_ns: int | None = None
        self.show_started_tod_ns: int | None = None
        self.current: int | None = None

    def reset(self) -> None:
        """Forget every actual time."""
        self.actual_start = [None] * len(self.actual_start)
        self.show_started_ns = None
        self.show_started_tod_ns = None
        self.current = None

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
        self, now_ns: int, tod_ns: int, next_auto: tuple[str, int] | None = None, held_ns: int = 0
    ) -> ClockSnapshot:
        """The clocks at `now_ns` (`tod_ns` is the local time of day then)."""
        elapsed = now_ns - self.show_started_ns if self.show_started_ns is not None else None
        segment = self._segment(self.current) if self.current is not None else None
        seg_elapsed = seg_remaining = seg_over = show_over = None
        if segment is not None and segment.actual_start_ns is not None:
            seg_elapsed = now_ns - segment.actual_start_ns
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
        )

    def _show_over(self, segment: SegmentClock, seg_elapsed: int) -> int | None:
        """How late this segment started against plan, plus how far it has overrun its duration."""
        if segment.planned_offset_ns is None or segment.actual_start_ns is None or self.show_started_ns is None:
            return None
        if self.anchor_tod_ns is not None and self.show_started_tod_ns is not None:
            # with a planned start, a late start counts: measure from the planned time of day
            started_rel = show_relative(self.show_started_tod_ns, self.anchor_tod_ns)
            actual_offset = started_rel + (segment.actual_start_ns - self.show_started_ns)
        else:
            actual_offset = segment.actual_start_ns - self.show_started_ns
        over = actual_offset - segment.planned_offset_ns
        if segment.planned_duration_ns is not None:
            over += max(0, seg_elapsed - segment.planned_duration_ns)
        return over
