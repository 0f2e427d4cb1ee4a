"""Provides real OSC receivers on 127.0.0.1 for end-to-end tests, decoded with python-osc's parser."""

from __future__ import annotations

import socket
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
