"""Provides the console's side of the simulators: what each one received, one line per message.

The rig (showcall.sim) calls back with one record per thing a simulator saw or did: a message
received, an answer sent, a state change. The console needs only a device name, a kind and a
one-line text from each, so it reads them through this small protocol and tolerates records that
carry more (or name things differently), so the pane keeps working while the rig grows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from showcall.tui.data.packets import describe_packet


@runtime_checkable
class ReceivedRecord(Protocol):
    """One thing a simulator saw or did: which device, what kind, and a one-line description."""

    device: str
    kind: str
    summary: str


class SimulatorFeed(Protocol):
    """Anything that calls back with received records (the rig from showcall.sim)."""

    def subscribe(self, subscriber: Callable[[Any], None]) -> Any:
        """Call `subscriber` with each received record; may return a function that unsubscribes."""


@dataclass(frozen=True)
class Received:
    """A received record as the console shows it."""

    device: str
    text: str
    at_ns: int | None = None
    kind: str = "received"


def describe_record(record: object) -> Received:
    """Read a rig record: `device` (or `name`), `kind`, then `summary`, `text` or the raw `packet`/`data` bytes."""
    device = str(getattr(record, "device", None) or getattr(record, "name", None) or "?")
    text: str | None = None
    for attr in ("summary", "text", "message", "description"):
        value = getattr(record, attr, None)
        if isinstance(value, str) and value:
            text = value
            break
    if text is None:
        for attr in ("packet", "data", "payload"):
            raw = getattr(record, attr, None)
            if isinstance(raw, bytes | bytearray):
                text = describe_packet(bytes(raw))
                break
    if text is None:
        text = str(record)
    at = getattr(record, "at_ns", None)
    kind = getattr(record, "kind", None)
    return Received(device, text, at if isinstance(at, int) else None, kind if isinstance(kind, str) else "received")
