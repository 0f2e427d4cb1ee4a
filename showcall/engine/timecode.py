"""Provides the timecode the engine chases: an internal clock, or (later) MIDI timecode in.

A source says where timecode is (a frame number at a monotonic instant) and whether it is
rolling; listeners hear when it starts, stops or jumps, so the engine re-arms timecode cues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from showcall.model.times import NS_PER_S, FrameRate


@dataclass(frozen=True)
class TimecodePosition:
    """Frame `frame` (since 00:00:00:00, drop-frame numbering honoured) was current at `at_ns`; rolling
    timecode runs `speed` times faster than real time (internal timecode in a faster rehearsal)."""

    frame: int
    at_ns: int
    rolling: bool
    speed: int = 1


class TimecodeSource(Protocol):
    """Where chased timecode is."""

    rate: FrameRate

    def position(self) -> TimecodePosition | None:
        """The last known position, or None before timecode was ever seen."""

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call `listener` whenever timecode starts, stops or jumps."""


def frame_ns(rate: FrameRate) -> tuple[int, int]:
    """A frame's length as a fraction (numerator, denominator) of nanoseconds."""
    if rate.drop_frame:
        return 1001 * NS_PER_S, 30000
    return NS_PER_S, rate.nominal


def frame_deadline(position: TimecodePosition, frame: int, rate: FrameRate) -> int:
    """When rolling timecode reaches `frame` (monotonic ns)."""
    num, den = frame_ns(rate)
    return position.at_ns + (frame - position.frame) * num // (den * position.speed)


def frame_at(position: TimecodePosition, now_ns: int, rate: FrameRate) -> int:
    """The frame current at `now_ns`."""
    if not position.rolling:
        return position.frame
    num, den = frame_ns(rate)
    return position.frame + (now_ns - position.at_ns) * den * position.speed // num


class InternalTimecode:
    """Timecode kept by showcall itself, for rehearsing timecode cues without a playback rig.

    The engine starts it at a cue's frame when the playhead first reaches a timecode cue (as if
    playback had started there) and pauses it during a hold. In a faster rehearsal it runs `speed`
    times faster.
    """

    def __init__(self, rate: FrameRate, speed: int = 1) -> None:
        self.rate = rate
        self.speed = speed
        self._position: TimecodePosition | None = None
        self._listeners: list[Callable[[], None]] = []

    def position(self) -> TimecodePosition | None:
        """Where it is."""
        return self._position

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Hear starts, stops and jumps."""
        self._listeners.append(listener)

    def locate(self, frame: int, now_ns: int, rolling: bool = True) -> None:
        """Jump to `frame` at `now_ns`, rolling or not."""
        self._position = TimecodePosition(frame, now_ns, rolling, self.speed)
        self._changed()

    def stop(self, now_ns: int) -> None:
        """Stop where it is."""
        if self._position is not None and self._position.rolling:
            self._position = TimecodePosition(frame_at(self._position, now_ns, self.rate), now_ns, False, self.speed)
            self._changed()

    def roll(self, now_ns: int) -> None:
        """Roll on from where it stopped."""
        if self._position is not None and not self._position.rolling:
            self._position = TimecodePosition(self._position.frame, now_ns, True, self.speed)
            self._changed()

    @property
    def rolling(self) -> bool:
        """True while running."""
        return self._position is not None and self._position.rolling

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()
