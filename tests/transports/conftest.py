"""Fixtures for transport tests: a stand-in for the timing core's loop, a real loopback server, required tools.

Tests get the helpers through fixtures (`core`, `server`, ...), never by importing this file, so they work in
any pytest import mode.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from showcall.transports.base import Output

from support.tools import free_port, require_tool

DEADLINE_S = 5.0  # generous: a loaded 2-core machine; the tests poll and return as soon as the condition holds


class Core:
    """The timing core's loop in miniature: select on each output's fd, `on_ready`, `service` when due.

    Real sockets and real time; `run_until` polls a condition with a deadline instead of sleeping.
    """

    def __init__(self, *outputs: Output) -> None:
        self.outputs = outputs
        self.received: dict[str, list[bytes]] = {o.endpoint.device: [] for o in outputs}

    def step(self, wait_s: float = 0.01) -> None:
        now = time.monotonic_ns()
        for output in self.outputs:
            due = output.next_service_ns()
            if due is not None and due <= now:
                output.service(now)
        readers: dict[int, Output] = {}
        writers: dict[int, Output] = {}
        for output in self.outputs:
            fd = output.fileno()
            if fd is not None:
                readers[fd] = output
                if output.wants_write():
                    writers[fd] = output
        if not readers:
            time.sleep(wait_s)
            return
        readable, writable, _ = select.select(list(readers), list(writers), [], wait_s)
        now = time.monotonic_ns()
        for fd in set(readable) | set(writable):
            output = readers[fd]
            self.received[output.endpoint.device] += output.on_ready(now, fd in readable, fd in writable)

    def run_until(self, condition: Callable[[], bool], what: str, timeout_s: float = DEADLINE_S) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout_s}s waiting for {what}")
            self.step()


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = DEADLINE_S) -> None:
    """Poll `condition` every millisecond until it holds; fail saying `what` after the deadline."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.001)


class StreamServer:
    """A real TCP server on 127.0.0.1 run by a thread: keeps what each connection sent, can talk back or hang up."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._clients: list[socket.socket] = []
        self._data: list[bytearray] = []
        self._stop = threading.Event()
        self._hang_up = threading.Event()
        self._hung_up = threading.Event()
        self.paused = threading.Event()  # while set, nothing is read: the client's writes back up
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._hang_up.is_set():
                # Only this thread closes sockets, so select never sees one closed under it.
                with self._lock:
                    for client in self._clients:
                        client.close()
                self._hang_up.clear()
                self._hung_up.set()
            with self._lock:
                clients = [] if self.paused.is_set() else [c for c in self._clients if c.fileno() >= 0]
                watched = [self._listener, *clients]
            readable, _, _ = select.select(watched, [], [], 0.01)
            for sock in readable:
                with self._lock:
                    if sock is self._listener:
                        conn, _ = sock.accept()
                        self._clients.append(conn)
                        self._data.append(bytearray())
                        continue
                    if sock.fileno() < 0:
                        continue
                    try:
                        chunk = sock.recv(65536)
                    except OSError:
                        chunk = b""
                    index = self._clients.index(sock)
                    if chunk:
                        self._data[index] += chunk
                    else:
                        sock.close()

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._clients)

    def received(self, index: int = -1) -> bytes:
        with self._lock:
            return bytes(self._data[index]) if self._data else b""

    def send(self, data: bytes, index: int = -1) -> None:
        with self._lock:
            self._clients[index].sendall(data)

    def hang_up(self) -> None:
        """Close every client connection, as a device does when it restarts mid-show."""
        self._hung_up.clear()
        self._hang_up.set()
        if not self._hung_up.wait(DEADLINE_S):
            pytest.fail("server thread did not hang up")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for client in self._clients:
            client.close()
        self._listener.close()


@pytest.fixture
def server() -> Iterator[StreamServer]:
    srv = StreamServer()
    yield srv
    srv.close()


@pytest.fixture
def unlistened() -> Iterator[socket.socket]:
    """A loopback TCP socket bound but not listening: connects to its port are refused until it listens."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


@pytest.fixture
def require() -> Callable[[str, str], str]:
    """`require(tool, package)`: the rule every test that needs an external tool goes through."""
    return require_tool


@pytest.fixture
def oscdump() -> str:
    """Path of liblo's oscdump, an OSC implementation independent of python-osc."""
    return require_tool("oscdump", "liblo-tools")


@pytest.fixture
def core() -> type[Core]:
    """The `Core` class: `core(out1, out2)` drives outputs with a select loop in real time."""
    return Core


@pytest.fixture
def wait() -> Callable[[Callable[[], bool], str], None]:
    """`wait(condition, what)`: poll with a deadline, for tests that drive outputs with their own clock."""
    return wait_for


@pytest.fixture
def free_udp_port() -> int:
    """A UDP port free right now on 127.0.0.1."""
    return free_port(socket.SOCK_DGRAM)


@pytest.fixture
def free_tcp_port() -> int:
    """A TCP port free right now on 127.0.0.1."""
    return free_port(socket.SOCK_STREAM)
