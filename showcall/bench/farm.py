"""Provides `DeviceFarm`: the soak benchmark's devices, in a process of their own, that can fail on command.

Each device listens on 127.0.0.1 as its kind does: OSC over UDP (datagrams), OSC over TCP (SLIP frames) or a
mido socket port (raw MIDI over TCP; a note-on is three bytes). The farm counts what each one received. On
command a device fails and comes back: `gone` (a UDP port closes: the kernel answers ICMP port unreachable; a
TCP device closes its connections and stops listening: connects are refused), `deaf` (a TCP device stops
reading: its buffers fill) and `back` (it listens and reads again, on the same port). A MIDI port counts
note-ons (what the soak's cues send), not the All Notes Off a panic sends. The farm is a separate
process so that its reading does not share the console's loop or the timing core's CPU time slice.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import selectors
import signal
import socket
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Literal

__all__ = ["DeviceFarm", "FarmDevice"]

Kind = Literal["udp", "tcp", "midi"]


@dataclass(frozen=True)
class FarmDevice:
    """One device of the farm: its name, kind and port."""

    name: str
    kind: Kind
    port: int


class _Device:
    """A device inside the farm process: its sockets and what it received."""

    def __init__(self, name: str, kind: Kind, selector: selectors.BaseSelector) -> None:
        self.name, self.kind, self.selector = name, kind, selector
        self.port = 0
        self.messages = 0  # UDP datagrams
        self.stream_bytes = 0  # MIDI: note-on status bytes; TCP: SLIP END bytes (2 a frame, escaped inside)
        self.listener: socket.socket | None = None
        self.clients: list[socket.socket] = []
        self.deaf = False
        self.open()

    def open(self) -> None:
        if self.kind == "udp":
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)  # a deaf device fills up soon
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        if self.kind != "udp":
            sock.listen()
        sock.setblocking(False)
        self.listener = sock
        self.selector.register(sock, selectors.EVENT_READ, (self, "listen"))

    def gone(self) -> None:
        self.set_deaf(False)  # (its connections are closed below either way)
        for sock in [*self.clients, *([self.listener] if self.listener else [])]:
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(sock)
            sock.close()
        self.clients.clear()
        self.listener = None

    def set_deaf(self, deaf: bool) -> None:
        if deaf == self.deaf:
            return
        self.deaf = deaf
        for client in self.clients:  # a deaf device's connections are not read at all
            if deaf:
                self.selector.unregister(client)
            else:
                self.selector.register(client, selectors.EVENT_READ, (self, "read"))

    def ready(self, sock: socket.socket, role: str) -> None:
        if role == "listen" and self.kind == "udp":
            while True:
                try:
                    sock.recv(65536)
                except (BlockingIOError, ConnectionRefusedError):
                    return
                self.messages += 1
        elif role == "listen":
            conn, _ = sock.accept()
            conn.setblocking(False)
            self.clients.append(conn)
            if not self.deaf:
                self.selector.register(conn, selectors.EVENT_READ, (self, "read"))
        else:
            try:
                data = sock.recv(1 << 16)
            except BlockingIOError:
                return
            except ConnectionError:
                data = b""
            if not data:
                self.selector.unregister(sock)
                sock.close()
                self.clients.remove(sock)
                return
            # The soak's cues send note-ons (0x90: a status byte, never a data byte); its panics send each channel's
            # All Notes Off (control changes), which are the core's stop messages, not cues: not counted.
            self.stream_bytes += data.count(b"\x90" if self.kind == "midi" else b"\xc0")

    @property
    def received(self) -> int:
        """Messages received whole."""
        if self.kind == "udp":
            return self.messages
        return self.stream_bytes if self.kind == "midi" else self.stream_bytes // 2


def _farm_main(conn: Connection, kinds: list[tuple[str, Kind]], ready: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    selector = selectors.DefaultSelector()
    devices = {name: _Device(name, kind, selector) for name, kind in kinds}
    ready.send([FarmDevice(d.name, d.kind, d.port) for d in devices.values()])
    ready.close()
    selector.register(conn, selectors.EVENT_READ, None)
    while True:
        for key, _ in selector.select(1.0):
            if key.data is None:
                try:
                    command, name = conn.recv()
                except EOFError:
                    return
                if command == "stop":
                    return
                device = devices.get(name)
                if command == "gone" and device is not None:
                    device.gone()
                elif command == "deaf" and device is not None:
                    device.set_deaf(True)
                elif command == "back" and device is not None:
                    device.set_deaf(False)
                    if device.listener is None:
                        device.open()
                conn.send({d.name: d.received for d in devices.values()})
            else:
                device, role = key.data
                device.ready(key.fileobj, role)


class DeviceFarm:
    """The farm process (see module docstring): `devices` says where each listens."""

    def __init__(self, kinds: list[tuple[str, Kind]]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, theirs = ctx.Pipe()
        ready_r, ready_w = ctx.Pipe(duplex=False)
        self.process: BaseProcess = ctx.Process(
            target=_farm_main, args=(theirs, kinds, ready_w), name="showcall-bench-farm", daemon=True
        )
        self.process.start()
        theirs.close()
        ready_w.close()
        if not ready_r.poll(30):
            self.close()
            raise RuntimeError("the benchmark's device farm did not start")
        self.devices: list[FarmDevice] = ready_r.recv()
        ready_r.close()

    def command(self, command: str, device: str = "") -> dict[str, int]:
        """`gone`, `deaf` or `back` for `device`, or `count`: returns the messages each device has received."""
        self._conn.send((command, device))
        counts: dict[str, int] = self._conn.recv()
        return counts

    def close(self) -> None:
        """Stop the farm process."""
        with contextlib.suppress(OSError, ValueError):
            self._conn.send(("stop", ""))
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)
        self._conn.close()
