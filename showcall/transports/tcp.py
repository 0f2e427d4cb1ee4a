"""Provides OSC over TCP: a non-blocking stream client that reconnects with backoff, framing SLIP or length.

`StreamOutput` is the connection machinery (connect ahead, reconnect, partial writes, keep-alives) shared with
the MIDI socket port in `midi.py`; `TcpOutput` adds the OSC framing of its endpoint.
"""

from __future__ import annotations

import errno
import os
import socket
import time
from collections.abc import Sequence

from showcall.protocols.oscframe import DEFAULT_MAX_FRAME, LengthPrefixDecoder, SlipDecoder, make_decoder
from showcall.protocols.oscframe import frame as frame_packet
from showcall.transports.base import BatchOutputBase, DeviceDownError, Endpoint, LinkState, LinkStatus
from showcall.transports.batch import JoinedWires
from showcall.transports.stall import StallWatch, unacknowledged

__all__ = [
    "BACKOFF_FIRST_NS",
    "BACKOFF_MAX_NS",
    "CONNECT_TIMEOUT_NS",
    "MAX_PENDING",
    "StreamOutput",
    "TcpOutput",
    "socket_error_text",
]

BACKOFF_FIRST_NS = 250_000_000
BACKOFF_MAX_NS = 5_000_000_000
CONNECT_TIMEOUT_NS = 3_000_000_000
RECV_CHUNK = 65_536
MAX_PENDING = 1 << 20
"""Bytes a device may leave unread before sends to it are refused (it is not reading: something is wrong)."""
NOT_READING = "not reading: sends wait in a queue"
"""The status of a device that took none of the bytes waiting for it for `stall.STALL_NS`: the connection is
kept, the sends wait in order, and it is online again the moment it reads them."""

PEER_CLOSED = "peer closed the connection"


def socket_error_text(code: int) -> str:
    """Short lower-case words for an errno, e.g. `connection refused`."""
    if code in (errno.EPIPE, errno.ECONNABORTED):
        return PEER_CLOSED
    text = os.strerror(code)
    return text[:1].lower() + text[1:]


class _Backlog(Exception):
    """The device has left MAX_PENDING bytes unread: a send is refused, the connection kept."""

    def __init__(self, pending: int) -> None:
        super().__init__(f"device is not reading: {pending} bytes unsent")


class StreamOutput(BatchOutputBase):
    """A TCP client owned by the timing core: every call returns at once.

    `open` starts a non-blocking connect; the core watches `fileno` (and for writing while `wants_write`)
    and calls `on_ready`; `service` retries a device that is down after 0.25 s, doubling to 5 s, and sends
    keep-alives. While a device is down its status stays OFFLINE with the reason, retries included, so a
    display does not flicker. The descriptor changes on reconnect: ask `fileno` again after each call.
    Subclasses give `frame` and `_deframe`, and may reset their decoder in `_on_connected`.
    """

    failures = (OSError, _Backlog)

    def __init__(self, endpoint: Endpoint, host: str, port: int) -> None:
        super().__init__(endpoint)
        self._host, self._port = host, port
        self._sock: socket.socket | None = None
        self._connecting = False
        self._connect_started = 0
        self._status = LinkStatus(LinkState.CONNECTING, "not opened yet")
        self._retry_at: int | None = None
        self._backoff = BACKOFF_FIRST_NS
        self._ever_online = False
        self._closed = False
        self._pending = bytearray()
        self._pending_sends = 0
        self._stall = StallWatch()
        self._keepalive_wire: tuple[bytes, ...] = ()
        self._keepalive_due: int | None = None

    # -- the Output protocol -------------------------------------------------------------------------

    def open(self, now_ns: int) -> None:
        """Start connecting; a device that is down shows OFFLINE with the reason and is retried."""
        self._closed = False
        self._keepalive_wire = tuple(self.frame(packet) for packet in self.endpoint.keepalive)
        self._status = LinkStatus(LinkState.CONNECTING, f"connecting to {self._host}:{self._port}")
        self._connect(now_ns)

    def status(self) -> LinkStatus:
        """CONNECTING before the first connect completes, then ONLINE or OFFLINE with why."""
        return self._status

    def frame(self, payload: bytes) -> bytes:
        """Wire bytes for one payload; the identity here, framing in subclasses."""
        return payload

    def _send(self, wire: bytes) -> None:
        """Write `wire` now; a partial write keeps the rest for `on_ready`. DeviceDownError when not connected."""
        self._write(wire, 1, None)

    def prepare_many(self, wires: Sequence[bytes]) -> JoinedWires:
        """The framed wires joined into one buffer now, ahead of the deadline; slices are views of it."""
        return JoinedWires(wires)

    def _send_many(self, wires: Sequence[bytes]) -> tuple[int, Exception | None]:
        """Write these framed wires now with one `send` of their concatenation.

        All or nothing: the stream takes them (what the kernel does not take at once waits for `on_ready`,
        in order) or none went out.
        """
        joined = wires if isinstance(wires, JoinedWires) else JoinedWires(wires)
        if joined:
            try:
                self._write(joined.data(), len(joined), joined)
            except self.failures as exc:
                return 0, exc
        return len(joined), None

    def _down(self, failure: Exception) -> DeviceDownError:
        """A refused write: the connection is lost (and retried), unless the device only fell behind reading."""
        if isinstance(failure, _Backlog):
            self.stats.last_error = str(failure)
            return DeviceDownError(self.endpoint.device, self.stats.last_error)
        code = failure.errno if isinstance(failure, OSError) and failure.errno else errno.EIO
        self._lose(time.monotonic_ns(), socket_error_text(code))
        return DeviceDownError(self.endpoint.device, self._status.detail)

    def _write(self, data: bytes | memoryview, count: int, joined: JoinedWires | None) -> None:
        """Write `count` wires' bytes now, or queue them behind bytes already waiting."""
        sock = self._sock
        if sock is None or self._connecting:
            raise DeviceDownError(self.endpoint.device, self._status.detail or "not connected")
        if self._pending:
            # Bytes already wait: queue behind them so the stream keeps its order.
            if len(self._pending) + len(data) > MAX_PENDING:
                raise _Backlog(len(self._pending))
            self._stall.accepted += len(data)
            self._pending += data
            self._pending_sends += count
            return
        try:
            written = sock.send(data)
        except BlockingIOError:
            written = 0
        self._stall.accepted += len(data)
        if written < len(data):
            self._pending += data[written:]
            # Wires not wholly written are the ones lost if the connection drops before they are.
            self._pending_sends = count - (joined.complete_within(written) if joined is not None else 0)

    def fileno(self) -> int | None:
        """The socket while connecting or connected, else None (it changes on reconnect)."""
        return self._sock.fileno() if self._sock is not None else None

    def wants_write(self) -> bool:
        """True while connecting, or while bytes from a partial write wait to be flushed."""
        return self._sock is not None and (self._connecting or bool(self._pending))

    def on_ready(self, now_ns: int, readable: bool, writable: bool) -> list[bytes]:
        """Finish a connect, flush waiting bytes, read and deframe feedback; notice a peer that closed."""
        sock = self._sock
        if sock is None:
            return []
        if self._connecting:
            if not (readable or writable):
                return []
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                self._lose(now_ns, socket_error_text(code))
                return []
            self._online(now_ns)
        packets: list[bytes] = []
        if readable:
            packets = self._read(now_ns, sock)
        if writable and self._pending and self._sock is not None:
            self._flush(now_ns, self._sock)
        self.stats.received += len(packets)
        return packets

    def service(self, now_ns: int) -> None:
        """Reconnect when the backoff has passed, time out a hung connect, send keep-alives when due."""
        if self._closed:
            return
        if self._sock is None:
            if self._retry_at is not None and now_ns >= self._retry_at:
                self._connect(now_ns)
            return
        if self._connecting:
            if now_ns - self._connect_started >= CONNECT_TIMEOUT_NS:
                self._lose(now_ns, "connection timed out")
            return
        check_at = self._stall.next_check_ns()
        if check_at is not None and now_ns >= check_at and self._sock is not None:
            self._watch_reading(now_ns, self._sock)
        if self._keepalive_due is not None and now_ns >= self._keepalive_due:
            for wire in self._keepalive_wire:
                try:
                    self.send(wire)
                except DeviceDownError:
                    break  # the status says why; the next keep-alive is still scheduled, never a busy loop
            if self._sock is not None:
                self._keepalive_due = now_ns + self.endpoint.keepalive_every_ns

    def next_service_ns(self) -> int | None:
        """The next retry, connect timeout or keep-alive, whichever is first."""
        if self._closed:
            return None
        if self._sock is None:
            return self._retry_at
        if self._connecting:
            return self._connect_started + CONNECT_TIMEOUT_NS
        times = [t for t in (self._stall.next_check_ns(), self._keepalive_due) if t is not None]
        return min(times, default=None)

    def close(self) -> None:
        """Close for good: no more retries."""
        self._closed = True
        self._drop_socket()
        self._retry_at = None
        self._status = LinkStatus(LinkState.OFFLINE, "closed")

    # -- for subclasses ------------------------------------------------------------------------------

    def _deframe(self, data: bytes) -> list[bytes]:
        """Packets completed by bytes just read (subclasses decode their framing)."""
        return [data]

    def _on_connected(self) -> None:
        """A new connection is up: a subclass resets its stream decoder here."""

    # -- machinery -----------------------------------------------------------------------------------

    def _connect(self, now_ns: int) -> None:
        self._retry_at = None
        self.stats.extra["connect_attempts"] = self.stats.extra.get("connect_attempts", 0) + 1
        try:
            # Numeric only: a name lookup could block the timing core for seconds on a venue network
            # without DNS; names are looked up in the console's process when the show opens.
            infos = socket.getaddrinfo(self._host, self._port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
        except socket.gaierror as exc:
            self._lose(now_ns, f"cannot resolve host {self._host!r}: {_gai_text(exc)}")
            return
        family, _, _, _, address = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        # Each OSC packet is one small write that must leave now, not wait for Nagle's coalescing.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        code = sock.connect_ex(address)
        self._sock = sock
        if code == 0:
            self._online(now_ns)
        elif code in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
            self._connecting = True
            self._connect_started = now_ns
        else:
            self._lose(now_ns, socket_error_text(code))

    def _online(self, now_ns: int) -> None:
        self._connecting = False
        self._stall.reset(now_ns)
        self._status = LinkStatus(LinkState.ONLINE, "")
        self._backoff = BACKOFF_FIRST_NS
        if self._ever_online:
            self.stats.reconnects += 1
        self._ever_online = True
        self._keepalive_due = now_ns if self._keepalive_wire and self.endpoint.keepalive_every_ns else None
        self._on_connected()

    def _lose(self, now_ns: int, reason: str) -> None:
        """The connection failed or was lost: report why, count what was lost, schedule a retry."""
        if self._pending:
            # Those sends were accepted but never reached the device: loss is reported, not hidden.
            self.stats.failed += self._pending_sends
            self.stats.extra["lost_bytes"] = self.stats.extra.get("lost_bytes", 0) + len(self._pending)
        self._drop_socket()
        self.stats.last_error = reason
        self._status = LinkStatus(LinkState.OFFLINE, reason)
        self._retry_at = now_ns + self._backoff
        self._backoff = min(self._backoff * 2, BACKOFF_MAX_NS)

    def _drop_socket(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._connecting = False
        self._pending.clear()
        self._pending_sends = 0
        self._keepalive_due = None

    def _read(self, now_ns: int, sock: socket.socket) -> list[bytes]:
        packets: list[bytes] = []
        while True:
            try:
                chunk = sock.recv(RECV_CHUNK)
            except BlockingIOError:
                break
            except OSError as exc:
                self._lose(now_ns, socket_error_text(exc.errno or 0))
                break
            if not chunk:
                self._lose(now_ns, PEER_CLOSED)
                break
            packets += self._deframe(chunk)
            if len(chunk) < RECV_CHUNK:
                break  # drained: spare the syscall that would say so
        return packets

    def _flush(self, now_ns: int, sock: socket.socket) -> None:
        try:
            written = sock.send(self._pending)
        except BlockingIOError:
            return
        except OSError as exc:
            self._lose(now_ns, socket_error_text(exc.errno or 0))
            return
        del self._pending[:written]
        if not self._pending:
            self._pending_sends = 0

    def _watch_reading(self, now_ns: int, sock: socket.socket) -> None:
        """Offline while the device takes none of the bytes waiting for it; online again once it does."""
        stalled = self._stall.check(unacknowledged(sock) + len(self._pending), now_ns)
        if stalled and self._status.state is LinkState.ONLINE:
            self._status = LinkStatus(LinkState.OFFLINE, NOT_READING)
            self.stats.last_error = NOT_READING
        elif not stalled and self._status.detail == NOT_READING:
            self._status = LinkStatus(LinkState.ONLINE, "")


def _gai_text(exc: socket.gaierror) -> str:
    """Lower-case words for a name-resolution failure."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


class TcpOutput(StreamOutput):
    """OSC over TCP to one device, framed as its endpoint says (SLIP or 32-bit length prefix)."""

    def __init__(self, endpoint: Endpoint, *, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        super().__init__(endpoint, endpoint.host, endpoint.port)
        self._max_frame = max_frame
        self._decoder: SlipDecoder | LengthPrefixDecoder = make_decoder(endpoint.framing, max_frame)

    def frame(self, payload: bytes) -> bytes:
        """The OSC packet framed for the stream."""
        return frame_packet(self.endpoint.framing, payload)

    def _on_connected(self) -> None:
        # A new stream starts clean: half a frame from the old connection must not prefix the first one.
        self._decoder = make_decoder(self.endpoint.framing, self._max_frame)

    def _deframe(self, data: bytes) -> list[bytes]:
        before = self._decoder.dropped
        packets = self._decoder.feed(data)
        self.stats.malformed += self._decoder.dropped - before
        return packets
