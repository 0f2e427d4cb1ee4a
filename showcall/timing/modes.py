"""Provides the core's waiting modes: how long before a deadline it stops sleeping and starts spinning.

The core wakes on a timerfd armed at nanosecond precision (timer slack set to 1 ns), so the guard only has
to cover how late the kernel wakes it, not the millisecond rounding of an epoll timeout. Measured on the
2-core VM this was written on (interleaved runs, docs/timing.md has the tables): wake-ups are late by
p50 ≈ 50 µs, p99 ≈ 100–450 µs, p99.9 ≈ 150 µs with SCHED_FIFO, and by milliseconds without it whenever both
cores are busy (then no guard short of the whole tick helps). A longer spin made things worse without
real-time priority: a spinning task uses up its slice and is the first to be preempted at the next 4 ms tick.

- precise (default): 500 µs guard — covers the measured wake-up p99.9 with SCHED_FIFO and p99 without;
  costs 0.5 ms of one core per deadline (0.5 % at 10 cues a second).
- eco: 150 µs guard — covers the median and p90 wake-up; a third of the spinning.
- sleep: no spin at all, for a laptop on battery: sends when the kernel wakes it, p50 ≈ 50 µs late.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ECO", "MODES", "PRECISE", "SLEEP", "Mode", "mode_named"]


@dataclass(frozen=True, slots=True)
class Mode:
    """A waiting mode: sleep until the guard before a deadline, then spin (no spin when it is 0).

    `guard_ns` applies under SCHED_FIFO, `fair_guard_ns` without it (see module docstring).
    """

    name: str
    guard_ns: int
    fair_guard_ns: int
    summary: str

    def guard_for(self, realtime: bool) -> int:
        """The guard in force for a core that got (or did not get) real-time priority."""
        return self.guard_ns if realtime else self.fair_guard_ns

    def with_guard(self, guard_ns: int) -> Mode:
        """This mode with one guard for both cases (the benchmark's `--guard-us`)."""
        if guard_ns < 0:
            raise ValueError("guard must be 0 or more nanoseconds")
        return Mode(self.name, guard_ns, guard_ns, self.summary)


PRECISE = Mode("precise", 500_000, 200_000, "sleep until 500 µs (200 µs without real-time) before a deadline, spin")
ECO = Mode("eco", 150_000, 100_000, "sleep until 150 µs (100 µs without real-time) before a deadline, spin")
SLEEP = Mode("sleep", 0, 0, "sleep until each deadline, never spin (laptops on battery)")

MODES: dict[str, Mode] = {m.name: m for m in (PRECISE, ECO, SLEEP)}


def mode_named(name: str) -> Mode:
    """The mode called `name` (`precise`, `eco` or `sleep`)."""
    try:
        return MODES[name]
    except KeyError:
        raise ValueError(f"timing mode must be one of {', '.join(MODES)}, not {name!r}") from None
