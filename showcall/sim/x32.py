"""Provides the Behringer X32 / Midas M32 simulator: channel mutes and faders, scene/cue/snippet, /xremote.

A client that sent /xremote less than 10 s ago is subscribed: every change, whoever made it, is sent to
each subscribed client; at most 4 may be subscribed, as on the desk (a fifth is refused until one lapses).
A query, the address with no argument (`/ch/03/mix/on`), is answered to the asker with the current value,
subscribed or not. Faders keep the desk's 1024 steps. Scene, cue and snippet recalls are kept in the
state but not fed back: what the desk sends for them is not in the material this was written from.
`/info` and `/status` answer as the desk does. Time comes from the simulator's clock (injectable).
"""

from __future__ import annotations

import re
from typing import Any

from showcall.devices.oscmsg import OscIn
from showcall.sim.base import OscSimulator
from showcall.sim.listeners import Peer

__all__ = ["CHANNELS", "MAX_SUBSCRIBERS", "SUBSCRIPTION_NS", "X32Simulator"]

CHANNELS = 32
SUBSCRIPTION_NS = 10_000_000_000
MAX_SUBSCRIBERS = 4
FADER_STEPS = 1023  # 1024 positions
_CHANNEL = re.compile(r"/ch/(\d\d)/mix/(on|fader)")
_ACTIONS = {"/-action/goscene": "scene", "/-action/gocue": "cue", "/-action/gosnippet": "snippet"}


class X32Simulator(OscSimulator):
    """An X32 desk's input channels and recalls as seen over OSC (see module docstring)."""

    driver = "x32"
    keeps = (
        "32 channel mutes and faders, scene/cue/snippet; change feedback to /xremote subscribers "
        "(10 s, at most 4); answers queries, /info and /status"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on: dict[int, int] = dict.fromkeys(range(1, CHANNELS + 1), 1)
        self.fader: dict[int, float] = dict.fromkeys(range(1, CHANNELS + 1), 0.0)
        self.recalled: dict[str, int | None] = {"scene": None, "cue": None, "snippet": None}
        self._subscribers: dict[tuple[str, int], tuple[Peer, int]] = {}

    def state(self) -> dict[str, Any]:
        """Muted channels, faders that are up, recalls, subscribed clients."""
        self._lapse(self.clock())
        return {
            "muted": [ch for ch, on in self.on.items() if on == 0],
            "faders": {f"{ch:02d}": level for ch, level in self.fader.items() if level > 0},
            **self.recalled,
            "subscribers": sorted(peer.label for peer, _ in self._subscribers.values()),
        }

    def subscribers(self) -> list[str]:
        """The clients subscribed now."""
        self._lapse(self.clock())
        return sorted(peer.label for peer, _ in self._subscribers.values())

    def on_message(self, message: OscIn, peer: Peer) -> bool:
        """Act as the desk does on its OSC input."""
        address, args = message.address, message.args
        if address == "/xremote":
            self._subscribe(peer)
            return True
        if address == "/info":
            self.send_osc(peer, "/info", "V2.05", "osc-server", "X32", "4.06")
            return True
        if address == "/status":
            host = self.address[0] if self.address else "127.0.0.1"
            self.send_osc(peer, "/status", "active", host, "osc-server")
            return True
        channel = _CHANNEL.fullmatch(address)
        if channel is not None and 1 <= int(channel.group(1)) <= CHANNELS:
            return self._channel(peer, int(channel.group(1)), channel.group(2), args)
        recall = _ACTIONS.get(address)
        if recall is not None and len(args) == 1 and isinstance(args[0], int) and 0 <= args[0] <= 99:
            self.recalled[recall] = args[0]
            self._changed(f"{recall} {args[0]} recalled")
            return True
        return False

    def _channel(self, peer: Peer, channel: int, what: str, args: tuple[Any, ...]) -> bool:
        address = f"/ch/{channel:02d}/mix/{what}"
        if not args:  # a query: the desk answers the asker with the current value
            value: int | float = self.on[channel] if what == "on" else self.fader[channel]
            self.send_osc(peer, address, value)
            return True
        arg = args[0]
        if what == "on":
            if not isinstance(arg, int) or isinstance(arg, bool) or arg not in (0, 1):
                return False
            self.on[channel] = arg
            self._changed(f"ch {channel:02d} {'muted' if arg == 0 else 'unmuted'}")
            self._notify(address, arg)
            return True
        if not isinstance(arg, int | float) or isinstance(arg, bool):
            return False
        level = round(min(1.0, max(0.0, float(arg))) * FADER_STEPS) / FADER_STEPS
        self.fader[channel] = level
        self._changed(f"ch {channel:02d} fader {level:.3f}")
        self._notify(address, level)
        return True

    # ---- /xremote -----------------------------------------------------------------------------

    def _subscribe(self, peer: Peer) -> None:
        now = self.clock()
        self._lapse(now)
        if peer.key not in self._subscribers and len(self._subscribers) >= MAX_SUBSCRIBERS:
            self._changed(f"/xremote from {peer.label} refused: {MAX_SUBSCRIBERS} clients already subscribed")
            return
        if peer.key not in self._subscribers:
            self._changed(f"{peer.label} subscribed for change feedback")
        self._subscribers[peer.key] = (peer, now + SUBSCRIPTION_NS)

    def _lapse(self, now: int) -> None:
        for key, (peer, expires) in list(self._subscribers.items()):
            if now >= expires:
                del self._subscribers[key]
                self._changed(f"{peer.label} subscription lapsed (no /xremote for 10 s)")

    def _notify(self, address: str, value: int | float) -> None:
        self._lapse(self.clock())
        for peer, _ in list(self._subscribers.values()):
            self.send_osc(peer, address, value)
