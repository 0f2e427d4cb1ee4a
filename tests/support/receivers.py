"""Provides real OSC receivers on 127.0.0.1 for end-to-end tests, decoded with python-osc's parser."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

from pythonosc.osc_message import OscMessage


@dataclass
class UdpReceiver:
    """A UDP socket on an ephemeral loopback port that collects (address, args) of what arrives."""

    sock: socket.socket = field(default_factory=lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    received: list[tuple[str, list[object]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def drain(self) -> list[tuple[str, list[object]]]:
        """Read everything waiting."""
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                break
            message = OscMessage(data)
            self.received.append((message.address, list(message.params)))
        return self.received

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[str, list[object]]]:
        """Poll until `count` messages arrived or `timeout` passed."""
        deadline = time.monotonic() + timeout
        while len(self.drain()) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received

    def close(self) -> None:
        self.sock.close()


class ThreadedUdpReceiver:
    """A UDP socket on 127.0.0.1 read by a thread of its own, so bursts are never lost to a full buffer while
    the test waits on a process; keeps (address, args) of each datagram in arrival order."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.received: list[tuple[str, list[object]]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="udp-receiver", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            message = OscMessage(data)
            with self._lock:
                self.received.append((message.address, list(message.params)))

    def addresses(self) -> list[str]:
        """The address of every datagram so far, in arrival order."""
        with self._lock:
            return [address for address, _ in self.received]

    def settle(self, quiet_s: float = 0.3, timeout_s: float = 10.0) -> list[str]:
        """Wait until nothing has arrived for `quiet_s`; returns the addresses."""
        deadline = time.monotonic() + timeout_s
        count, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now_count = len(self.addresses())
            if now_count != count:
                count, since = now_count, time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                break
            time.sleep(0.02)
        return self.addresses()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
