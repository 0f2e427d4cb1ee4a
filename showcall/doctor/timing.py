"""Provides the timing probe's verdict: `ProbeFacts` (what `--probe` measured) -> `Item`.

The bars are the promise in design.md §7 for an ordinary unprivileged machine with the console on screen:
p99 ≤ 250 µs and p99.9 ≤ 2 ms after the deadline. A 5-second probe has ~1,000 sends, so its maximum stands
in for p99.9. Beyond p99 1 ms (three MIDI bytes) the machine cannot keep the promise at all: FAIL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from showcall.doctor.items import GROUP_MACHINE, Item, Level
from showcall.stats import percentile

__all__ = ["FAIL_P99_US", "OK_MAX_US", "OK_P99_US", "Lateness", "ProbeFacts", "lateness", "probe_item"]

OK_P99_US = 250.0
OK_MAX_US = 2_000.0
FAIL_P99_US = 1_000.0


@dataclass(frozen=True)
class Lateness:
    """A summary of lateness figures in µs: count, p50, p99, max, how many over 1 ms, how many early."""

    count: int
    p50_us: float
    p99_us: float
    max_us: float
    over_1ms: int
    early: int

    def as_dict(self) -> dict[str, float | int]:
        """For --json."""
        return {
            "count": self.count,
            "p50_us": round(self.p50_us, 1),
            "p99_us": round(self.p99_us, 1),
            "max_us": round(self.max_us, 1),
            "over_1ms": self.over_1ms,
            "early": self.early,
        }


def lateness(values_us: Sequence[float], *, early_below_us: float = 0.0) -> Lateness | None:
    """Summarise lateness values (µs); those below `early_below_us` count as early. None when empty."""
    if not values_us:
        return None
    ordered = sorted(values_us)
    early = sum(1 for v in ordered if v < early_below_us)
    over = sum(1 for v in ordered if v > 1_000.0)
    # nearest rank (showcall.stats), as the console's timing line and `showcall bench` compute it
    return Lateness(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.99), ordered[-1], over, early)


@dataclass(frozen=True)
class ProbeFacts:
    """What the timing probe measured.

    `at_send`: lateness by the core's own clock just before each send (what the event log records);
    `on_arrival`: by the kernel's receive timestamp at a UDP socket on this machine (None if it had none).
    `priority` is what the core was granted, empty when it did not start (`error` says why).
    """

    seconds: float
    scheduled: int
    priority: str = ""
    realtime: bool = False
    notes: tuple[str, ...] = ()
    at_send: Lateness | None = None
    on_arrival: Lateness | None = None
    failed: int = 0
    error: str = ""


def _us(value: float) -> str:
    return f"{value / 1000:.2f} ms" if value >= 1000 else f"{value:.0f} µs"


def probe_item(f: ProbeFacts) -> Item:
    """The verdict on the timing probe (see module docstring for the bars)."""
    title = "timing probe"
    data = {
        "seconds": f.seconds,
        "scheduled": f.scheduled,
        "priority": f.priority,
        "realtime": f.realtime,
        "notes": list(f.notes),
        "at_send": f.at_send.as_dict() if f.at_send else None,
        "on_arrival": f.on_arrival.as_dict() if f.on_arrival else None,
        "failed": f.failed,
    }
    if f.error or f.at_send is None:
        found = f"the timing core did not run: {f.error or 'no sends reported'}"
        return Item(
            GROUP_MACHINE, "probe", title, Level.FAIL, found, "report this with the output of --json", data=data
        )
    figures = f.on_arrival or f.at_send
    where = "on arrival" if f.on_arrival else "at send"
    found = (
        f"p50 {_us(figures.p50_us)}, p99 {_us(figures.p99_us)}, max {_us(figures.max_us)} {where} "
        f"({figures.count} sends in {f.seconds:g} s, {f.priority})"
    )
    faster = "close busy programs, plug in power, set the performance governor, grant real-time priority"
    if f.at_send.early or f.failed or f.at_send.count < f.scheduled:
        missing = f.scheduled - f.at_send.count
        found += f"; {f.at_send.early} early, {f.failed} failed, {missing} not reported"
        return Item(
            GROUP_MACHINE, "probe", title, Level.FAIL, found, "report this with the output of --json", data=data
        )
    if figures.p99_us > FAIL_P99_US:
        fix = f"this machine cannot keep time now: {faster} (the items above say which apply), then probe again"
        return Item(GROUP_MACHINE, "probe", title, Level.FAIL, found, fix, data=data)
    if figures.p99_us > OK_P99_US or figures.max_us > OK_MAX_US:
        fix = f"beyond showcall's bars (p99 {OK_P99_US:g} µs, max {OK_MAX_US / 1000:g} ms): {faster}"
        return Item(GROUP_MACHINE, "probe", title, Level.WARN, found, fix, data=data)
    return Item(GROUP_MACHINE, "probe", title, Level.OK, found, data=data)
