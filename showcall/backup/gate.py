"""Provides `Gate`: the scheduler a linked console's engine talks to; it decides what may reach the timing core.

* Following (muted): the devices are closed in the core (no keep-alive, no TCP connection: a device that takes
  one controller is free for the live console) and nothing is sent. The following engine schedules nothing;
  what a standing-down engine cancels is passed on.
* Live, free: everything goes to the core (no backup attached).
* Live, leased: everything goes to the core, and the core is fenced (`SendLimit`) at the end of the lease the
  backup's acknowledgements keep moving on. Frozen or cut off, the main stops on its own before the backup may
  take over. What the fenced core holds back (reported `Cancelled`, `fenced`) waits here, and goes (late) as
  soon as a new lease covers it; it never reaches the engine as cancelled.
* Taking over: sends that the other console may already have made (due before its fence ended, not reported)
  are "in doubt". With `fire` they go like the rest (at once: they are overdue); with `ask` they wait here
  until the operator says `fire` or `skip`; a skipped one is reported failed with `SKIPPED` as the reason.

Reports made here (cancels of what waits here, skips) reach the engine out of band, like the core's, never
from inside a call: `defer` runs them soon on the engine's loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from showcall.timing import protocol as p
from showcall.timing.api import Fenced, SendItem, TimingStatistics
from showcall.transports.base import Endpoint

SKIPPED = "not sent at the take-over: the other console may have sent it"
RECENT = 4096
"""Sends remembered (cue, device, due, sent): a console standing down lists those since its last word."""


@dataclass(frozen=True, slots=True)
class Doubt:
    """A send in doubt at a take-over: which cue's, to which device, when it was due (this machine's clock)."""

    item_id: int
    cue: str
    device: str
    due_ns: int


class Gate:
    """What may reach the timing core (see module docstring)."""

    def __init__(
        self,
        inner: Fenced,
        endpoints: Sequence[Endpoint],
        now: Callable[[], int],
        defer: Callable[[Callable[[], None]], object],
    ) -> None:
        self.inner = inner
        self.endpoints = tuple(endpoints)
        self._now = now
        self._defer = defer
        self._listeners: list[Callable[[p.Report], None]] = []
        self._in_core: dict[int, SendItem] = {}  # handed to the core, no final report yet
        self._withheld: dict[int, SendItem] = {}  # held back by the fence, waiting for a lease
        self._doubts: dict[int, SendItem] = {}  # in doubt at a take-over, waiting for the operator
        self._cancel_asked: set[int] = set()
        self.live = False
        self.lease_until: int | None = None  # None: not fenced
        self._doubt_until: int | None = None
        self._ask = False
        self._doubted: list[SendItem] = []
        self._elsewhere: Callable[[SendItem], int | None] | None = None
        self.fired_doubts: tuple[Doubt, ...] = ()  # sent at the last take-over though in doubt (`fire`)
        self.recent: deque[tuple[str, str, int, int]] = deque(maxlen=RECENT)
        inner.subscribe(self._on_report)

    # ---- what the node decides ----------------------------------------------------------------

    def lead(self) -> None:
        """Go live: open the devices in the core, unfenced. (The node fences it again once a backup follows.)"""
        self.live = True
        self.lease_until = None
        self.inner.set_send_limit(None)
        self.inner.set_endpoints(self.endpoints)

    def taking_over(
        self, doubt_until_ns: int | None, *, ask: bool, sent_elsewhere: Callable[[SendItem], int | None] | None = None
    ) -> None:
        """Until `taken_over`, a send due by `doubt_until_ns` is in doubt (see module docstring), unless
        `sent_elsewhere` knows the other console made it (when, on this clock): it is reported sent, not sent."""
        self._doubt_until, self._ask = doubt_until_ns, ask
        self._elsewhere = sent_elsewhere
        self._doubted = []

    def taken_over(self) -> tuple[Doubt, ...]:
        """The take-over's sends are all handed in: returns those that were in doubt (sent, with `fire`;
        waiting for the operator, with `ask`)."""
        self._doubt_until = None
        self._elsewhere = None
        doubted, self._doubted = self._doubted, []
        listed = tuple(Doubt(i.item_id, i.cue, i.device, i.deadline_ns) for i in doubted)
        self.fired_doubts = () if self._ask else listed
        return listed

    def doubts(self) -> tuple[Doubt, ...]:
        """The sends in doubt still waiting for the operator, in deadline order."""
        items = sorted(self._doubts.values(), key=lambda i: (i.deadline_ns, i.item_id))
        return tuple(Doubt(i.item_id, i.cue, i.device, i.deadline_ns) for i in items)

    def decide(self, fire: bool) -> int:
        """The operator's answer about the sends in doubt: send them now, or skip them. Returns how many."""
        items = sorted(self._doubts.values(), key=lambda i: (i.deadline_ns, i.item_id))
        self._doubts.clear()
        if fire:
            self._forward(items)
        elif items:
            now = self._now()
            failed = [p.SendFailed(i.item_id, i.cue, i.device, i.deadline_ns, now, SKIPPED) for i in items]
            self._defer(lambda: self._relay(failed))
        return len(items)

    def resolve(self, sent_elsewhere: dict[int, int], send: Iterable[int]) -> None:
        """The other console said what became of sends in doubt: those it sent (item -> when, this clock) are
        reported sent and not sent again; those in `send` it did not make go now."""
        items = [self._doubts.pop(i) for i in sent_elsewhere if i in self._doubts]
        if items:
            reports = [p.Sent(i.item_id, i.cue, i.device, i.deadline_ns, sent_elsewhere[i.item_id]) for i in items]
            self._defer(lambda: self._relay(reports))
        self._forward(sorted((self._doubts.pop(i) for i in send if i in self._doubts), key=lambda i: i.deadline_ns))

    def lease(self, until_ns: int | None) -> None:
        """Fence the core at `until_ns` (None: unfenced); what it held back goes once the lease covers now."""
        if not self.live:
            return
        self.lease_until = until_ns
        self.inner.set_send_limit(until_ns)
        if self._withheld and (until_ns is None or until_ns > self._now()):
            items = sorted(self._withheld.values(), key=lambda i: (i.deadline_ns, i.item_id))
            self._withheld.clear()
            self._forward(items)

    def stand_down(self) -> None:
        """Nothing more leaves this console from now: the core is fenced at this instant. The engine then
        cancels what it had (`Engine.stand_down`); `release_devices` once the core has settled it."""
        self.live = False
        self.lease_until = self._now()
        self.inner.set_send_limit(self.lease_until)

    def set_mirror(self, address: tuple[str, int] | None, key: bytes = b"") -> None:
        """Have the core tell the follower of each send as it makes it (None: stop); see timing/mirror.py."""
        self.inner.set_mirror(address, key)

    def release_devices(self) -> None:
        """Close the devices in the core: a device that takes one controller is free for the live console."""
        self.inner.set_endpoints(())

    @property
    def holding(self) -> bool:
        """True while live and fenced at a time already past: the backup's acknowledgements stopped."""
        return self.live and self.lease_until is not None and self.lease_until < self._now()

    @property
    def unsettled(self) -> int:
        """Sends handed to the core whose final report has not come back."""
        return len(self._in_core)

    def unconfirmed(self) -> tuple[Doubt, ...]:
        """Sends in the core with no final report (they may or may not have gone)."""
        items = sorted(self._in_core.values(), key=lambda i: (i.deadline_ns, i.item_id))
        return tuple(Doubt(i.item_id, i.cue, i.device, i.deadline_ns) for i in items)

    # ---- the Scheduler interface --------------------------------------------------------------

    def set_endpoints(self, endpoints: Sequence[Endpoint]) -> None:
        """The devices to open while live."""
        self.endpoints = tuple(endpoints)
        if self.live:
            self.inner.set_endpoints(self.endpoints)

    def schedule(self, items: Sequence[SendItem]) -> None:
        """Hand items to the core; while following they wait here (never sent); at a take-over, those in
        doubt wait for the operator (with `ask`)."""
        if not self.live:
            self._withheld.update((i.item_id, i) for i in items)
            return
        go = []
        made: list[p.Report] = []
        for item in items:
            at = self._elsewhere(item) if self._elsewhere is not None else None
            if at is not None:  # the other console's core said it sent this one
                made.append(p.Sent(item.item_id, item.cue, item.device, item.deadline_ns, at))
                continue
            if self._doubt_until is not None and item.deadline_ns <= self._doubt_until:
                self._doubted.append(item)
                if self._ask:
                    self._doubts[item.item_id] = item
                    continue
            go.append(item)
        if made:
            self._defer(lambda: self._relay(made))
        self._forward(go)

    def cancel_items(self, item_ids: Iterable[int]) -> None:
        """Cancel these items: those waiting here at once, the rest in the core."""
        ids = tuple(item_ids)
        self._cancel_asked.update(ids)
        here = [i for i in ids if i in self._withheld or i in self._doubts]
        for item_id in here:
            self._withheld.pop(item_id, None)
            self._doubts.pop(item_id, None)
        if here:
            self._defer(lambda: self._relay([p.Cancelled(tuple(here), "cancel")]))
        rest = [i for i in ids if i in self._in_core]
        if rest:
            self.inner.cancel_items(rest)

    def cancel_cue(self, cue: str) -> None:
        """Cancel every pending item of `cue`."""
        self.cancel_items([i for i, item in (*self._withheld.items(), *self._doubts.items()) if item.cue == cue])
        self.inner.cancel_cue(cue)

    def panic(self) -> None:
        """Cancel everything at once (what waits here too); the core sends the stop packets unless fenced."""
        here = (*self._withheld, *self._doubts)
        self._withheld.clear()
        self._doubts.clear()
        if here:
            self._defer(lambda: self._relay([p.Cancelled(here, "panic")]))
        self.inner.panic()

    def subscribe(self, listener: Callable[[p.Report], None]) -> Callable[[], None]:
        """Call `listener` with every report from now on; returns a function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def statistics(self) -> TimingStatistics:
        """The core's."""
        return self.inner.statistics()

    # ---- plumbing -----------------------------------------------------------------------------

    def _forward(self, items: Sequence[SendItem]) -> None:
        if items:
            self._in_core.update((i.item_id, i) for i in items)
            self.inner.schedule(items)

    def _on_report(self, report: p.Report) -> None:
        if isinstance(report, p.Sent | p.SendFailed):
            self._in_core.pop(report.item_id, None)
            self._cancel_asked.discard(report.item_id)
            if isinstance(report, p.Sent):
                self.recent.append((report.cue, report.device, report.due_ns, report.sent_ns))
        elif isinstance(report, p.Cancelled):
            settled = []
            for item_id in report.item_ids:
                item = self._in_core.pop(item_id, None)
                if report.reason == "fenced" and item is not None and item_id not in self._cancel_asked:
                    self._withheld[item_id] = item  # not sent, still ours to send: it waits for a lease
                else:
                    self._cancel_asked.discard(item_id)
                    settled.append(item_id)
            if self._withheld and self.live and (self.lease_until is None or self.lease_until > self._now()):
                self.lease(self.lease_until)  # a lease came meanwhile: they go now
            if not settled:
                return
            report = p.Cancelled(tuple(settled), report.reason)
        elif isinstance(report, p.DeviceStatus) and not self.live:
            return  # a following console's devices are closed on purpose: not news
        self._relay([report])

    def _relay(self, reports: Sequence[p.Report]) -> None:
        for report in reports:
            for listener in list(self._listeners):
                listener(report)
