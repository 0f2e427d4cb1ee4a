"""Provides what a simulator reports: records of what it received, sent and changed, and its counters.

A simulator keeps its last records in a bounded log (a long rehearsal must not grow memory) and calls
subscribers with each new one, for the event log, the console and `showcall sim`.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from showcall.devices.oscmsg import OscIn

__all__ = ["DEFAULT_HISTORY", "MidiIn", "RecordKind", "RecordLog", "SimRecord", "SimStats", "Subscriber"]

DEFAULT_HISTORY = 1000

RecordKind = Literal["received", "sent", "state", "ignored", "dropped", "link"]
"""received: a message arrived; sent: the simulator answered; state: its state changed; ignored: a
well-formed message it does not act on; dropped: bytes that were not a message; link: a client came or went."""


@dataclass(frozen=True, slots=True)
class MidiIn:
    """One MIDI message received: its bytes and a readable summary (MSC decoded when it is MSC)."""

    data: bytes
    text: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"midi": self.data.hex(" "), "text": self.text}


@dataclass(frozen=True, slots=True)
class SimRecord:
    """One thing a simulator saw or did, at `at_ns` on its clock (CLOCK_MONOTONIC unless injected)."""

    at_ns: int
    device: str
    kind: RecordKind
    summary: str
    peer: str = ""
    message: OscIn | MidiIn | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (one line of `showcall sim --json`)."""
        out: dict[str, Any] = {"at_ns": self.at_ns, "device": self.device, "kind": self.kind, "summary": self.summary}
        if self.peer:
            out["peer"] = self.peer
        if self.message is not None:
            out["message"] = self.message.as_dict()
        return out


Subscriber = Callable[[SimRecord], None]


class RecordLog:
    """The last `history` records, a running total, and subscribers called with every new record."""

    def __init__(self, history: int = DEFAULT_HISTORY) -> None:
        self._records: deque[SimRecord] = deque(maxlen=history)
        self._subscribers: list[Subscriber] = []
        self.total = 0

    def add(self, record: SimRecord) -> None:
        """Keep `record` and hand it to every subscriber."""
        self._records.append(record)
        self.total += 1
        for subscriber in list(self._subscribers):
            subscriber(record)

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call `subscriber` with every record from now on; returns a function that unsubscribes."""
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def records(self, kind: RecordKind | None = None) -> list[SimRecord]:
        """The records kept, oldest first, optionally only of one kind."""
        return [r for r in self._records if kind is None or r.kind == kind]


@dataclass
class SimStats:
    """A simulator's counters. Bytes that are not a message are dropped and counted, never raised.

    `malformed`: not a well-formed packet; `truncated`: a connection closed mid-frame; `oversized`: larger
    than the device accepts. `drop_reasons` counts every drop by its reason.
    """

    packets: int = 0
    received: int = 0
    sent: int = 0
    ignored: int = 0
    malformed: int = 0
    truncated: int = 0
    oversized: int = 0
    send_errors: int = 0
    connections: int = 0
    drop_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def dropped(self) -> int:
        """Every drop, whatever its reason."""
        return self.malformed + self.truncated + self.oversized

    def count_drop(self, reason: str) -> None:
        """Count one drop under its reason and its class (oversized, truncated, else malformed)."""
        self.drop_reasons[reason] += 1
        if reason == "oversized":
            self.oversized += 1
        elif reason == "truncated":
            self.truncated += 1
        else:
            self.malformed += 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly copy."""
        return {
            "packets": self.packets,
            "received": self.received,
            "sent": self.sent,
            "ignored": self.ignored,
            "malformed": self.malformed,
            "truncated": self.truncated,
            "oversized": self.oversized,
            "send_errors": self.send_errors,
            "connections": self.connections,
            "drop_reasons": dict(self.drop_reasons),
        }
