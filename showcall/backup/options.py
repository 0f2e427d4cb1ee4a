"""Provides `LinkOptions` (how a console is linked) and the link's timing figures, in one place."""

from __future__ import annotations

import time
from dataclasses import dataclass

from showcall.backup.auth import Network

MS = 1_000_000
MATCH_NS = 5 * MS
"""A send the other console reports and one in doubt here are the same when their due times (each converted
through the clock offset) are this close, for the same cue and device."""


STAND_DOWN_WAIT_NS = 1_000 * MS
"""How long a console standing down waits for its core to report every send before it says what is unconfirmed."""


def ms_text(ns: int | None) -> str:
    """A duration in ms, in words (`?` when unknown)."""
    return "?" if ns is None else f"{ns / 1e6:.2f} ms"


@dataclass(frozen=True)
class LinkOptions:
    """How a console is linked: `side` main (listens) or backup (dials), where, the passcode, who may connect,
    the heartbeat window, what to do with sends in doubt, and how long a main waits for a live backup."""

    side: str
    host: str
    port: int
    passcode: str
    allow: tuple[Network, ...]
    timeout_ns: int = 500 * MS
    policy: str = "ask"
    wait_ns: int = 1_000 * MS

    @property
    def beat_ns(self) -> int:
        """A heartbeat every tenth of the window."""
        return self.timeout_ns // 10

    @property
    def lease_ns(self) -> int:
        """The live console's lease: 100 ms short of the window (half of it, for a short window)."""
        return max(self.timeout_ns // 2, self.timeout_ns - 100 * MS)


def now_ns() -> int:
    """This machine's monotonic clock (the engine's and the timing core's)."""
    return time.monotonic_ns()
