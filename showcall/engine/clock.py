"""Provides the engine's clock: monotonic time, wall time, and timers for bookkeeping.

Timers here only move the engine's own state (mark a cue fired or complete, start a countdown);
no message is ever sent from one. Sends are deadlines handed to the timing core.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass(order=True)
class _FakeTimer:
    when_ns: int
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """Virtual time for exact tests: nothing happens until `advance` moves time on.

    `advance_to(t)` runs every timer due up to `t` in time order (timers that timers add are run
    too), setting `now_ns` to each timer's due time while it runs, so effects are exact.
    `wall_offset_ns` maps monotonic to wall time.
    """

    def __init__(self, start_ns: int = 1_000_000_000_000, wall_offset_ns: int = 1_700_000_000_000_000_000) -> None:
        self._now = start_ns
        self.wall_offset_ns = wall_offset_ns
        self._timers: list[_FakeTimer] = []
        self._seq = itertools.count()
        self.listeners: list[Callable[[int], None]] = []

    def now_ns(self) -> int:
        """The virtual monotonic time."""
        return self._now

    def wall_ns(self) -> int:
        """Virtual wall time: monotonic plus a fixed offset."""
        return self._now + self.wall_offset_ns

    def time_of_day_ns(self) -> int:
        """Virtual time of day: wall time modulo a day (the fake clock's zone is UTC)."""
        return self.wall_ns() % DAY_NS

    def set_time_of_day(self, tod_ns: int) -> None:
        """Move the wall offset so it is `tod_ns` after midnight now (monotonic time does not move)."""
        self.wall_offset_ns += (tod_ns - self.time_of_day_ns()) % DAY_NS

    def call_at(self, when_ns: int, callback: Callable[[], None]) -> Timer:
        """Queue `callback` for virtual time `when_ns`."""
        timer = _FakeTimer(max(when_ns, self._now), next(self._seq), callback)
        heapq.heappush(self._timers, timer)
        return timer

    def next_due_ns(self) -> int | None:
        """When the next live timer is due, if any."""
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].when_ns if self._timers else None

    def advance_to(self, when_ns: int) -> None:
        """Move virtual time to `when_ns`, running every timer due on the way, in order."""
        while True:
            due = self.next_due_ns()
            if due is None or due > when_ns:
                break
            timer = heapq.heappop(self._timers)
            self._set(timer.when_ns)
            timer.callback()
        self._set(max(self._now, when_ns))

    def advance(self, delta_ns: int) -> None:
        """Move virtual time on by `delta_ns`."""
        self.advance_to(self._now + delta_ns)

    def run_until_idle(self, limit_ns: int = 24 * 3600 * 1_000_000_000) -> None:
        """Run every pending timer (up to `limit_ns` ahead), jumping from one to the next."""
        end = self._now + limit_ns
        while (due := self.next_due_ns()) is not None and due <= end:
            self.advance_to(due)

    def _set(self, now: int) -> None:
        self._now = now
        for listener in self.listeners:
            listener(now)
