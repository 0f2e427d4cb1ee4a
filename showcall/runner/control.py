"""Provides OSC control input: a Stream Deck (through Bitfocus Companion) or any OSC sender can call the show.

Listens on UDP (127.0.0.1 by default). Addresses, all under /showcall:

| address | does |
| --- | --- |
| /showcall/go | GO (source `control`) |
| /showcall/hold, /showcall/resume | hold / resume |
| /showcall/back, /showcall/skip | move the playhead |
| /showcall/standby ,s ID | standby cue ID |
| /showcall/ack ,s DEPT | department DEPT standing by |
| /showcall/panic | panic |

A press from Companion often carries one argument; a lone argument 0 (a button release) is
ignored, so one physical press is one command. Anything else (not OSC, a bundle, an unknown
address, wrong arguments) is dropped and counted, never acted on.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

from showcall.devices.oscmsg import MalformedOscError, decode_osc
from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.engine.snapshot import Source
from showcall.runner.calls import CALLS, perform

PREFIX = "/showcall/"
MAX_PACKET = 8192


@dataclass
class ControlStats:
    """What the control input received: commands carried out and packets dropped, by reason."""

    accepted: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    @property
    def dropped_total(self) -> int:
        """Every packet dropped."""
        return sum(self.dropped.values())


class ControlInput(asyncio.DatagramProtocol):
    """Turns control packets into engine commands (see module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.stats = ControlStats()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to close it later."""
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        """One packet: a command, or dropped and counted."""
        reason = self.handle(data)
        if reason is not None:
            self.stats.dropped[reason] += 1
            self.engine.announce(
                ev.Refused(self.engine.clock.now_ns(), command="control", reason=f"control packet dropped: {reason}")
            )

    def handle(self, data: bytes) -> str | None:
        """Carry out one packet; returns why it was dropped, or None."""
        if len(data) > MAX_PACKET:
            return "oversized"
        if data.startswith(b"#bundle"):
            return "bundle (send plain messages)"
        try:
            (message,) = decode_osc(data)  # strict: python-osc alone skips unknown type tags and acts anyway
        except MalformedOscError:
            return "not an OSC message"
        address, args = message.address, list(message.args)
        if not address.startswith(PREFIX):
            return f"unknown address {address[:60]}"
        verb = address[len(PREFIX) :].lower()
        call = CALLS.get(verb)
        if call is None or verb in {"quit", "reset"}:  # ending or resetting a show is not a button's job
            return f"unknown address {address[:60]}"
        if call.argument is None and len(args) == 1 and args[0] in (0, 0.0, False):
            self.stats.accepted += 1  # a button release: nothing to do
            return None
        if call.argument is None and len(args) == 1:
            args = []  # a press carries its value (1): the command itself takes none
        words = [_word(arg) for arg in args]
        if None in words:
            return f"{verb} takes one argument ({call.argument})"
        reason = perform(self.engine, verb, [w for w in words if w is not None], Source.CONTROL)
        if reason is not None:
            return reason
        self.stats.accepted += 1
        return None

    def close(self) -> None:
        """Stop listening."""
        if self.transport is not None:
            self.transport.close()
            self.transport = None


def _word(value: object) -> str | None:
    """A control argument as a command word (`12.5`, `LX`), or None for one that cannot be."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return f"{value:g}" if isinstance(value, float) else str(value)


async def listen(engine: Engine, port: int, host: str = "127.0.0.1") -> ControlInput:
    """Start the control input on `host:port` (UDP)."""
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_datagram_endpoint(lambda: ControlInput(engine), local_addr=(host, port))
    return protocol
