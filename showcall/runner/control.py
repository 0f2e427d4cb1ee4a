"""Provides OSC control input: a Stream Deck (through Bitfocus Companion) or any OSC sender can call the show.

Listens on UDP (127.0.0.1 by default; who else may send is `controlguard.ControlPolicy`). Addresses,
all under /showcall (with a passcode set: /showcall/<passcode>/go and so on):

| address | does |
| --- | --- |
| /showcall/go | GO (source `control`) |
| /showcall/hold, /showcall/resume | hold / resume |
| /showcall/back, /showcall/skip | move the playhead |
| /showcall/standby ,s ID | standby cue ID |
| /showcall/ack ,s DEPT | department DEPT standing by |
| /showcall/panic | panic |

A press from Companion often carries one argument; a lone argument 0 (a button release) is
ignored, so one physical press is one command. Anything else (a source not allowed, a missing or
wrong passcode, not OSC, a bundle, an unknown address, wrong arguments) is dropped and counted by
kind, never acted on. Drops become `refused` events, at most REPORT_BUDGET per REPORT_WINDOW_NS; the
rest are counted and summed up in a `control` event when the window closes, so a flood cannot fill
the disk with log lines.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

from showcall.devices.oscmsg import MalformedOscError, decode_osc
from showcall.engine import events as ev
from showcall.engine.clock import Timer
from showcall.engine.engine import Engine
from showcall.engine.snapshot import Source
from showcall.runner.calls import CALLS, perform
from showcall.runner.controlguard import SILENCE_NS, WRONG_LIMIT, WRONG_WINDOW_NS, ControlPolicy, PasscodeGate

PREFIX = "/showcall/"
MAX_PACKET = 8192
REPORT_BUDGET = 10
"""Dropped packets logged one by one per window; the rest are counted (see module docstring)."""
REPORT_WINDOW_NS = 10_000_000_000

KINDS = (
    "not allowed",
    "silenced",
    "oversized",
    "bundle",
    "not OSC",
    "no passcode",
    "wrong passcode",
    "unknown address",
    "bad arguments",
)
"""Every kind a drop is counted by: a fixed few, so a flood of different packets cannot grow the counters."""


@dataclass(frozen=True)
class Drop:
    """Why a packet was dropped: its `kind` (one of KINDS) and the words for the log."""

    kind: str
    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass
class ControlStats:
    """What the control input received: commands carried out, packets dropped by kind, sources silenced."""

    accepted: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    silences: int = 0

    @property
    def dropped_total(self) -> int:
        """Every packet dropped."""
        return sum(self.dropped.values())

    def summary(self) -> str:
        """One line for the end of a run: `control: 3 commands, 1,204 packets dropped (wrong passcode 1,200, ...)`."""
        text = f"control: {self.accepted:,} command{'' if self.accepted == 1 else 's'}"
        total = self.dropped_total
        if total:
            kinds = ", ".join(f"{kind} {count:,}" for kind, count in self.dropped.most_common())
            text += f", {total:,} packet{'' if total == 1 else 's'} dropped ({kinds})"
        if self.silences:
            text += f"; a source was silenced {self.silences:,} time{'' if self.silences == 1 else 's'}"
        return text


class ControlInput(asyncio.DatagramProtocol):
    """Turns control packets into engine commands (see module docstring)."""

    def __init__(self, engine: Engine, policy: ControlPolicy | None = None) -> None:
        self.engine = engine
        self.policy = policy if policy is not None else ControlPolicy()
        self.gate = PasscodeGate(self.policy.passcode) if self.policy.passcode else None
        self.stats = ControlStats()
        self.transport: asyncio.DatagramTransport | None = None
        self._window_end: int | None = None
        self._logged = 0
        self._unlogged: Counter[str] = Counter()
        self._timer: Timer | None = None
        self._finished = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to close it later."""
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        """One packet: a command, or dropped and counted."""
        source = str(addr[0])
        drop = self.handle(data, source)
        if drop is not None:
            self._report(drop, source)

    def handle(self, data: bytes, source: str = "127.0.0.1") -> Drop | None:
        """Carry out one packet from `source`; returns why it was dropped (counted), or None."""
        drop = self._carry_out(data, source)
        if drop is not None:
            self.stats.dropped[drop.kind] += 1
        return drop

    def _carry_out(self, data: bytes, source: str) -> Drop | None:
        # The cheap refusals come first: a stranger's bytes are never even decoded.
        if not self.policy.allows(source):
            return Drop("not allowed", "the sender is not in --control-allow")
        now = self.engine.clock.now_ns()
        if self.gate is not None and self.gate.silenced(source, now):
            return Drop("silenced", "the sender is ignored for a while after wrong passcodes")
        if len(data) > MAX_PACKET:
            return Drop("oversized", "oversized")
        if data.startswith(b"#bundle"):
            return Drop("bundle", "bundle (send plain messages)")
        try:
            (message,) = decode_osc(data)  # strict: python-osc alone skips unknown type tags and acts anyway
        except MalformedOscError:
            return Drop("not OSC", "not an OSC message")
        address, args = message.address, list(message.args)
        if not address.startswith(PREFIX):
            # with a passcode set, a mistyped address may still carry it (anywhere: the fuzzing found it in
            # `/showcall\x01<passcode>/go`), so none of it is shown then
            shown = address[:60] if self.gate is None else "(not shown while a passcode is set)"
            return Drop("unknown address", f"unknown address {shown}")
        rest = address[len(PREFIX) :]
        if self.gate is not None:
            given, slash, rest = rest.partition("/")
            if not slash:
                return Drop("no passcode", "no passcode (send /showcall/<passcode>/<command>)")
            if not self.gate.matches(given):
                return self._wrong_passcode(source, now)
            address = f"{PREFIX}<passcode>/{rest}"  # what a refusal may show: never the passcode
        elif "/" in rest:  # a sender set up with a passcode this run does not have: do not log it either
            verb = rest.rpartition("/")[2]
            return Drop("unknown address", f"unknown address {PREFIX}<...>/{verb[:20]} (no passcode is set here)")
        verb = rest.lower()
        call = CALLS.get(verb)
        if call is None or verb in {"quit", "reset"}:  # ending or resetting a show is not a button's job
            return Drop("unknown address", f"unknown address {address[:60]}")
        if call.argument is None and len(args) == 1 and args[0] in (0, 0.0, False):
            self.stats.accepted += 1  # a button release: nothing to do
            return None
        if call.argument is None and len(args) == 1:
            args = []  # a press carries its value (1): the command itself takes none
        words = [_word(arg) for arg in args]
        if None in words:
            return Drop("bad arguments", f"{verb} takes one argument ({call.argument})")
        reason = perform(self.engine, verb, [w for w in words if w is not None], Source.CONTROL)
        if reason is not None:
            return Drop("bad arguments", reason)
        self.stats.accepted += 1
        return None

    def _wrong_passcode(self, source: str, now: int) -> Drop:
        assert self.gate is not None
        if not self.gate.wrong(source, now):
            return Drop("wrong passcode", "wrong passcode")  # never the guess: it may be a typo of the real one
        self.stats.silences += 1
        return Drop(
            "wrong passcode",
            f"wrong passcode; {WRONG_LIMIT} within {WRONG_WINDOW_NS // 10**9} s: "
            f"the sender is ignored for {SILENCE_NS // 10**9} s",
        )

    # ---- reporting ------------------------------------------------------------------------------

    def _report(self, drop: Drop, source: str) -> None:
        """A `refused` event for the drop, within the budget of its window; else counted for the summary."""
        now = self.engine.clock.now_ns()
        if self._window_end is None or now >= self._window_end:
            self._close_window()
            self._window_end, self._logged = now + REPORT_WINDOW_NS, 0
        if self._logged < REPORT_BUDGET:
            self._logged += 1
            self.engine.announce(
                ev.Refused(now, command="control", reason=f"control packet from {source[:46]} dropped: {drop.reason}")
            )
            return
        self._unlogged[drop.kind] += 1
        if self._timer is None:
            self._timer = self.engine.clock.call_at(self._window_end, self._window_closed)

    def _window_closed(self) -> None:
        self._timer = None
        self._close_window()
        self._window_end = None

    def _close_window(self, *, final: bool = False) -> None:
        """Sum up what went unlogged in the window that ends now (always, when `final`)."""
        if not self._unlogged and not final:
            return
        self.engine.announce(
            ev.ControlReport(
                self.engine.clock.now_ns(),
                accepted=self.stats.accepted,
                dropped=dict(self.stats.dropped),
                unlogged=dict(self._unlogged),
                silences=self.stats.silences,
                final=final,
            )
        )
        self._unlogged.clear()

    def finish(self) -> str:
        """Emit the run's final `control` event (counters, once) and return the same as one line of text."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._finished:
            self._finished = True
            self._close_window(final=True)
        return self.stats.summary()

    def close(self) -> None:
        """Stop listening."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.transport is not None:
            self.transport.close()
            self.transport = None


def _word(value: object) -> str | None:
    """A control argument as a command word (`12.5`, `LX`), or None for one that cannot be."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return f"{value:g}" if isinstance(value, float) else str(value)


async def listen(engine: Engine, port: int, policy: ControlPolicy | None = None) -> ControlInput:
    """Start the control input on UDP `port` of the policy's host (by default 127.0.0.1, loopback only)."""
    policy = policy if policy is not None else ControlPolicy()
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_datagram_endpoint(
        lambda: ControlInput(engine, policy), local_addr=(policy.host, port)
    )
    return protocol
