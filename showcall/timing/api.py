"""Provides the timing core's small public interface: `SendItem`, `Scheduler` and `TimingStatistics`.

The engine hands the core absolute deadlines (CLOCK_MONOTONIC ns, the clock of `time.monotonic_ns`) and
pre-encoded bytes; it never sleeps to fire a cue. Two implementations satisfy `Scheduler`:
`TimingCoreClient` (the real core in its own process) and `FakeScheduler` (in-process, virtual time, for
the engine's tests).

Every scheduled item ends with exactly one report: `Sent` (possibly late), `SendFailed` or `Cancelled`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from showcall.timing.protocol import Report
    from showcall.transports.base import Endpoint

__all__ = ["Fenced", "Scheduler", "SendItem", "TimingStatistics"]


@dataclass(frozen=True, slots=True)
class SendItem:
    """One message to send: `payload` (device bytes, not yet framed) to `device` at `deadline_ns`.

    `item_id` is unique for the life of a scheduler; `cue` groups items for `cancel_cue` and reports.
    Items sharing a deadline go out back to back in the order they were scheduled.
    """

    item_id: int
    cue: str
    deadline_ns: int
    device: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class TimingStatistics:
    """An immutable snapshot of a scheduler's counters and recent lateness.

    Lateness percentiles cover the last `window` sends (None before the first); `priority` says what the
    kernel granted the core (`SCHED_FIFO 10`, `SCHED_OTHER, 100 µs slice`), empty before it started.
    """

    scheduled: int
    sent: int
    failed: int
    cancelled: int
    pending: int
    early: int
    late_over_1ms: int
    late_over_5ms: int
    window: int
    lateness_p50_us: float | None
    lateness_p99_us: float | None
    lateness_max_us: float | None
    mode: str
    priority: str
    realtime: bool
    core_pid: int | None
    restarts: int


@runtime_checkable
class Scheduler(Protocol):
    """What the engine needs from the timing core (see module docstring).

    None of these block: each returns at once and the effect is confirmed by a report. Reports are
    delivered to subscribers on the scheduler's own thread (the engine's asyncio loop for the real core).
    """

    def set_endpoints(self, endpoints: Sequence[Endpoint]) -> None:
        """Open (or re-open) one output per device; items for a device not listed fail with `SendFailed`."""

    def schedule(self, items: Sequence[SendItem]) -> None:
        """Send each item at its deadline (at once if the deadline has passed, reported late)."""

    def cancel_items(self, item_ids: Iterable[int]) -> None:
        """Cancel these items if they have not been sent yet."""

    def cancel_cue(self, cue: str) -> None:
        """Cancel every pending item of `cue`."""

    def panic(self) -> None:
        """Cancel everything pending at once, then send each device's `Endpoint.panic` packets."""

    def subscribe(self, listener: Callable[[Report], None]) -> Callable[[], None]:
        """Call `listener` with every report from now on; returns a function that unsubscribes."""

    def statistics(self) -> TimingStatistics:
        """An immutable snapshot of counters, recent lateness and the priority granted."""


@runtime_checkable
class Fenced(Scheduler, Protocol):
    """A scheduler whose core can be fenced: what a main with a tracking backup needs (showcall.backup)."""

    def set_send_limit(self, until_ns: int | None) -> None:
        """Send nothing once the clock reads past `until_ns` (None: no limit); what is held back is
        reported `Cancelled` with reason `fenced`."""

    def set_mirror(self, address: tuple[str, int] | None, key: bytes = b"") -> None:
        """Tell `address` (UDP) of every send as it is made, signed with `key`; None stops (timing/mirror.py)."""
