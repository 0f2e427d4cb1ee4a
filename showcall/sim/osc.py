"""Provides the generic OSC simulator: it records what arrived and counts messages per address."""

from __future__ import annotations

from collections import Counter, deque
from typing import Any

from showcall.devices.oscmsg import OscIn
from showcall.sim.base import OscSimulator
from showcall.sim.listeners import Peer

__all__ = ["GenericOscSimulator"]

_ADDRESSES = 256
_LAST = 10


class GenericOscSimulator(OscSimulator):
    """Any OSC receiver: keeps the last messages and a count per address (up to 256 addresses)."""

    driver = "osc"
    keeps = "what arrived: the last 10 messages and a count per address; answers nothing"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counts: Counter[str] = Counter()
        self.last: deque[str] = deque(maxlen=_LAST)

    def on_message(self, message: OscIn, peer: Peer) -> bool:
        """Count and keep it."""
        if message.address in self.counts or len(self.counts) < _ADDRESSES:
            self.counts[message.address] += 1
        self.last.append(message.summary())
        return True

    def state(self) -> dict[str, Any]:
        """The last messages and the counts per address."""
        return {"last": list(self.last), "counts": dict(self.counts)}
