"""Provides what every device output is: an `Endpoint` (where) and the `Output` protocol (how).

An output is owned by the timing core process, which is single-threaded: every method must
return at once (non-blocking sockets; connecting and reconnecting are advanced by `service`).
`frame` runs when an item is scheduled, `send` when its deadline comes, so `send` must do no
encoding at all: it writes bytes that were framed ahead of time.

An output may also be a `BatchOutput`: `prepare_many` builds, ahead of the deadline, whatever one system
call needs to send many wires (the iovec and mmsghdr arrays of `sendmmsg(2)`, or the concatenated bytes of
a stream), and `send_many` sends them in order in as few calls as the platform allows. The core uses it
for consecutive items of one device and falls back to `send` per item for outputs without it.

`OutputBase` is what the outputs here share (a template method, as mido's ports do): its `send` and `send_many`
keep the counts and turn a failed write into `DeviceDownError`; an output implements only the writing
(`BatchOutputBase` adds `send_many`).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Protocol, runtime_checkable

from showcall.errors import DeviceError

OutputKind = Literal["osc-udp", "osc-tcp", "midi"]
Framing = Literal["slip", "length"]


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach one device; plain picklable data handed to the timing core.

    `midi_port` is a MIDI port name, or `host:port` for a mido TCP socket port.
    `keepalive` packets are sent every `keepalive_every_ns` (X32's /xremote); `panic` packets are
    the device's all-stop messages, sent on panic. `reply_port`, when set, is a local UDP port the
    device answers on instead of the sender's port (QLab answers UDP on 53001).
    """

    device: str
    kind: OutputKind
    host: str = ""
    port: int = 0
    framing: Framing = "length"
    midi_port: str = ""
    keepalive: tuple[bytes, ...] = ()
    keepalive_every_ns: int = 0
    panic: tuple[bytes, ...] = ()
    reply_port: int = 0
    simulated: bool = False

    def describe(self) -> str:
        """Human text for where this endpoint points, e.g. `udp 127.0.0.1:10023`."""
        if self.kind == "midi":
            return f"midi {self.midi_port}"
        proto = "udp" if self.kind == "osc-udp" else f"tcp/{self.framing}"
        return f"{proto} {self.host}:{self.port}"


class LinkState(enum.Enum):
    """A device connection's state, as the caller sees it."""

    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"


@dataclass(frozen=True)
class LinkStatus:
    """A device connection's state and, when not online, why (`connection refused`, `no MIDI system`)."""

    state: LinkState
    detail: str = ""


class DeviceDownError(DeviceError):
    """A send was attempted on an output that is not connected, or the device refused it.

    `sent` matters for `BatchOutput.send_many` only: how many of the wires went out, in order, before the one
    that could not; none after it did. An exception rather than a short count, so a caller cannot lose the
    rest of a cue by not looking at a return value.
    """

    def __init__(self, device: str, reason: str, *, sent: int = 0) -> None:
        super().__init__(device, reason)
        self.sent = sent


@dataclass
class OutputStats:
    """Counters an output keeps; read by the core for reports."""

    sent: int = 0
    failed: int = 0
    received: int = 0
    malformed: int = 0
    reconnects: int = 0
    last_error: str = ""
    extra: dict[str, int] = field(default_factory=dict)


class Output(Protocol):
    """One device's outbound connection inside the timing core (see module docstring)."""

    endpoint: Endpoint
    stats: OutputStats

    def open(self, now_ns: int) -> None:
        """Start connecting; never raises for a device that is down (the status says so)."""

    def status(self) -> LinkStatus:
        """The connection's current state."""

    def frame(self, payload: bytes) -> bytes:
        """Wire bytes for one payload (SLIP or length prefix for OSC over TCP); called at schedule time."""

    def send(self, wire: bytes) -> None:
        """Send bytes already framed by `frame`, now. Raises DeviceDownError when not connected."""

    def fileno(self) -> int | None:
        """A file descriptor to watch for reading (feedback, connection progress), or None."""

    def wants_write(self) -> bool:
        """True while the core should also watch `fileno` for writability (a TCP connect in progress)."""

    def on_ready(self, now_ns: int, readable: bool, writable: bool) -> list[bytes]:
        """Advance after the fd was ready; returns feedback packets received (deframed)."""

    def service(self, now_ns: int) -> None:
        """Periodic work away from deadlines: reconnect with backoff, send keep-alives when due."""

    def next_service_ns(self) -> int | None:
        """When `service` next needs to run (monotonic ns), or None if never."""

    def close(self) -> None:
        """Close the connection for good."""


@runtime_checkable
class BatchOutput(Output, Protocol):
    """An `Output` that can send many wires in one call (optional; see the module docstring)."""

    def prepare_many(self, wires: Sequence[bytes]) -> Sequence[bytes]:
        """The same wires, in order, with what one system call needs to send them built now (ahead of time).

        Slicing the result keeps it prepared, so a caller can prepare a whole cue once and send it in chunks.
        """

    def send_many(self, wires: Sequence[bytes]) -> int:
        """Send wires (prepared or not) in order, now; returns how many went out: all of them.

        Raises DeviceDownError when one could not go out; its `sent` counts those that did, before it.
        """


class OutputBase:
    """The send bookkeeping every output shares; a subclass writes, this counts and translates errors.

    `send` calls `_send` (and `BatchOutputBase.send_many` calls `_send_many`). A write that went out is
    counted in `stats.sent`. A write that failed raises one of `failures` (OSError by default): it is counted
    in `stats.failed`, and `_down` marks the output down and gives the DeviceDownError the caller gets,
    chained to the cause. A DeviceDownError raised by the subclass itself (not connected: nothing was
    written) passes through uncounted. It costs the timing core's send ~0.03 µs (an extra call; measured
    in the commit that added it).
    """

    failures: ClassVar[tuple[type[Exception], ...]] = (OSError,)
    """What a failed write raises from `_send` (a MIDI backend raises its own types)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.stats = OutputStats()

    def send(self, wire: bytes) -> None:
        """Send bytes already framed by `frame`, now. Raises DeviceDownError when not connected or when it failed."""
        try:
            self._send(wire)
        except DeviceDownError:
            raise
        except self.failures as exc:
            self.stats.failed += 1
            raise self._down(exc) from exc
        self.stats.sent += 1

    def _send(self, wire: bytes) -> None:
        """Write `wire` now: DeviceDownError when not connected, one of `failures` when the write failed."""
        raise NotImplementedError

    def _down(self, failure: Exception) -> DeviceDownError:
        """Mark the output down after a failed write; the error to raise."""
        raise NotImplementedError


class BatchOutputBase(OutputBase):
    """`OutputBase` for an output that is also a `BatchOutput`: `send_many` keeps the counts around `_send_many`."""

    def prepare_many(self, wires: Sequence[bytes]) -> Sequence[bytes]:
        """The wires with what one system call needs built now (see `BatchOutput.prepare_many`)."""
        raise NotImplementedError

    def send_many(self, wires: Sequence[bytes]) -> int:
        """Send wires in order, now; returns how many went out: all of them (see `BatchOutput.send_many`).

        A failed write raises DeviceDownError whose `sent` counts the wires that went out before it.
        """
        sent, failure = self._send_many(wires)
        self.stats.sent += sent
        if failure is not None:
            self.stats.failed += len(wires) - sent
            error = self._down(failure)
            error.sent = sent
            raise error from failure
        return sent

    def _send_many(self, wires: Sequence[bytes]) -> tuple[int, Exception | None]:
        """Write `wires` in order now: (how many went out, why the next could not or None).

        DeviceDownError when not connected (nothing written, nothing counted).
        """
        raise NotImplementedError
