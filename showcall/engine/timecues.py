"""Provides `TimeCues`: arming the cues that fire at a time of day (`at`) or on timecode.

`at` cues are armed unless the caller skipped them (moved the playhead past them with skip or a
standby jump; GO passing over an armed cue is not a skip); one whose time had passed when it was
armed is marked missed and waits for GO. Timecode cues are armed while timecode rolls, unless
skipped, and re-armed whenever timecode starts, stops or jumps. Without a timecode source, a GO
that puts a timecode cue on standby starts showcall's internal timecode at that cue's frame.
Times of day are the show clock's (a rehearsal clock, maybe running faster: see ShowClock).
"""

from __future__ import annotations

from collections.abc import Callable

from showcall.compile.plan import CompiledCue
from showcall.engine.book import CueBook
from showcall.engine.clock import ShowClock
from showcall.engine.cues import CueState, Source
from showcall.engine.timecode import InternalTimecode, TimecodeSource, frame_at, frame_deadline
from showcall.model.show import At, AtTimecode
from showcall.model.times import until

Fire = Callable[[int, int, Source], None]


class TimeCues:
    """The `at` and timecode cues of a show (see module docstring)."""

    def __init__(
        self,
        cues: tuple[CompiledCue, ...],
        book: CueBook,
        clock: ShowClock,
        timecode: TimecodeSource,
        anchor_tod_ns: int | None,
        fire: Fire,
        playhead: Callable[[], int],
        held: Callable[[], bool],
    ) -> None:
        self.cues = cues
        self.book = book
        self.clock = clock
        self.timecode = timecode
        self.anchor_tod_ns = anchor_tod_ns
        self._fire = fire
        self._playhead = playhead
        self._held = held
        self.at_cues = [i for i, c in enumerate(cues) if isinstance(c.cue.go, At)]
        self.tc_cues = [i for i, c in enumerate(cues) if isinstance(c.cue.go, AtTimecode)]
        self._tc_armed: set[int] = set()
        self._rolled_before_hold = False
        timecode.subscribe(self._timecode_changed)

    def arm(self) -> None:
        """Arm the `at` cues not skipped (disarming those skipped), then timecode cues."""
        if self._held():
            return
        now = self.clock.now_ns()
        tod = self.clock.time_of_day_at(now)  # the same instant: an `at` time the clock was just set to is not missed
        for i in self.at_cues:
            go, run = self.cues[i].cue.go, self.book.runs[i]
            assert isinstance(go, At)
            if run.skipped:
                if run.state is CueState.ARMED and run.source is Source.AT:
                    self.book.disarm(i, with_chain=True)
                continue
            if run.state is not CueState.PENDING:
                continue
            delta = until(go.at.ns, tod, self.anchor_tod_ns if self.anchor_tod_ns is not None else go.at.ns)
            if delta < 0:
                self.book.miss(i, f"missed: {go.at} had passed; GO fires it")
                continue
            self._fire(i, now + self.clock.real_ns_until(delta), Source.AT)  # the show clock may run faster
        self._arm_timecode()

    def hold(self, now_ns: int) -> None:
        """A hold: disarm every armed time cue with its chain (resume arms them again) and pause internal timecode."""
        for i in [*self.at_cues, *self.tc_cues]:
            if self.book.runs[i].state is CueState.ARMED:
                self.book.disarm(i, with_chain=True)
        self._tc_armed.clear()
        self._rolled_before_hold = isinstance(self.timecode, InternalTimecode) and self.timecode.rolling
        if isinstance(self.timecode, InternalTimecode):
            self.timecode.stop(now_ns)

    def resume(self, now_ns: int) -> None:
        """After a hold: internal timecode rolls on if it was rolling; then everything is armed again."""
        if isinstance(self.timecode, InternalTimecode) and self._rolled_before_hold:
            self.timecode.roll(now_ns)
        self.arm()

    def clear(self, now_ns: int) -> None:
        """Panic or reset: forget what was armed and stop internal timecode."""
        self._tc_armed.clear()
        self._rolled_before_hold = False
        if isinstance(self.timecode, InternalTimecode):
            self.timecode.stop(now_ns)

    def playhead_moved(self) -> None:
        """Rehearsing without a timecode source: a GO that puts a timecode cue on standby starts the
        internal clock at its frame (the engine calls this only after a cue fired, never on a jump)."""
        if not isinstance(self.timecode, InternalTimecode) or self.timecode.rolling or self._held():
            return
        playhead = self._playhead()
        if playhead >= len(self.cues):
            return
        go = self.cues[playhead].cue.go
        if isinstance(go, AtTimecode) and self.book.runs[playhead].state is CueState.PENDING:
            self.timecode.locate(go.timecode.frame_number(self.timecode.rate), self.clock.now_ns())

    def locate_from(self, index: int, now_ns: int) -> None:
        """A rehearsal taken from cue `index`: internal timecode stands at the first timecode cue from there,
        rolling at once when that is cue `index` itself (as if playback started there); otherwise it starts as
        it always does, when a GO puts a timecode cue on standby. Chased timecode is left alone."""
        if not isinstance(self.timecode, InternalTimecode):
            return
        first = next((i for i in self.tc_cues if i >= index), None)
        if first is None:
            self.timecode.stop(now_ns)
            return
        go = self.cues[first].cue.go
        assert isinstance(go, AtTimecode)
        self.timecode.locate(go.timecode.frame_number(self.timecode.rate), now_ns, rolling=first == index)

    def fired_by_hand(self, index: int, fire_ns: int) -> None:
        """A timecode cue GOne by hand while internal timecode stands still starts it at its frame, as
        if playback had started there (how a rehearsal without a playback rig begins a song)."""
        go = self.cues[index].cue.go
        if isinstance(go, AtTimecode) and isinstance(self.timecode, InternalTimecode) and not self.timecode.rolling:
            self.timecode.locate(go.timecode.frame_number(self.timecode.rate), fire_ns)

    def _timecode_changed(self) -> None:
        """Timecode started, stopped or jumped: disarm what it armed and arm again."""
        for index in list(self._tc_armed):
            if self.book.runs[index].state is CueState.ARMED:
                self.book.disarm(index, with_chain=True)
        self._tc_armed.clear()
        self._arm_timecode()

    def _arm_timecode(self) -> None:
        if self._held():
            return
        position = self.timecode.position()
        if position is None or not position.rolling:
            return
        rate = self.timecode.rate
        now = self.clock.now_ns()
        current = frame_at(position, now, rate)
        for i in self.tc_cues:
            go, run = self.cues[i].cue.go, self.book.runs[i]
            if run.skipped or not isinstance(go, AtTimecode) or run.state is not CueState.PENDING:
                continue
            frame = go.timecode.frame_number(rate)
            if frame < current:
                continue  # passed before it was armed: not fired by itself
            self._fire(i, max(now, frame_deadline(position, frame, rate)), Source.TIMECODE)
            self._tc_armed.add(i)
