"""Provides `FakeTimingCore`: the `Scheduler` interface in-process and in virtual time, for the engine's tests.

It keeps the real core's rules exactly, with no process, socket or real clock: an item scheduled ahead is
"sent" at exactly its deadline in virtual time (`sent_ns == due_ns`); one already overdue goes out at the
next delivery and is reported late by exactly how overdue it was; items sharing a deadline go out in the order
they were scheduled; cancellations and panic are honoured. Every byte "sent" is recorded in `wire`.

Reports are delivered to subscribers only from `advance_to`, `run_due` or `flush`, never from inside
`schedule`/`cancel_*`/`panic`, as the real client delivers them later from its event loop.

    clock = ManualClock(0)
    core = FakeTimingCore(clock)
    core.set_endpoints([Endpoint("lx", "osc-udp", host="127.0.0.1", port=8000)])
    core.subscribe(events.append)
    core.schedule([SendItem(1, "LX 12", 1_000_000, "lx", b"...")])
    core.advance_to(2_000_000)        # Sent(1, "LX 12", "lx", due_ns=1_000_000, sent_ns=1_000_000)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from showcall.timing import protocol as p
from showcall.timing.api import SendItem, TimingStatistics
from showcall.timing.ledger import Tally
from showcall.timing.queue import DuplicateItemError, SendQueue
from showcall.transports.base import Endpoint

__all__ = ["Clock", "FakeTimingCore", "ManualClock", "WireRecord"]

FAKE_PID = 0


class Clock(Protocol):
    """Anything that tells monotonic time in ns."""

    def now_ns(self) -> int:
        """The current time."""


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns

    def now_ns(self) -> int:
        """The current virtual time."""
        return self._now

    def set_ns(self, now_ns: int) -> None:
        """Move to `now_ns`; time never goes back."""
        if now_ns < self._now:
            raise ValueError(f"time cannot go back from {self._now} to {now_ns}")
        self._now = now_ns

    def advance_ns(self, delta_ns: int) -> None:
        """Move forward by `delta_ns`."""
        self.set_ns(self._now + delta_ns)


@dataclass(frozen=True, slots=True)
class WireRecord:
    """Bytes the fake "sent": to `device` at `at_ns`; `item_id` is None for a device's panic packets."""

    device: str
    payload: bytes
    at_ns: int
    item_id: int | None


class FakeTimingCore:
    """An exact, in-process `Scheduler` in virtual time (see module docstring)."""

    def __init__(self, clock: Clock | None = None, *, mode: str = "precise") -> None:
        self.clock: Clock = clock if clock is not None else ManualClock()
        self.mode = mode
        self.wire: list[WireRecord] = []
        self.delivered: list[p.Report] = []
        self._queue = SendQueue()
        self._endpoints: dict[str, Endpoint] = {}
        self._down: dict[str, str] = {}
        self._outbox: list[p.Report] = []
        self._listeners: list[Callable[[p.Report], None]] = []
        self._tally = Tally()
        self._panics = 0
        self._restarts = 0

    # ---- the Scheduler interface ---------------------------------------------------------------

    def set_endpoints(self, endpoints: Sequence[Endpoint]) -> None:
        """Use these devices; each new one is reported online (or offline if `fail_device` said so)."""
        new = {e.device: e for e in endpoints}
        for device in new:
            if device not in self._endpoints:
                reason = self._down.get(device)
                self._outbox.append(p.DeviceStatus(device, "offline" if reason else "online", reason or ""))
        self._endpoints = new

    def schedule(self, items: Sequence[SendItem]) -> None:
        """Queue the items; raises DuplicateItemError (and queues none) if an id is already pending."""
        seen: set[int] = set()
        for item in items:
            if item.item_id in self._queue or item.item_id in seen:
                raise DuplicateItemError(f"item {item.item_id} is already pending")
            seen.add(item.item_id)
        for item in items:
            self._queue.add(item)
        self._tally.scheduled += len(items)

    def cancel_items(self, item_ids: Iterable[int]) -> None:
        """Cancel these items if still pending."""
        self._cancelled(self._queue.cancel_items(item_ids), "cancel")

    def cancel_cue(self, cue: str) -> None:
        """Cancel every pending item of `cue`."""
        self._cancelled(self._queue.cancel_cue(cue), "cue")

    def panic(self) -> None:
        """Cancel everything now and "send" every device's panic packets at the current virtual time."""
        now = self.clock.now_ns()
        ids = self._queue.cancel_all()
        self._cancelled(ids, "panic")
        sent = failed = 0
        for device, endpoint in self._endpoints.items():
            for packet in endpoint.panic:
                if device in self._down:
                    failed += 1
                else:
                    self.wire.append(WireRecord(device, packet, now, None))
                    sent += 1
        self._panics += 1
        self._outbox.append(p.PanicDone(self._panics, len(ids), now, now, sent, failed))

    def subscribe(self, listener: Callable[[p.Report], None]) -> Callable[[], None]:
        """Call `listener` with every report delivered from now on; returns the unsubscribe function."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def statistics(self) -> TimingStatistics:
        """Counters and lateness, as the real client reports them."""
        return self._tally.snapshot(
            pending=len(self._queue),
            mode=self.mode,
            priority="fake (virtual time)",
            realtime=False,
            core_pid=FAKE_PID,
            restarts=self._restarts,
        )

    # ---- driving virtual time ------------------------------------------------------------------

    def next_deadline(self) -> int | None:
        """The earliest pending deadline (to jump the clock straight to it)."""
        return self._queue.next_deadline()

    @property
    def pending(self) -> int:
        """How many items are still queued."""
        return len(self._queue)

    def advance_to(self, until_ns: int) -> None:
        """Move a `ManualClock` to `until_ns`, sending each item at its own deadline on the way."""
        clock = self.clock
        if not isinstance(clock, ManualClock):
            raise TypeError("advance_to needs a ManualClock; with another clock, move it and call run_due()")
        while True:
            due = self._queue.next_deadline()
            if due is None or due > until_ns:
                break
            clock.set_ns(max(due, clock.now_ns()))
            self.run_due()
        clock.set_ns(max(until_ns, clock.now_ns()))
        self.flush()

    def run_due(self) -> None:
        """Send everything due at the clock's current time (overdue items are reported late), then flush."""
        now = self.clock.now_ns()
        for entry in self._queue.pop_due(now):
            item = entry.item
            sent_ns = max(item.deadline_ns, now)
            reason = self._down.get(item.device)
            if item.device not in self._endpoints:
                reason = "no such device"
            if reason is not None:
                self._outbox.append(p.SendFailed(item.item_id, item.cue, item.device, item.deadline_ns, now, reason))
                continue
            self.wire.append(WireRecord(item.device, item.payload, sent_ns, item.item_id))
            self._outbox.append(p.Sent(item.item_id, item.cue, item.device, item.deadline_ns, sent_ns))
        self.flush()

    def flush(self) -> None:
        """Deliver the reports waiting (cancellations, panic, device status) to subscribers."""
        outbox, self._outbox = self._outbox, []
        for report in outbox:
            self._tally.count(report)
            self.delivered.append(report)
            for listener in list(self._listeners):
                listener(report)

    # ---- simulated faults ----------------------------------------------------------------------

    def fail_device(self, device: str, reason: str = "connection refused") -> None:
        """From now on sends to `device` fail with `reason` (reported offline)."""
        self._down[device] = reason
        if device in self._endpoints:
            self._outbox.append(p.DeviceStatus(device, "offline", reason))

    def restore_device(self, device: str) -> None:
        """`device` works again (reported online)."""
        if self._down.pop(device, None) is not None and device in self._endpoints:
            self._outbox.append(p.DeviceStatus(device, "online", ""))

    def crash(self) -> None:
        """Behave as if the core process died and was replaced: loud reports, nothing pending lost."""
        now = self.clock.now_ns()
        pending = len(self._queue)
        overdue = sum(1 for e in self._queue if e.item.deadline_ns < now)
        self._restarts += 1
        self._outbox.append(p.CoreLost(FAKE_PID, -9, "simulated crash", now, now, pending, True))
        self._outbox.append(p.CoreRestarted(FAKE_PID, pending, overdue, now))

    # ---- internals -----------------------------------------------------------------------------

    def _cancelled(self, ids: list[int], reason: str) -> None:
        if ids:
            self._outbox.append(p.Cancelled(tuple(ids), reason))
