"""Provides a scheduler that sends in virtual time, for exact engine tests.

Each item is "sent" exactly at its deadline on a FakeClock (and recorded), cancellations are
confirmed at once, and reports reach subscribers synchronously, so event order is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from showcall.engine.clock import FakeClock, Timer
from showcall.timing import protocol as p
from showcall.timing.api import SendItem, TimingStatistics
from showcall.transports.base import Endpoint


@dataclass
class VirtualScheduler:
    """A `Scheduler` in virtual time (see module docstring). `down` devices fail their sends."""

    clock: FakeClock
    sent: list[tuple[int, SendItem]] = field(default_factory=list)
    down: set[str] = field(default_factory=set)
    panics: int = 0
    _pending: dict[int, tuple[SendItem, Timer]] = field(default_factory=dict)
    _listeners: list[Callable[[p.Report], None]] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)

    def set_endpoints(self, endpoints: Sequence[Endpoint]) -> None:
        self.endpoints = list(endpoints)

    def schedule(self, items: Sequence[SendItem]) -> None:
        for item in items:
            timer = self.clock.call_at(item.deadline_ns, lambda item=item: self._send(item))  # type: ignore[misc]
            self._pending[item.item_id] = (item, timer)

    def _send(self, item: SendItem) -> None:
        self._pending.pop(item.item_id, None)
        now = self.clock.now_ns()
        if item.device in self.down:
            self._emit(p.SendFailed(item.item_id, item.cue, item.device, item.deadline_ns, now, "device offline"))
            return
        self.sent.append((now, item))
        self._emit(p.Sent(item.item_id, item.cue, item.device, item.deadline_ns, now))

    def cancel_items(self, item_ids: Iterable[int]) -> None:
        cancelled = []
        for item_id in item_ids:
            entry = self._pending.pop(item_id, None)
            if entry is not None:
                entry[1].cancel()
                cancelled.append(item_id)
        if cancelled:
            self._emit(p.Cancelled(tuple(cancelled), "cancel"))

    def cancel_cue(self, cue: str) -> None:
        self.cancel_items([i for i, (item, _) in self._pending.items() if item.cue == cue])

    def panic(self) -> None:
        self.panics += 1
        ids = list(self._pending)
        for _, timer in self._pending.values():
            timer.cancel()
        self._pending.clear()
        if ids:
            self._emit(p.Cancelled(tuple(ids), "panic"))

    def subscribe(self, listener: Callable[[p.Report], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def emit(self, report: p.Report) -> None:
        """Deliver a report as if the core had sent it (device status, core lost...)."""
        self._emit(report)

    def _emit(self, report: p.Report) -> None:
        for listener in list(self._listeners):
            listener(report)

    @property
    def pending(self) -> list[SendItem]:
        return sorted((item for item, _ in self._pending.values()), key=lambda i: (i.deadline_ns, i.item_id))

    def statistics(self) -> TimingStatistics:
        return TimingStatistics(
            scheduled=0,
            sent=len(self.sent),
            failed=0,
            cancelled=0,
            pending=len(self._pending),
            early=0,
            late_over_1ms=0,
            late_over_5ms=0,
            window=0,
            lateness_p50_us=0.0,
            lateness_p99_us=0.0,
            lateness_max_us=0.0,
            mode="virtual",
            priority="virtual",
            realtime=False,
            core_pid=None,
            restarts=0,
        )
