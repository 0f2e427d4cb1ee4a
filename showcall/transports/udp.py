"""Provides OSC over UDP: a connected, non-blocking datagram socket per device."""

from __future__ import annotations

import errno
import os
import socket
import time
from collections.abc import Sequence

from showcall.transports.base import BatchOutputBase, DeviceDownError, Endpoint, LinkState, LinkStatus
from showcall.transports.batch import LIBC_SENDMMSG, DatagramBatcher, PreparedDatagrams, SendMmsg
from showcall.transports.tcp import BACKOFF_FIRST_NS, BACKOFF_MAX_NS, socket_error_text

MAX_DATAGRAM = 65_507
REFUSAL_QUIET_NS = 1_000_000_000
"""A refused device is online again after a datagram went out and this long passed with no refusal."""


class UdpOutput(BatchOutputBase):
    """OSC over UDP. The socket is `connect`ed to a numeric address so `send` never resolves a name.

    UDP has no connection, so the device counts as online once the address resolves; an ICMP
    "port unreachable" answer from a local peer surfaces as ECONNREFUSED on a later send or
    read, which marks it offline. It comes back online once a datagram has gone out and no refusal
    followed for `REFUSAL_QUIET_NS` (a datagram "goes out" even to a closed port: only the refusal
    tells, so one that gets through is not proof by itself). A host that does not resolve is retried
    by `service` with the same backoff as TCP (0.25 s doubling to 5 s).

    Many datagrams go out with `send_many` in one `sendmmsg(2)` call (`showcall.transports.batch`);
    `sendmmsg` is injectable for tests, and None sends them one `send` each.
    """

    def __init__(self, endpoint: Endpoint, *, sendmmsg: SendMmsg | None = LIBC_SENDMMSG) -> None:
        super().__init__(endpoint)
        self._batcher = DatagramBatcher(sendmmsg)
        self._sock: socket.socket | None = None
        self._status = LinkStatus(LinkState.CONNECTING, "not opened yet")
        self._keepalive_due: int | None = None
        self._retry_at: int | None = None
        self._backoff = BACKOFF_FIRST_NS
        self._refused_at: int | None = None  # the last refusal, while the device shows offline for it
        self._through_since_refusal = False

    def open(self, now_ns: int) -> None:
        """Resolve the host once and connect the datagram socket."""
        try:
            # Numeric only (see tcp.py): names are looked up when the show opens, never in the timing core.
            infos = socket.getaddrinfo(
                self.endpoint.host, self.endpoint.port, type=socket.SOCK_DGRAM, flags=socket.AI_NUMERICHOST
            )
        except socket.gaierror as exc:
            reason = exc.strerror or str(exc)
            self._offline(f"cannot resolve host {self.endpoint.host!r}: {reason[:1].lower()}{reason[1:]}")
            self._retry_at = now_ns + self._backoff
            self._backoff = min(self._backoff * 2, BACKOFF_MAX_NS)
            return
        family, _, _, _, address = infos[0]
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.setblocking(False)
        self._bind_reply_port(sock, family)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            self._offline(socket_error_text(exc.errno or 0))
            self._retry_at = now_ns + self._backoff
            self._backoff = min(self._backoff * 2, BACKOFF_MAX_NS)
            return
        self._retry_at = None
        self._backoff = BACKOFF_FIRST_NS
        self._sock = sock
        self._status = LinkStatus(LinkState.ONLINE, "")
        if self.endpoint.keepalive and self.endpoint.keepalive_every_ns:
            self._keepalive_due = now_ns

    def _bind_reply_port(self, sock: socket.socket, family: int) -> None:
        """Send from the port the device answers on (QLab answers UDP on 53001), so replies reach this socket.

        SO_REUSEPORT lets several devices share that port: the kernel hands each reply to the socket
        connected to the device that sent it. When the port cannot be had, replies are not read and
        `stats.last_error` says why; sending is not affected.
        """
        port = self.endpoint.reply_port
        if not port:
            return
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if hasattr(socket, "SO_REUSEPORT"):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", port))
        except OSError as exc:
            self.stats.last_error = f"replies on port {port} not readable: {socket_error_text(exc.errno or 0)}"

    def status(self) -> LinkStatus:
        """UDP is online once its address resolved, offline after the peer refused a datagram."""
        return self._status

    def frame(self, payload: bytes) -> bytes:
        """A datagram is the OSC packet itself."""
        return payload

    def _send(self, wire: bytes) -> None:
        """Send one datagram now (`send` counts it)."""
        sock = self._sock
        if sock is None:
            raise DeviceDownError(self.endpoint.device, self._status.detail or "not open")
        sock.send(wire)
        self._went_out()

    def prepare_many(self, wires: Sequence[bytes]) -> PreparedDatagrams:
        """The datagrams with their `sendmmsg` arrays built now, ahead of the deadline; slices stay prepared."""
        return self._batcher.prepare(wires)

    def _send_many(self, wires: Sequence[bytes]) -> tuple[int, Exception | None]:
        """Send these datagrams in order now, in one `sendmmsg` call when they were prepared.

        When the kernel refuses one (the peer's port is closed, the send buffer is full) the rest are not sent;
        `send_many` marks the device offline as `send` does and says how many went out before it.
        """
        sock = self._sock
        if sock is None:
            raise DeviceDownError(self.endpoint.device, self._status.detail or "not open")
        sent, code = self._batcher.send(sock, wires)
        if code:
            return sent, OSError(code, os.strerror(code))
        self._went_out()
        return sent, None

    def _went_out(self) -> None:
        """A datagram left: online, unless a refusal is recent (then `service` decides, see the class docstring)."""
        if self._refused_at is not None:
            self._through_since_refusal = True
        elif self._status.state is not LinkState.ONLINE:
            self._status = LinkStatus(LinkState.ONLINE, "")

    def _down(self, failure: Exception) -> DeviceDownError:
        """The kernel refused a datagram (ICMP port unreachable from a local peer, a full buffer): offline."""
        code = failure.errno if isinstance(failure, OSError) and failure.errno else errno.EIO
        if code == errno.ECONNREFUSED:
            self._refused(time.monotonic_ns(), socket_error_text(code))
        else:  # a full buffer is this machine's, not the device's: the next datagram that goes is proof enough
            self._offline(socket_error_text(code))
        return DeviceDownError(self.endpoint.device, self.stats.last_error)

    def fileno(self) -> int | None:
        """The socket, readable when the device answers (X32 and QLab reply to the sender's port)."""
        return self._sock.fileno() if self._sock is not None else None

    def wants_write(self) -> bool:
        """UDP never waits to be writable."""
        return False

    def on_ready(self, now_ns: int, readable: bool, writable: bool) -> list[bytes]:
        """Read every datagram waiting; each is one feedback packet."""
        packets: list[bytes] = []
        sock = self._sock
        if sock is None or not readable:
            return packets
        while True:
            try:
                packets.append(sock.recv(MAX_DATAGRAM))
            except BlockingIOError:
                break
            except OSError as exc:  # ECONNREFUSED: the peer's port is closed
                if exc.errno == errno.ECONNREFUSED:
                    self._refused(now_ns, socket_error_text(exc.errno))
                else:
                    self._offline(socket_error_text(exc.errno or 0))
                break
        self.stats.received += len(packets)
        return packets

    def service(self, now_ns: int) -> None:
        """Send keep-alives when due; reopen when the retry time has come if the address never resolved;
        online again once a datagram went out and no refusal followed for `REFUSAL_QUIET_NS`."""
        refused = self._refused_at
        if refused is not None and self._through_since_refusal and now_ns - refused >= REFUSAL_QUIET_NS:
            self._refused_at = None
            self._status = LinkStatus(LinkState.ONLINE, "")
        if self._sock is None:
            if self._retry_at is not None and now_ns >= self._retry_at:
                self.open(now_ns)
            return
        if self._keepalive_due is not None and now_ns >= self._keepalive_due:
            for packet in self.endpoint.keepalive:
                try:
                    self.send(packet)
                except DeviceDownError:
                    break
            self._keepalive_due = now_ns + self.endpoint.keepalive_every_ns

    def next_service_ns(self) -> int | None:
        """The next retry while the address does not resolve, else the next keep-alive or the end of a
        refusal's quiet time, whichever is first."""
        if self._sock is None:
            return self._retry_at
        times = [self._keepalive_due]
        if self._refused_at is not None and self._through_since_refusal:
            times.append(self._refused_at + REFUSAL_QUIET_NS)
        return min((t for t in times if t is not None), default=None)

    def close(self) -> None:
        """Close the socket for good."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._retry_at = None
        self._keepalive_due = None
        self._status = LinkStatus(LinkState.OFFLINE, "closed")

    def _offline(self, reason: str) -> None:
        self.stats.last_error = reason
        self._status = LinkStatus(LinkState.OFFLINE, reason)

    def _refused(self, now_ns: int, reason: str) -> None:
        """The peer refused a datagram: offline until the quiet time after one gets through passes."""
        self._refused_at = now_ns
        self._through_since_refusal = False
        self._offline(reason)
