"""Provides the simulator base: a device on loopback that listens, keeps state and reports what it saw.

`Simulator` owns the socket (see listeners.py), the counters and the bounded record log; `OscSimulator`
decodes OSC (bundles flattened, malformed packets dropped and counted) and hands each message to
`on_message`, which a device family overrides. Time comes from an injectable clock so expiries (the X32's
10 s subscription) are tested without waiting.
"""

from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from showcall.compile.plan import Plan
from showcall.compile.wire import build_osc, typed_osc_arg
from showcall.devices.oscmsg import MalformedOscError, OscIn, decode_osc
from showcall.protocols.oscframe import DEFAULT_MAX_FRAME, make_decoder
from showcall.protocols.oscframe import frame as frame_packet
from showcall.sim.listeners import Peer, StreamListener, UdpListener
from showcall.sim.midistream import MidiStream
from showcall.sim.records import DEFAULT_HISTORY, MidiIn, RecordKind, RecordLog, SimRecord, SimStats, Subscriber
from showcall.transports.base import Endpoint, Framing, OutputKind

__all__ = ["OSC_KINDS", "Clock", "Listen", "OscSimulator", "Simulator", "plan_osc_messages"]

Clock = Callable[[], int]
OSC_KINDS: frozenset[OutputKind] = frozenset({"osc-udp", "osc-tcp"})
_RECENT_PEERS = 8


@dataclass(frozen=True)
class Listen:
    """Where and how a simulator listens: `osc-udp`, `osc-tcp` (with `framing`) or `midi` (a mido socket port).

    `port` 0 lets the kernel choose; `max_packet` is the largest packet (or sysex) accepted.
    """

    kind: OutputKind
    host: str = "127.0.0.1"
    port: int = 0
    framing: Framing = "slip"
    max_packet: int = DEFAULT_MAX_FRAME

    def describe(self, port: int | None = None) -> str:
        """Human text, e.g. `udp 127.0.0.1:10023`, `tcp/length 127.0.0.1:3032`, `midi socket 127.0.0.1:9080`."""
        shown = self.port if port is None else port
        proto = {"osc-udp": "udp", "osc-tcp": f"tcp/{self.framing}", "midi": "midi socket"}[self.kind]
        return f"{proto} {self.host}:{shown}"


class Simulator:
    """A simulated device (see module docstring). Start with `await start()`, stop with `await aclose()`."""

    driver: ClassVar[str] = ""
    """The profile driver it simulates (`eos`); "" for the generic ones."""
    kinds: ClassVar[frozenset[OutputKind]] = OSC_KINDS
    """The transports it can listen on."""
    keeps: ClassVar[str] = ""
    """One line on what it keeps and answers, for `showcall sim --list`."""

    def __init__(
        self, device: str, listen: Listen, *, clock: Clock = time.monotonic_ns, history: int = DEFAULT_HISTORY
    ) -> None:
        if listen.kind not in self.kinds:
            kinds = ", ".join(sorted(self.kinds))
            raise ValueError(f"the {type(self).__name__} listens on {kinds}, not {listen.kind}")
        self.device = device
        self.listen = listen
        self.clock = clock
        self.log = RecordLog(history)
        self.stats = SimStats()
        self.address: tuple[str, int] | None = None
        self._listener: UdpListener | StreamListener | None = None
        self._peers: OrderedDict[tuple[str, int], Peer] = OrderedDict()

    # ---- life -----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind and listen (OSError when the address is taken), then start any timers the device has."""
        listen = self.listen
        listener: UdpListener | StreamListener
        if listen.kind == "osc-udp":
            listener = UdpListener(self, listen.max_packet)
        elif listen.kind == "osc-tcp":
            framing = listen.framing
            listener = StreamListener(
                self, lambda: make_decoder(framing, listen.max_packet), lambda packet: frame_packet(framing, packet)
            )
        else:
            listener = StreamListener(self, lambda: MidiStream(listen.max_packet), bytes)
        self.address = await listener.start(listen.host, listen.port)
        self._listener = listener
        self._started()

    async def aclose(self) -> None:
        """Stop timers, hang up on clients and close the socket."""
        self._stopping()
        if self._listener is not None:
            await self._listener.aclose()

    def _started(self) -> None:
        """Hook: the socket is listening (start periodic sends here)."""

    def _stopping(self) -> None:
        """Hook: about to close (cancel timers here)."""

    # ---- views ----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port listened on (after start)."""
        if self.address is None:
            raise RuntimeError(f"simulator {self.device} is not started")
        return self.address[1]

    def describe(self) -> str:
        """Where it listens, e.g. `udp 127.0.0.1:40123`."""
        return self.listen.describe(self.address[1] if self.address else None)

    def endpoint(self, template: Endpoint | None = None) -> Endpoint:
        """An Endpoint pointing at this simulator, `simulated=True`, keeping the rest of `template`.

        `reply_port` is cleared: a simulator answers the port a message came from, so several devices of
        one kind (two QLabs) can answer on one machine, and the timing core's socket gets the answers.
        """
        host, port = self.address if self.address is not None else (self.listen.host, self.listen.port)
        base = template if template is not None else Endpoint(self.device, self.listen.kind)
        if self.listen.kind == "midi":
            return dataclasses.replace(base, kind="midi", midi_port=f"{host}:{port}", host="", port=0, simulated=True)
        return dataclasses.replace(
            base, kind=self.listen.kind, host=host, port=port, framing=self.listen.framing, reply_port=0, simulated=True
        )

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call `subscriber` with every record from now on; returns a function that unsubscribes."""
        return self.log.subscribe(subscriber)

    def records(self, kind: RecordKind | None = None) -> list[SimRecord]:
        """The records kept (the last `history`), oldest first."""
        return self.log.records(kind)

    @classmethod
    def plan_options(cls, plan: Plan, device: str) -> dict[str, Any]:
        """Keyword arguments a family takes from the show (the cues it uses); none by default."""
        return {}

    def state(self) -> dict[str, Any]:
        """The device's state as plain data (a family overrides this)."""
        return {}

    def snapshot(self) -> dict[str, Any]:
        """Everything a view shows: device, driver, where it listens, state and counters."""
        return {
            "device": self.device,
            "driver": self.driver or self.listen.kind,
            "listening": self.describe(),
            "state": self.state(),
            "stats": self.stats.as_dict(),
        }

    # ---- what listeners call (the Sink protocol) ------------------------------------------------

    def packet(self, data: bytes, peer: Peer) -> None:
        """One whole packet arrived (a family base decodes it)."""
        raise NotImplementedError

    def dropped(self, reason: str, peer: Peer, size: int) -> None:
        """Bytes that were not a packet: counted and recorded; then the device's own reaction, if any."""
        self.stats.count_drop(reason)
        self._record("dropped", f"{reason} ({size} bytes)" if size else reason, peer)
        if reason != "truncated":  # a truncated frame is only noticed once the client has gone
            self._on_malformed(peer)

    def _on_malformed(self, peer: Peer) -> None:
        """Hook: `peer` sent something that is not a packet (already counted). Most devices just drop it."""

    def connected(self, peer: Peer) -> None:
        """A stream client connected."""
        self.stats.connections += 1
        self._remember(peer)
        self._record("link", f"client {peer.label} connected", peer)

    def disconnected(self, peer: Peer) -> None:
        """A stream client went away."""
        self._peers.pop(peer.key, None)
        self._record("link", f"client {peer.label} disconnected", peer)

    def send_failed(self, reason: str) -> None:
        """An answer could not be delivered (an ICMP error for a UDP answer)."""
        self.stats.send_errors += 1

    # ---- for families ---------------------------------------------------------------------------

    def _record(
        self, kind: RecordKind, summary: str, peer: Peer | None = None, message: OscIn | MidiIn | None = None
    ) -> None:
        self.log.add(SimRecord(self.clock(), self.device, kind, summary, peer.label if peer else "", message))

    def _changed(self, summary: str) -> None:
        """Record a state change, e.g. `active cue 1/12`."""
        self._record("state", summary)

    def _remember(self, peer: Peer) -> None:
        """Keep the most recent clients: the ones a device sends unsolicited feedback to."""
        self._peers[peer.key] = peer
        self._peers.move_to_end(peer.key)
        if len(self._peers) > _RECENT_PEERS:
            self._peers.popitem(last=False)

    def _clients(self) -> list[Peer]:
        """Recent clients that can still be sent to."""
        return [peer for peer in self._peers.values() if not peer.closed]

    def _send(
        self, peer: Peer, packet: bytes, summary: str, message: OscIn | MidiIn | None = None, *, quiet: bool = False
    ) -> None:
        """Send and count; record it unless `quiet` (a heartbeat every second would drown the log)."""
        if not peer.send(packet):
            self.stats.send_errors += 1
            return
        self.stats.sent += 1
        if not quiet:
            self._record("sent", summary, peer, message)


class OscSimulator(Simulator):
    """A simulator that speaks OSC: each message of a packet goes to `on_message` (see module docstring)."""

    keeps = "records every OSC message"

    def packet(self, data: bytes, peer: Peer) -> None:
        """Decode one packet; hand each message to `on_message`, or drop and count it."""
        self.stats.packets += 1
        self._remember(peer)
        try:
            messages = decode_osc(data)
        except MalformedOscError as exc:
            self.dropped(exc.reason, peer, len(data))
            return
        for message in messages:
            self.stats.received += 1
            self._record("received", message.summary(), peer, message)
            if not self.on_message(message, peer):
                self.stats.ignored += 1
                self._record("ignored", f"{message.address}: not a command this simulator acts on", peer, message)

    def on_message(self, message: OscIn, peer: Peer) -> bool:
        """Act on one message; False when the device would not understand it. The base records only."""
        return True

    def send_osc(self, peer: Peer, address: str, *args: Any, quiet: bool = False) -> None:
        """Send one OSC message to `peer` (args typed as YAML would be: int i, float f, str s, bool T/F)."""
        message = OscIn(address, tuple(args))
        try:
            packet = build_osc(address, [typed_osc_arg(arg) for arg in args])
        except ValueError as exc:  # an answer echoing what a client sent (a double beyond float32, a blob...)
            self.stats.send_errors += 1
            self._record("dropped", f"answer {message.summary()[:80]} not sent: {exc}", peer)
            return
        self._send(peer, packet, message.summary(), message, quiet=quiet)

    def broadcast_osc(self, address: str, *args: Any, quiet: bool = False) -> None:
        """Send one OSC message to every recent client (unsolicited feedback)."""
        for peer in self._clients():
            self.send_osc(peer, address, *args, quiet=quiet)


def plan_osc_messages(plan: Plan, device: str) -> Iterator[OscIn]:
    """Every OSC message the show sends to `device`, in firing order (for simulators that learn the show's cues)."""
    for cue in plan.cues:
        for wire in cue.messages:
            if wire.device != device:
                continue
            try:
                yield from decode_osc(wire.payload)
            except MalformedOscError:
                continue  # not OSC (a MIDI device): nothing to learn from it
