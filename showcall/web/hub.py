"""Provides `Hub`: the engine's events fanned out to every connected browser, never holding the engine up.

The engine calls `Hub`'s listener with each event, on the engine's own path (inside a GO). The listener
only appends the event to a list and, if no flush is due yet, asks the loop to flush soon: no snapshot,
no JSON, no socket there. The flush (a later loop callback) takes one snapshot, encodes one `event`
message, and hands the same text to every browser's `Outbox`.

An outbox is bounded: a browser that reads slower than the show changes (a phone on bad Wi-Fi, a stalled
tab) loses its oldest unsent messages, counted. Each message carries the whole state, so the newest one
alone puts the page right; what is lost is only the flash of an event it never saw. Each browser has its
own writer task waiting on its own socket, so a dead or slow browser costs the loop nothing but memory
bounded by `OUTBOX_LIMIT` shared messages.

Flushes are at least `FLUSH_GAP_NS` apart: the first event after a quiet spell goes out on the next loop
turn, and a burst (a follow chain of fifty cues) becomes a few messages, not fifty snapshots.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.web.access import Role
from showcall.web.protocol import VIEW_EVENTS, ShowFacts, dumps, event_message, state_of, tick

__all__ = ["FLUSH_GAP_NS", "OUTBOX_LIMIT", "Hub", "Outbox", "WebStatus"]

OUTBOX_LIMIT = 16
"""Unsent messages kept per browser; past it the oldest go (each message carries the whole state)."""
FLUSH_GAP_NS = 10_000_000
"""At most 100 state messages a second, however fast events come."""
PENDING_LIMIT = 1000
"""Events kept between two flushes; more (a runaway) are counted, and the state still goes out."""
TICK_S = 1.0
QUIET = ("at_ns", "tod_ns", "speed", "clocks", "next_auto", "cues")
"""What changes between events without being news, so not a reason to send: the clocks run on by themselves
(a browser counts them on from `at_ns`), and the cue list's LATE figures change with each `sent` report and go
out with the next event (a cue's `complete` follows its last send). A 20-message cue is so two or three
messages to each browser instead of six."""


@dataclass
class WebStatus:
    """What the console's device line shows about the web views (read on every redraw: plain fields)."""

    connected: int = 0
    views: Counter[str] = field(default_factory=Counter)
    dropped: int = 0
    refused: int = 0

    @property
    def summary(self) -> str:
        """`web 3` (and how many messages slow browsers missed, if any)."""
        text = f"web {self.connected}"
        return f"{text} ({self.dropped} dropped)" if self.dropped else text


class Outbox:
    """One browser's messages waiting to be written (see the module docstring)."""

    def __init__(self, role: Role, limit: int = OUTBOX_LIMIT) -> None:
        self.role = role
        self.limit = limit
        self.queue: deque[str] = deque()
        self.ready = asyncio.Event()
        self.dropped = 0

    def put(self, text: str) -> bool:
        """Queue `text`; returns False when the oldest message had to go to make room."""
        kept = True
        if len(self.queue) >= self.limit:
            self.queue.popleft()
            self.dropped += 1
            kept = False
        self.queue.append(text)
        self.ready.set()
        return kept

    async def wait_messages(self) -> list[str]:
        """Wait until something is queued, and take all of it."""
        await self.ready.wait()
        self.ready.clear()
        taken = list(self.queue)
        self.queue.clear()
        return taken


class Hub:
    """Subscribes to the engine and feeds every outbox (see the module docstring)."""

    def __init__(self, engine: Engine, *, tick_s: float = TICK_S, flush_gap_ns: int = FLUSH_GAP_NS) -> None:
        self.engine = engine
        self.facts = ShowFacts(engine.plan)
        self.status = WebStatus()
        self.outboxes: set[Outbox] = set()
        self.seq = 0
        self.overflow = 0
        self._pending: list[ev.Event] = []
        self._dirty = False
        self._last_state: dict[str, Any] | None = None
        self._speed = 1
        self._flush_due: asyncio.TimerHandle | asyncio.Handle | None = None
        self._last_flush_ns = -flush_gap_ns
        self._loop = asyncio.get_running_loop()
        self._tick_s = tick_s
        self._flush_gap_ns = flush_gap_ns
        self._ticker: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = engine.subscribe(self._on_event)

    # ---- on the engine's path: enqueue only ---------------------------------------------------

    def _on_event(self, event: ev.Event) -> None:
        if not self.outboxes:
            return  # nobody to tell; a browser that connects later starts from a fresh snapshot
        if event.name in VIEW_EVENTS:
            if len(self._pending) < PENDING_LIMIT:
                self._pending.append(event)
            else:
                self.overflow += 1
        self._dirty = True
        if self._flush_due is None:
            wait_ns = self._last_flush_ns + self._flush_gap_ns - self.engine.clock.now_ns()
            if wait_ns > 0:
                self._flush_due = self._loop.call_later(wait_ns / 1e9, self._flush)
            else:
                self._flush_due = self._loop.call_soon(self._flush)

    # ---- on a later loop turn -----------------------------------------------------------------

    def _flush(self) -> None:
        self._flush_due = None
        if not self._dirty:
            return
        events, self._pending, self._dirty = self._pending, [], False
        self._last_flush_ns = self.engine.clock.now_ns()
        if not self.outboxes:
            return
        state = self.state()
        same = {k: v for k, v in state.items() if k not in QUIET}
        if not events and same == self._last_state:
            return  # only `sent` or feedback lines, and no cue, light or device changed: no message
        self._last_state = same
        self.seq += 1
        self._send_all(dumps(event_message(events, state, self.seq)))

    def _send_all(self, text: str) -> None:
        for outbox in self.outboxes:
            if not outbox.put(text):
                self.status.dropped += 1

    def state(self) -> dict[str, Any]:
        """The state every view draws, from a fresh snapshot."""
        state = state_of(self.engine.snapshot(), self.facts)
        self._speed = state["speed"]  # for the ticks: the show clock's rate does not change mid-run
        return state

    def first_message(self, role: Role) -> str:
        """The `snapshot` message a browser gets on (re)connecting."""
        return dumps(
            {
                "type": "snapshot",
                "seq": self.seq,
                "show": self.facts.fixed(),
                "you": role.describe(),
                "state": self.state(),
            }
        )

    # ---- browsers -----------------------------------------------------------------------------

    def join(self, role: Role) -> Outbox:
        """A browser connected: its outbox, with the snapshot message already in it."""
        outbox = Outbox(role)
        outbox.put(self.first_message(role))
        self.outboxes.add(outbox)
        self.status.connected = len(self.outboxes)
        self.status.views[role.view] += 1
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick())
        return outbox

    def leave(self, outbox: Outbox) -> None:
        """A browser went away."""
        if outbox in self.outboxes:
            self.outboxes.discard(outbox)
            self.status.connected = len(self.outboxes)
            self.status.views[outbox.role.view] -= 1
            self.status.views += Counter()  # drop views at zero

    async def _tick(self) -> None:
        clock = self.engine.clock
        while True:
            await asyncio.sleep(self._tick_s)
            if self.outboxes:
                self._send_all(dumps(tick(clock.now_ns(), clock.time_of_day_ns(), self._speed, len(self.outboxes))))

    def close(self) -> None:
        """Stop listening to the engine and ticking."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._flush_due is not None:
            self._flush_due.cancel()
            self._flush_due = None
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
