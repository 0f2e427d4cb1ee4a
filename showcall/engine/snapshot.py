"""Provides `ShowSnapshot`: the engine's state at one instant, immutable and typed, for everything outside it.

The console, the headless runner, OSC feedback, the browser views and the backup link read the show only
through `Engine.snapshot()` and the engine's events; none of them reaches into the engine. A snapshot never
changes after it is taken and holds no reference to the engine's live records, so a view may keep one as long
as it likes, hand it to another thread, or compare two.

The compiled plan (`Engine.plan`: cues, their labels, standby texts, devices, segments) does not change while
the show runs; a snapshot carries what does.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from showcall.engine.cues import CueState, Source

__all__ = [
    "ClockSnapshot",
    "CueSnapshot",
    "CueState",
    "DeptSnapshot",
    "DeviceSnapshot",
    "Light",
    "NextAuto",
    "SegmentClock",
    "ShowSnapshot",
    "Source",
    "TimecodeSnapshot",
]


class Light(enum.Enum):
    """One department's cue light: idle, standby (red flashing), acked (red steady), GO (green)."""

    IDLE = "idle"
    STANDBY = "standby"
    ACKED = "acked"
    GO = "go"


@dataclass(frozen=True, slots=True)
class CueSnapshot:
    """One cue at the instant of the snapshot.

    `source` says what fired it (None until it fires); `missed` marks an `at` cue whose time had passed when
    it was armed (it waits for GO); `passed` marks a cue the caller moved the playhead past without firing
    it (skip, a standby jump): its time trigger then stays quiet. `reason` is the words for a failure or a miss.
    """

    index: int
    id: str
    dept: str
    label: str
    trigger: str
    segment: str | None
    state: CueState
    source: Source | None
    fire_ns: int | None
    complete_ns: int | None
    max_late_us: float | None
    failed_sends: int
    reason: str
    missed: bool
    passed: bool


@dataclass(frozen=True, slots=True)
class DeptSnapshot:
    """A department's cue light, the cue it is about, and the next cue it must prepare for."""

    dept: str
    name: str
    light: Light
    light_cue: str | None
    next_cue: str | None


@dataclass(frozen=True, slots=True)
class DeviceSnapshot:
    """A device as the timing core last reported it: connecting, online, offline (and why), simulated."""

    name: str
    status: str
    detail: str
    since_ns: int | None

    @property
    def down(self) -> bool:
        """True when sends to it will fail."""
        return self.status == "offline"


@dataclass(frozen=True, slots=True)
class SegmentClock:
    """One segment's planned and actual times (ns; planned relative to the show's planned start)."""

    id: str
    title: str
    planned_offset_ns: int | None
    planned_duration_ns: int | None
    actual_start_ns: int | None  # monotonic
    actual_end_ns: int | None


@dataclass(frozen=True, slots=True)
class ClockSnapshot:
    """The run-of-show clocks at `now_ns`: show elapsed, the segment against its plan, over/under (positive =
    running behind), the next automatic cue.

    `time_of_day_ns` is the show clock, what `at` cues fire on and the plan is read against: the real time of
    day, or in a rehearsal a rehearsal clock (`rehearsal_clock`; then `real_time_of_day_ns` is the real time).
    At a faster `speed`, elapsed times and over/under are show time; `next_auto_in_ns` and `held_ns` stay real.
    """

    now_ns: int
    time_of_day_ns: int
    show_elapsed_ns: int | None
    show_over_ns: int | None
    segment: SegmentClock | None
    segment_elapsed_ns: int | None
    segment_remaining_ns: int | None
    segment_over_ns: int | None
    next_segment: SegmentClock | None
    next_auto_cue: str | None
    next_auto_in_ns: int | None
    held_ns: int
    real_time_of_day_ns: int = 0
    rehearsal_clock: bool = False
    speed: int = 1


@dataclass(frozen=True, slots=True)
class NextAuto:
    """The next cue that fires by itself and how long until it does; while held, the countdown stands
    still at what it said when the hold began (`fire_ns` is then None)."""

    cue: str
    dept: str
    in_ns: int
    fire_ns: int | None
    held: bool


@dataclass(frozen=True, slots=True)
class TimecodeSnapshot:
    """Chased timecode: the current frame (None before any was seen), whether it rolls, its rate."""

    frame: int | None
    rolling: bool
    fps: str
    external: bool


@dataclass(frozen=True, slots=True)
class ShowSnapshot:
    """The whole show at `at_ns` (CLOCK_MONOTONIC). See the module docstring.

    `playhead` is the index of the cue on standby (None past the last cue); `next_go` the cues the next GO
    fires (the standby cue and the follow/after chain behind it). `held_for_ns` counts the hold in progress;
    `panicked` is True from a panic until the resume after it. `running` is True while a cue is going out, a GO is
    on its way, or a follow/after chain counts from a cue that fired (a time cue armed for later is not running).
    `quitting` is True from a quit until its `end` (the last sends are being confirmed; commands other than
    panic are refused).
    `following` is True while this engine follows the live one (a tracking backup, muted) instead of calling the
    show itself.
    """

    at_ns: int
    title: str
    playhead: int | None
    next_go: tuple[int, ...]
    held: bool
    held_since_ns: int | None
    following: bool
    panicked: bool
    ended: bool
    running: bool
    last_go_ns: int | None
    go_guard_ns: int
    cues: tuple[CueSnapshot, ...]
    departments: tuple[DeptSnapshot, ...]
    devices: tuple[DeviceSnapshot, ...]
    clocks: ClockSnapshot
    next_auto: NextAuto | None
    timecode: TimecodeSnapshot | None
    quitting: bool = False

    @property
    def standby(self) -> CueSnapshot | None:
        """The cue on standby (the one GO fires next), or None past the last cue."""
        return self.cues[self.playhead] if self.playhead is not None else None

    @property
    def held_for_ns(self) -> int:
        """How long the hold in progress has lasted (0 when not held)."""
        return self.at_ns - self.held_since_ns if self.held_since_ns is not None else 0

    @property
    def started(self) -> bool:
        """True once the show's first cue fired."""
        return self.clocks.show_elapsed_ns is not None

    def device(self, name: str) -> DeviceSnapshot | None:
        """Device `name`, if the show has it."""
        return next((d for d in self.devices if d.name == name), None)

    def department(self, dept: str) -> DeptSnapshot | None:
        """Department `dept`'s light, if the show has it."""
        return next((d for d in self.departments if d.dept == dept), None)
