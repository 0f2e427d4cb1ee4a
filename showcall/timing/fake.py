"""Provides virtual time for tests: `FakeClock`, and `FakeScheduler`, the `Scheduler` protocol's test double.

`FakeScheduler` behaves as the real `TimingCoreClient` does, in virtual time, so the races the real one has
show up in tests (as httpx's MockTransport stands in for a network):

* a command (schedule, cancel, panic) reaches the "core" `command_ns` after it is made, as it crosses the
  socketpair to the core's process;
* the core sends each item at its deadline, or at once (reported late) when the item reached it after;
* every report reaches subscribers `report_ns` after the core made it, in the order it was made, from the
  clock's timers (the engine's event loop, in real life): never from inside `schedule`, `cancel_*` or `panic`;
* a cancel that reaches the core after the item went out loses the race: the item is reported `Sent`, and no
  `Cancelled` follows for it.

With both delays 0 (the default) sends are exact (`sent_ns == deadline`), and reports still arrive only when
virtual time next moves (`clock.advance(0)` delivers them). Every byte "sent" is recorded in `wire`.

    clock = FakeClock()
    core = FakeScheduler(clock, command_ns=200_000, report_ns=100_000)
    core.subscribe(reports.append)
    core.schedule([SendItem(1, "LX 12", clock.now_ns() + 1_000_000, "lx", b"...")])
    clock.advance(2_000_000)     # reports == [Sent(1, "LX 12", "lx", due_ns=..., sent_ns=due_ns)]
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from showcall.timing import protocol as p
from showcall.timing.api import SendItem, TimingStatistics
from showcall.timing.ledger import Tally
from showcall.timing.queue import DuplicateItemError, SendQueue
from showcall.transports.base import Endpoint

__all__ = ["FakeClock", "FakeScheduler", "FakeTimer", "WireRecord"]

NS_PER_S = 1_000_000_000
DAY_NS = 86_400 * NS_PER_S
FAKE_PID = 0


@dataclass(order=True)
class FakeTimer:
    """A callback queued on a `FakeClock`; `cancel()` stops it."""

    when_ns: int
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        """Stop the callback from running (no effect once it ran)."""
        self.cancelled = True


class FakeClock:
    """Virtual time for exact tests: nothing happens until `advance` moves time on.

    It tells the time as the engine's `Clock` does (monotonic, wall, local time of day; its zone is UTC) and
    runs timers: `advance_to(t)` runs every timer due up to `t` in time order (timers that timers add too),
    setting the time to each one's due time while it runs, so effects are exact. Timers due at the same
    instant run in the order they were made.
    """

    def __init__(self, start_ns: int = 1_000_000_000_000, wall_offset_ns: int = 1_700_000_000_000_000_000) -> None:
        self._now = start_ns
        self.wall_offset_ns = wall_offset_ns
        self._timers: list[FakeTimer] = []
        self._seq = itertools.count()

    def now_ns(self) -> int:
        """The virtual monotonic time."""
        return self._now

    def wall_ns(self) -> int:
        """Virtual wall time: monotonic plus a fixed offset."""
        return self._now + self.wall_offset_ns

    def time_of_day_ns(self) -> int:
        """Virtual local time of day: wall time modulo a day."""
        return self.wall_ns() % DAY_NS

    def set_time_of_day(self, tod_ns: int) -> None:
        """Move the wall offset so it is `tod_ns` after midnight now (monotonic time does not move)."""
        self.wall_offset_ns += (tod_ns - self.time_of_day_ns()) % DAY_NS

    def call_at(self, when_ns: int, callback: Callable[[], None]) -> FakeTimer:
        """Queue `callback` for virtual time `when_ns` (the next advance, if that has passed)."""
        timer = FakeTimer(max(when_ns, self._now), next(self._seq), callback)
        heapq.heappush(self._timers, timer)
        return timer

    def next_due_ns(self) -> int | None:
        """When the next live timer is due, if any."""
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].when_ns if self._timers else None

    def advance_to(self, when_ns: int) -> None:
        """Move virtual time to `when_ns` (never back), running every timer due on the way, in order."""
        while True:
            due = self.next_due_ns()
            if due is None or due > when_ns:
                break
            timer = heapq.heappop(self._timers)
            self._now = max(self._now, timer.when_ns)
            timer.callback()
        self._now = max(self._now, when_ns)

    def advance(self, delta_ns: int = 0) -> None:
        """Move virtual time on by `delta_ns` (0: run what is due now, such as reports waiting)."""
        self.advance_to(self._now + delta_ns)

    def run_until_idle(self, limit_ns: int = 24 * 3600 * NS_PER_S) -> None:
        """Run every pending timer (up to `limit_ns` ahead), jumping from one to the next."""
        end = self._now + limit_ns
        while (due := self.next_due_ns()) is not None and due <= end:
            self.advance_to(due)


@dataclass(frozen=True, slots=True)
class WireRecord:
    """Bytes the fake core "sent": to `device` at `at_ns`, for `cue`; `item_id` is None (and `cue` empty) for a
    device's panic packets."""

    device: str
    payload: bytes
    at_ns: int
    item_id: int | None
    cue: str = ""


Transmit = Callable[[str, bytes], str | None]
"""Puts a payload on a real wire (tests that send for real); returns why it failed, or None."""


class FakeScheduler:
    """The `Scheduler` in virtual time, late and out of band like the real client (see module docstring)."""

    def __init__(
        self,
        clock: FakeClock,
        *,
        command_ns: int = 0,
        report_ns: int = 0,
        mode: str = "precise",
        transmit: Transmit | None = None,
    ) -> None:
        self.clock = clock
        self.command_ns = command_ns
        self.report_ns = report_ns
        self.mode = mode
        self.transmit = transmit
        self.wire: list[WireRecord] = []
        self.delivered: list[p.Report] = []
        self.endpoints: dict[str, Endpoint] = {}
        self.panics = 0
        self._queue = SendQueue()  # what the core holds
        self._asked: set[int] = set()  # ids the engine scheduled that the core has not settled (the client's ledger)
        self._down: dict[str, str] = {}
        self._listeners: list[Callable[[p.Report], None]] = []
        self._tally = Tally()
        self._wake: FakeTimer | None = None
        self._wake_ns: int | None = None
        self._restarts = 0
        self._limit: int | None = None
        self.mirror: tuple[str, int] | None = None
        self.mirrored: list[tuple[str, str, int, int]] = []  # what the core told the mirror (cue, device, due, sent)

    # ---- the Scheduler interface ---------------------------------------------------------------

    def set_endpoints(self, endpoints: Sequence[Endpoint]) -> None:
        """Use these devices; each new one is reported online (offline if `fail_device` said so)."""
        new = {e.device: e for e in endpoints}
        for device in new:
            if device not in self.endpoints:
                reason = self._down.get(device)
                self._report(p.DeviceStatus(device, "offline" if reason else "online", reason or ""))
        self.endpoints = new

    def schedule(self, items: Sequence[SendItem]) -> None:
        """Hand items to the core; raises DuplicateItemError (and hands none) if an id is already pending."""
        seen: set[int] = set()
        for item in items:
            if item.item_id in self._asked or item.item_id in seen:
                raise DuplicateItemError(f"item {item.item_id} is already pending")
            seen.add(item.item_id)
        if not items:
            return
        self._asked |= seen
        self._tally.scheduled += len(items)
        batch = tuple(items)
        self._at_core(lambda: self._arrive(batch))

    def cancel_items(self, item_ids: Iterable[int]) -> None:
        """Ask the core to cancel these items (a `Cancelled` report confirms those it still held)."""
        ids = tuple(item_ids)
        self._at_core(lambda: self._cancelled(self._queue.cancel_items(ids), "cancel"))

    def cancel_cue(self, cue: str) -> None:
        """Ask the core to cancel every pending item of `cue`."""
        self._at_core(lambda: self._cancelled(self._queue.cancel_cue(cue), "cue"))

    def panic(self) -> None:
        """Ask the core to cancel everything at once and send every device's panic packets."""
        self.panics += 1
        token = self.panics
        asked_ns = self.clock.now_ns()
        self._at_core(lambda: self._panic(token, asked_ns))

    def set_send_limit(self, until_ns: int | None) -> None:
        """Fence the core: once virtual time is past `until_ns` nothing is sent (reported `Cancelled`,
        `fenced`), the panic's stop packets included; None lifts it."""

        def arrive() -> None:
            self._limit = until_ns

        self._at_core(arrive)

    def set_mirror(self, address: tuple[str, int] | None, key: bytes = b"") -> None:
        """From when this reaches the core, record each send in `mirrored` (the real core tells `address`)."""

        def arrive() -> None:
            self.mirror = address

        self._at_core(arrive)

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
            pending=len(self._asked),
            mode=self.mode,
            priority="fake (virtual time)",
            realtime=False,
            core_pid=FAKE_PID,
            restarts=self._restarts,
        )

    # ---- what tests look at --------------------------------------------------------------------

    @property
    def pending(self) -> list[SendItem]:
        """The items the core holds now, in the order it will send them."""
        return [entry.item for entry in self._queue]

    @property
    def unsettled(self) -> int:
        """Items scheduled whose final report (sent, failed, cancelled) has not been delivered yet."""
        return len(self._asked)

    def emit(self, report: p.Report) -> None:
        """Deliver a report as if the core had made it now (a device status, a core lost...)."""
        self._report(report)

    # ---- simulated faults ----------------------------------------------------------------------

    def fail_device(self, device: str, reason: str = "connection refused") -> None:
        """From now on the core's sends to `device` fail with `reason` (reported offline)."""
        self._down[device] = reason
        if device in self.endpoints:
            self._report(p.DeviceStatus(device, "offline", reason))

    def restore_device(self, device: str) -> None:
        """`device` works again (reported online)."""
        if self._down.pop(device, None) is not None and device in self.endpoints:
            self._report(p.DeviceStatus(device, "online", ""))

    def crash(self) -> None:
        """Behave as the client does when its core dies and the spare takes over: loud reports, nothing
        pending lost (the spare gets every item not yet reported; overdue ones go at once, late)."""
        now = self.clock.now_ns()
        pending = len(self._queue)
        overdue = sum(1 for entry in self._queue if entry.item.deadline_ns < now)
        self._restarts += 1
        self._report(p.CoreLost(FAKE_PID, -9, "simulated crash", now, now, pending, True))
        self._report(p.CoreRestarted(FAKE_PID, pending, overdue, now))

    # ---- the core's side -----------------------------------------------------------------------

    def _at_core(self, action: Callable[[], None]) -> None:
        """Run `action` when a command made now reaches the core."""
        self.clock.call_at(self.clock.now_ns() + self.command_ns, action)

    def _arrive(self, items: tuple[SendItem, ...]) -> None:
        for item in items:
            self._queue.add(item)
        self._wake_at_next()

    def _wake_at_next(self) -> None:
        due = self._queue.next_deadline()
        if due is None or (self._wake_ns is not None and self._wake_ns <= due):
            return
        if self._wake is not None:
            self._wake.cancel()
        self._wake_ns = due
        self._wake = self.clock.call_at(due, self._send_due)

    def _send_due(self) -> None:
        self._wake = self._wake_ns = None
        now = self.clock.now_ns()
        due = self._queue.pop_due(now)
        if due and self._limit is not None and now > self._limit:
            self._report(p.Cancelled(tuple(entry.item.item_id for entry in due), "fenced"))
            due = []
        for entry in due:
            item = entry.item
            reason = "no such device" if item.device not in self.endpoints else self._down.get(item.device)
            if reason is None and self.transmit is not None:
                reason = self.transmit(item.device, item.payload)
            if reason is not None:
                self._report(p.SendFailed(item.item_id, item.cue, item.device, item.deadline_ns, now, reason))
                continue
            self.wire.append(WireRecord(item.device, item.payload, now, item.item_id, item.cue))
            if self.mirror is not None:
                self.mirrored.append((item.cue, item.device, item.deadline_ns, now))
            self._report(p.Sent(item.item_id, item.cue, item.device, item.deadline_ns, now))
        self._wake_at_next()

    def _cancelled(self, ids: list[int], reason: str) -> None:
        if ids:
            self._report(p.Cancelled(tuple(ids), reason))
        self._wake_at_next()

    def _panic(self, token: int, asked_ns: int) -> None:
        now = self.clock.now_ns()
        ids = self._queue.cancel_all()
        self._cancelled(ids, "panic")
        sent = failed = 0
        fenced = self._limit is not None and now > self._limit
        for device, endpoint in self.endpoints.items() if not fenced else ():
            for packet in endpoint.panic:
                if device in self._down:
                    failed += 1
                else:
                    self.wire.append(WireRecord(device, packet, now, None))
                    sent += 1
        self._report(p.PanicDone(token, len(ids), asked_ns, now, sent, failed))

    def _report(self, report: p.Report) -> None:
        """Send a report back: it reaches subscribers `report_ns` from now, after those made before it."""
        self.clock.call_at(self.clock.now_ns() + self.report_ns, lambda: self._deliver(report))

    def _deliver(self, report: p.Report) -> None:
        if isinstance(report, p.Sent | p.SendFailed):
            self._asked.discard(report.item_id)
        elif isinstance(report, p.Cancelled):
            self._asked.difference_update(report.item_ids)
        self._tally.count(report)
        self.delivered.append(report)
        for listener in list(self._listeners):
            listener(report)
