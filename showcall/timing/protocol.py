"""Provides the messages between the engine side and the timing core, and their framing on the wire.

Commands go engine → core (`Schedule`, `CancelItems`, `CancelCue`, `Panic`, `SetEndpoints`, `SendLimit`,
`SetMirror`, `EngineHeartbeat`, `Shutdown`); reports come back (`Sent`, `SendFailed`, `Cancelled`, `DeviceStatus`,
`Feedback`, `CoreInfo`, `PanicDone`, and the client's own `CoreLost` / `CoreRestarted`).

A frame is a 4-byte big-endian body length, a 1-byte kind, then the body: the message pickled. Pickle is
safe here because both ends are this package in two processes of the same user over a private socketpair.
The kind byte lets the core see what a frame is without unpickling it, so while it spins before a deadline
it can act on a panic at once and leave an expensive `Schedule` for after the send.
"""

from __future__ import annotations

import pickle
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from showcall.timing.api import SendItem
from showcall.transports.base import Endpoint

__all__ = [
    "CancelCue",
    "CancelItems",
    "Cancelled",
    "Command",
    "CoreHeartbeat",
    "CoreInfo",
    "CoreLost",
    "CoreRestarted",
    "DeviceStatus",
    "EngineHeartbeat",
    "Feedback",
    "Frame",
    "FrameReader",
    "Listener",
    "Panic",
    "PanicDone",
    "ProtocolError",
    "Report",
    "ReportBatch",
    "Schedule",
    "SendFailed",
    "SendLimit",
    "Sent",
    "SetEndpoints",
    "SetMirror",
    "Shutdown",
    "encode",
]

HEADER = struct.Struct(">IB")
MAX_BODY = 64 << 20
"""A frame larger than this is a bug on the other side, not a big schedule (512 items pickle to ~40 kB)."""


class ProtocolError(Exception):
    """The other end wrote something that is not a frame of this protocol."""


# ---- commands: engine → core ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetEndpoints:
    """Open one output per endpoint; outputs for devices not listed are closed."""

    endpoints: tuple[Endpoint, ...]


@dataclass(frozen=True, slots=True)
class Schedule:
    """Queue these items, in this order after everything queued before."""

    items: tuple[SendItem, ...]


@dataclass(frozen=True, slots=True)
class CancelItems:
    """Cancel these items if still pending."""

    item_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CancelCue:
    """Cancel every pending item of this cue."""

    cue: str


@dataclass(frozen=True, slots=True)
class Panic:
    """Cancel everything pending (including schedules still unread), then send the devices' panic packets.

    `requested_ns` is when the engine asked, so the acknowledgement can say how long it took.
    """

    token: int
    requested_ns: int


@dataclass(frozen=True, slots=True)
class SendLimit:
    """Send nothing once the clock reads past `until_ns` (None: no limit), the panic's stop packets included.

    A main with a tracking backup renews it as the backup acknowledges (showcall.backup): frozen or cut
    off, its core stops on its own before the backup may take over. An item it holds back is reported
    `Cancelled` with reason `fenced`.
    """

    until_ns: int | None


@dataclass(frozen=True, slots=True)
class SetMirror:
    """Tell `address` (UDP) of every send as it is made, signed with `key` (timing/mirror.py); None stops."""

    address: tuple[str, int] | None
    key: bytes = b""


@dataclass(frozen=True, slots=True)
class EngineHeartbeat:
    """The engine side is alive (the core reports how long it has not heard this)."""

    at_ns: int


@dataclass(frozen=True, slots=True)
class Shutdown:
    """Close every output and exit."""


Command: TypeAlias = (
    SetEndpoints | Schedule | CancelItems | CancelCue | Panic | SendLimit | SetMirror | EngineHeartbeat | Shutdown
)

# ---- reports: core → engine -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sent:
    """An item left: `sent_ns` is the monotonic time just before its bytes were handed to the kernel."""

    item_id: int
    cue: str
    device: str
    due_ns: int
    sent_ns: int

    @property
    def late_ns(self) -> int:
        """How long after its deadline the item was sent (never negative from the real core)."""
        return self.sent_ns - self.due_ns

    @property
    def late_us(self) -> float:
        """`late_ns` in microseconds, as the event log writes it."""
        return self.late_ns / 1000


@dataclass(frozen=True, slots=True)
class SendFailed:
    """An item could not be sent at `at_ns`: its device is down or unknown (`reason` says which)."""

    item_id: int
    cue: str
    device: str
    due_ns: int
    at_ns: int
    reason: str


@dataclass(frozen=True, slots=True)
class Cancelled:
    """These items were cancelled before they were sent; `reason` is `cancel`, `cue`, `panic`, `closed` or
    `fenced` (held back by a `SendLimit`: not sent, and still the engine side's to send or drop)."""

    item_ids: tuple[int, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A device's connection changed: `state` is `connecting`, `online` or `offline`, `detail` says why."""

    device: str
    state: str
    detail: str


@dataclass(frozen=True, slots=True)
class Feedback:
    """A packet a device sent back (deframed), received by the core at `at_ns`."""

    device: str
    packet: bytes
    at_ns: int


@dataclass(frozen=True, slots=True)
class CoreInfo:
    """A core process started: what it got from the kernel and how it will wait.

    `priority` is a human summary (`SCHED_FIFO 10`, `SCHED_OTHER nice 0, 100 µs slice`); `notes` say why
    something was refused (`SCHED_FIFO refused: RLIMIT_RTPRIO is 0 and no CAP_SYS_NICE`).
    """

    pid: int
    mode: str
    guard_ns: int
    priority: str
    realtime: bool
    timer_slack_ns: int | None
    notes: tuple[str, ...]
    started_ns: int


@dataclass(frozen=True, slots=True)
class PanicDone:
    """The core acted on a panic: `cancelled` items were dropped by `cancelled_ns`, panic packets sent after.

    `cancelled_ns - requested_ns` is the panic latency the product promises to keep under 1 ms.
    """

    token: int
    cancelled: int
    requested_ns: int
    cancelled_ns: int
    stop_packets_sent: int
    stop_packets_failed: int

    @property
    def latency_ns(self) -> int:
        """From the engine's request to every pending send cancelled."""
        return self.cancelled_ns - self.requested_ns


@dataclass(frozen=True, slots=True)
class CoreLost:
    """LOUD: the core process died or stopped answering; the client restarts it unless `restarting` is False.

    `detected_ns` is when the client noticed, `last_heard_ns` the last time it read anything from the core,
    `pending` how many unreported items it will reschedule.
    """

    pid: int
    exitcode: int | None
    reason: str
    detected_ns: int
    last_heard_ns: int
    pending: int
    restarting: bool


@dataclass(frozen=True, slots=True)
class CoreRestarted:
    """A new core took over: `rescheduled` items handed to it, `overdue` of them already past their deadline.

    Overdue items are sent at once and reported late: a late cue is visible in the log, a dropped one is not.
    """

    pid: int
    rescheduled: int
    overdue: int
    at_ns: int


@dataclass(frozen=True, slots=True)
class CoreHeartbeat:
    """The core is alive (internal: consumed by the client, not passed to subscribers)."""

    at_ns: int
    pending: int
    engine_silent_ns: int


@dataclass(frozen=True, slots=True)
class ReportBatch:
    """Several reports in one frame (a 512-message cue makes one frame of 512 `Sent`, not 512 frames)."""

    reports: tuple[Report | CoreHeartbeat, ...]


Report: TypeAlias = (
    Sent | SendFailed | Cancelled | DeviceStatus | Feedback | CoreInfo | PanicDone | CoreLost | CoreRestarted
)
Listener: TypeAlias = Callable[[Report], None]
Message: TypeAlias = Command | Report | CoreHeartbeat | ReportBatch

# Kind bytes. Cheap kinds are safe to act on while spinning before a deadline; everything else waits.
_KINDS: dict[type, int] = {
    SetEndpoints: 1,
    Schedule: 2,
    CancelItems: 3,
    CancelCue: 4,
    Panic: 5,
    EngineHeartbeat: 6,
    Shutdown: 7,
    SendLimit: 8,
    SetMirror: 9,
    ReportBatch: 20,
    CoreHeartbeat: 21,
}
KIND_SCHEDULE = _KINDS[Schedule]
KIND_PANIC = _KINDS[Panic]
CHEAP_KINDS = frozenset({_KINDS[CancelItems], _KINDS[CancelCue], _KINDS[EngineHeartbeat], _KINDS[SendLimit]})
KIND_OTHER = 0


def encode(message: Message) -> bytes:
    """One frame holding `message`."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body), _KINDS.get(type(message), KIND_OTHER)) + body


@dataclass(frozen=True, slots=True)
class Frame:
    """One received frame, not yet unpickled."""

    kind: int
    body: bytes

    def decode(self) -> Message:
        """The message in this frame."""
        try:
            message: Message = pickle.loads(self.body)
        except Exception as exc:  # any unpickling failure means the peer is not speaking this protocol
            raise ProtocolError(f"undecodable frame of kind {self.kind}: {exc}") from exc
        return message


class FrameReader:
    """Cuts a byte stream into frames; `feed` what arrived, then `pop_frames` whatever is complete."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes | memoryview) -> None:
        """Append bytes read from the stream."""
        self._buf += data

    def buffered(self) -> int:
        """Bytes held that do not yet make a whole frame."""
        return len(self._buf)

    def pop_frames(self) -> list[Frame]:
        """Every complete frame received so far, in order."""
        frames: list[Frame] = []
        buf = self._buf
        pos = 0
        while len(buf) - pos >= HEADER.size:
            length, kind = HEADER.unpack_from(buf, pos)
            if length > MAX_BODY:
                raise ProtocolError(f"frame of {length} bytes is larger than {MAX_BODY}")
            end = pos + HEADER.size + length
            if end > len(buf):
                break
            frames.append(Frame(kind, bytes(buf[pos + HEADER.size : end])))
            pos = end
        if pos:
            del buf[:pos]
        return frames
