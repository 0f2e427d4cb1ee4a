"""Provides the disguise (d3) simulator: transport, section and cue, and the heartbeat it sends out.

A transport message acts with no argument, a float of exactly 1.0, or any other data; a lone float that
is not 1.0 is ignored, as the server does. `/d3/showcontrol/cue` takes 1 to 3 numbers (1, 2, 5 is cue
1.2.5; floats are rounded). The heartbeat, `/d3/showcontrol/heartbeat` with a float that keeps changing
between 0 and 1, goes every `heartbeat_s` to the recent senders (a real server sends it to the address set
in its OSC transport; a rehearsal has none, so it answers whoever talks to it).
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from showcall.devices.oscmsg import OscIn
from showcall.sim.base import OscSimulator
from showcall.sim.listeners import Peer

__all__ = ["DisguiseSimulator"]

PREFIX = "/d3/showcontrol/"
_TRANSPORT = {
    "play": "playing",
    "playsection": "playing to the end of the section",
    "loop": "looping the section",
    "stop": "stopped",
}


class DisguiseSimulator(OscSimulator):
    """A disguise server's show control as seen over OSC (see module docstring)."""

    driver = "disguise"
    keeps = "transport (playing/stopped), section, cue; sends /d3/showcontrol/heartbeat every second"

    def __init__(self, *args: Any, heartbeat_s: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heartbeat_s = heartbeat_s
        self.transport = "stopped"
        self.section = 0
        self.cue: str | None = None
        self._beat = 0
        self._timer: asyncio.TimerHandle | None = None

    def state(self) -> dict[str, Any]:
        """Transport, section, cue."""
        return {"transport": self.transport, "section": self.section, "cue": self.cue}

    def on_message(self, message: OscIn, peer: Peer) -> bool:
        """Act as the server does."""
        if not message.address.startswith(PREFIX):
            return False
        command, args = message.address[len(PREFIX) :], message.args
        if command == "cue":
            return self._cue(args)
        if command not in (*_TRANSPORT, "nextsection", "previoussection", "returntostart"):
            return False
        if len(args) == 1 and isinstance(args[0], float) and args[0] != 1.0:
            return True  # understood, and deliberately not acted on
        if command in _TRANSPORT:
            self.transport = _TRANSPORT[command]
            self._changed(self.transport)
        elif command == "returntostart":
            self.section = 0
            self._changed("returned to the start of the track")
        else:
            self.section = max(0, self.section + (1 if command == "nextsection" else -1))
            self._changed(f"section {self.section}")
        return True

    def _cue(self, args: tuple[Any, ...]) -> bool:
        if not 1 <= len(args) <= 3 or not all(
            isinstance(a, int | float) and not isinstance(a, bool) and math.isfinite(a) for a in args
        ):
            return False  # a NaN or infinite part is no cue number (and round() would raise on it)
        self.cue = ".".join(str(round(a)) for a in args)
        self._changed(f"cue {self.cue}")
        return True

    def _started(self) -> None:
        if self.heartbeat_s > 0:
            self._timer = asyncio.get_running_loop().call_later(self.heartbeat_s, self._heartbeat)

    def _stopping(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _heartbeat(self) -> None:
        self._beat = (self._beat + 1) % 100
        self.broadcast_osc(PREFIX + "heartbeat", self._beat / 100, quiet=True)
        self._timer = asyncio.get_running_loop().call_later(self.heartbeat_s, self._heartbeat)
