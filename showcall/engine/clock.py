"""Provides the engine's time source: monotonic time, wall time, and timers for bookkeeping.

Tests run the engine on `showcall.timing.fake.FakeClock` (virtual time) instead of `SystemClock`.
`ShowClock` wraps either: it is the show's time of day, which a rehearsal may set and run faster.

Timers here only move the engine's own state (mark a cue fired or complete, start a countdown);
no message is ever sent from one. Sends are deadlines handed to the timing core.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from showcall.model.times import DAY_NS, NS_PER_S


class Timer(Protocol):
    """A scheduled callback that can be cancelled."""

    def cancel(self) -> None:
        """Stop the callback from running (no effect once it ran)."""


class Clock(Protocol):
    """Time as the engine sees it (see module docstring)."""

    def now_ns(self) -> int:
        """CLOCK_MONOTONIC in nanoseconds: the clock the timing core's deadlines use."""

    def wall_ns(self) -> int:
        """Wall-clock time (Unix epoch, ns) for time-of-day cues and the log."""

    def time_of_day_ns(self) -> int:
        """Local time of day (ns after midnight), for `at` cues and the console's clock."""

    def call_at(self, when_ns: int, callback: Callable[[], None]) -> Timer:
        """Run `callback` at monotonic time `when_ns` (at once if it has passed)."""


class SystemClock:
    """The real clocks, with timers on the running asyncio loop (whose time is CLOCK_MONOTONIC)."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop

    def now_ns(self) -> int:
        """time.monotonic_ns()."""
        return time.monotonic_ns()

    def wall_ns(self) -> int:
        """time.time_ns()."""
        return time.time_ns()

    def time_of_day_ns(self) -> int:
        """Local time of day from the system's time zone."""
        wall = time.time_ns()
        local = time.localtime(wall // NS_PER_S)
        return ((local.tm_hour * 60 + local.tm_min) * 60 + local.tm_sec) * NS_PER_S + wall % NS_PER_S

    def call_at(self, when_ns: int, callback: Callable[[], None]) -> Timer:
        """loop.call_later from now, so the timer runs on the engine's loop."""
        loop = self._loop or asyncio.get_running_loop()
        delay = max(0.0, (when_ns - time.monotonic_ns()) / 1e9)
        return loop.call_later(delay, callback)


class ShowClock:
    """The clock the show runs on: the real one, or in rehearsal a rehearsal clock.

    The timing core and every deadline keep CLOCK_MONOTONIC (`now_ns`, `call_at` are the base clock's).
    Only the time of day is the show's: until `set` is called it is the real one; after, it runs from the
    time set, counted on the monotonic clock (so a time step of the machine's clock cannot move it), `speed`
    times faster than real time. This is the one place the offset lives; `real_ns` is the one place a show
    duration becomes a real one at `speed`. `wall_ns` stays the machine's real time: the event log carries
    monotonic stamps across a reboot through it.
    """

    def __init__(self, base: Clock, *, speed: int = 1, rehearsal: bool = False) -> None:
        if speed < 1:
            raise ValueError(f"speed must be a whole number from 1, not {speed}")
        self.base = base
        self.speed = speed
        self.rehearsal = rehearsal  # may it be set (rehearse, run --sim)? A real show runs on the real time
        self.note = ""  # why it reads what it reads, when showcall chose the time (for the header and the log)
        self._anchor: tuple[int, int] | None = None  # (monotonic ns, show time of day then)
        if speed != 1:
            self.set(base.time_of_day_ns())  # a faster clock runs from the real time until told otherwise

    @property
    def in_use(self) -> bool:
        """True when the show's time of day is not the real one (set, or running faster)."""
        return self._anchor is not None

    def set(self, tod_ns: int, *, note: str = "") -> None:
        """From now, the show's time of day reads `tod_ns` and runs on at `speed`."""
        self._anchor = (self.base.now_ns(), tod_ns % DAY_NS)
        self.note = note

    def now_ns(self) -> int:
        """The base clock's CLOCK_MONOTONIC."""
        return self.base.now_ns()

    def wall_ns(self) -> int:
        """The machine's real wall-clock time (never offset: see the class docstring)."""
        return self.base.wall_ns()

    def time_of_day_ns(self) -> int:
        """The show's time of day now."""
        return self.time_of_day_at(self.base.now_ns())

    def time_of_day_at(self, mono_ns: int) -> int:
        """The show's time of day at monotonic `mono_ns` (exact for a set clock: `at` cues compare against it)."""
        if self._anchor is None:
            return (self.base.time_of_day_ns() - (self.base.now_ns() - mono_ns)) % DAY_NS
        anchor_mono, anchor_tod = self._anchor
        return (anchor_tod + (mono_ns - anchor_mono) * self.speed) % DAY_NS

    def real_time_of_day_ns(self) -> int:
        """The real local time of day, whatever the show's clock says."""
        return self.base.time_of_day_ns()

    def real_ns(self, show_ns: int) -> int:
        """How long `show_ns` of show time lasts in real time (rounded down: a follow never waits longer)."""
        return show_ns // self.speed

    def real_ns_until(self, show_ns: int) -> int:
        """Real time until `show_ns` of show time has passed (rounded up: an `at` cue never fires early)."""
        return -(-show_ns // self.speed)

    def show_ns(self, real_ns: int) -> int:
        """How much show time passes in `real_ns` of real time."""
        return real_ns * self.speed

    def call_at(self, when_ns: int, callback: Callable[[], None]) -> Timer:
        """The base clock's timer (monotonic time)."""
        return self.base.call_at(when_ns, callback)
