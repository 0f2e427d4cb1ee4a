"""Provides the engine's time source: monotonic time, wall time, and timers for bookkeeping.

Tests run the engine on `showcall.timing.fake.FakeClock` (virtual time) instead of `SystemClock`.

Timers here only move the engine's own state (mark a cue fired or complete, start a countdown);
no message is ever sent from one. Sends are deadlines handed to the timing core.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from showcall.model.times import NS_PER_S


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
