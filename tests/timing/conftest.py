"""Fixtures for timing tests: a stepping clock, recording outputs, an in-process core, a loopback receiver.

Tests get the helpers through fixtures, never by importing this file, so they work in any pytest import mode.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator, Sequence

import pytest

from showcall.timing import protocol as p
from showcall.timing.core import Core, CoreConfig
from showcall.timing.modes import PRECISE
from showcall.transports.base import DeviceDownError, Endpoint, LinkState, LinkStatus, OutputStats

WAIT_S = 10.0  # generous: a loaded 2-core machine; waits return as soon as their condition holds


class StepClock:
    """A fake monotonic clock: `now` is set by the test; each read may also step it (so a spin ends)."""

    def __init__(self, now: int = 1_000_000_000, step: int = 0) -> None:
        self.now = now
        self.step = step
        self.reads = 0

    def __call__(self) -> int:
        value = self.now
        self.now += self.step
        self.reads += 1
        return value


class RecordingOutput:
    """An `Output` that records what it sends with the fake clock's time; framing prefixes `F:`."""

    def __init__(self, endpoint: Endpoint, clock: StepClock) -> None:
        self.endpoint = endpoint
        self.stats = OutputStats()
        self.clock = clock
        self.sent: list[tuple[bytes, int]] = []
        self.down_reason = ""
        self.on_send: Callable[[int], None] | None = None
        self.closed = False

    def open(self, now_ns: int) -> None:
        pass

    def status(self) -> LinkStatus:
        if self.down_reason:
            return LinkStatus(LinkState.OFFLINE, self.down_reason)
        return LinkStatus(LinkState.ONLINE)

    def frame(self, payload: bytes) -> bytes:
        return b"F:" + payload

    def send(self, wire: bytes) -> None:
        if self.down_reason:
            raise DeviceDownError(self.endpoint.device, self.down_reason)
        self.sent.append((wire, self.clock.now))
        if self.on_send is not None:
            self.on_send(len(self.sent))

    def fileno(self) -> int | None:
        return None

    def wants_write(self) -> bool:
        return False

    def on_ready(self, now_ns: int, readable: bool, writable: bool) -> list[bytes]:
        return []

    def service(self, now_ns: int) -> None:
        pass

    def next_service_ns(self) -> int | None:
        return None

    def close(self) -> None:
        self.closed = True


class RecordingBatchOutput(RecordingOutput):
    """A RecordingOutput that can batch (`BatchOutput`): each `send_many` call is kept with the clock's time.

    A call takes `call_ns` per wire of the fake clock (as the kernel takes time per datagram), so a stamp
    read after the call can be told from one read before it. `refuse[n] = k` makes call n (from 0) refuse
    after its first k wires, as a device that stops taking them.
    """

    def __init__(self, endpoint: Endpoint, clock: StepClock) -> None:
        super().__init__(endpoint, clock)
        self.calls: list[tuple[list[bytes], int]] = []
        self.prepared_at: list[int] = []
        self.refuse: dict[int, int] = {}
        self.call_ns = 2_000

    def prepare_many(self, wires: Sequence[bytes]) -> list[bytes]:
        self.prepared_at.append(self.clock.now)
        return list(wires)

    def send_many(self, wires: Sequence[bytes]) -> int:
        if self.down_reason:
            raise DeviceDownError(self.endpoint.device, self.down_reason)
        take = self.refuse.get(len(self.calls), len(wires))
        self.calls.append((list(wires), self.clock.now))
        for wire in wires[:take]:
            self.clock.now += self.call_ns
            self.sent.append((wire, self.clock.now))
        if self.on_send is not None:
            self.on_send(len(self.sent))
        if take < len(wires):
            raise DeviceDownError(self.endpoint.device, "no buffer space available", sent=take)
        return take


class CoreRig:
    """A `Core` in this process on a socketpair, with a step clock and recording outputs.

    `send(message)` writes a command as the engine would; `reports()` reads back everything the core flushed.
    With `batching`, the outputs can send many wires in one call, except those of devices named `single*`.
    With `real`, the core has the real clock and real outputs (sockets) instead.
    """

    def __init__(self, guard_ns: int = PRECISE.guard_ns, batching: bool = False, real: bool = False) -> None:
        self.clock = StepClock()
        self.engine, self.core_end = socket.socketpair()
        self.outputs: dict[str, RecordingOutput] = {}

        def factory(endpoint: Endpoint) -> RecordingOutput:
            can_batch = batching and not endpoint.device.startswith("single")
            out = (RecordingBatchOutput if can_batch else RecordingOutput)(endpoint, self.clock)
            self.outputs[endpoint.device] = out
            return out

        config = CoreConfig(PRECISE.with_guard(guard_ns))
        if real:
            self.core = Core(self.core_end, config)
        else:
            self.core = Core(self.core_end, config, clock=self.clock, output_factory=factory)
        self._reader = p.FrameReader()

    def send(self, *messages: p.Message) -> None:
        for message in messages:
            self.engine.sendall(p.encode(message))

    def receive(self) -> None:
        """What the core does when its socket is readable."""
        self.core.read_control()
        self.core.process_frames()

    def reports(self) -> list[p.Report]:
        """Everything the core has reported so far (flushing its buffer as the socket drains)."""
        self.engine.setblocking(False)
        try:
            while True:
                self.core.flush()
                while True:
                    try:
                        data = self.engine.recv(1 << 20)
                    except BlockingIOError:
                        break
                    if not data:
                        break
                    self._reader.feed(data)
                if not self.core.unsent_bytes():
                    break
        finally:
            self.engine.setblocking(True)
        out: list[p.Report] = []
        for frame in self._reader.pop_frames():
            message = frame.decode()
            assert isinstance(message, p.ReportBatch)
            out += [r for r in message.reports if not isinstance(r, p.CoreHeartbeat)]
        return out

    def close(self) -> None:
        self.core.close()
        self.core_end.close()
        self.engine.close()


@pytest.fixture
def rig() -> Iterator[CoreRig]:
    """An in-process core with a fake clock (see CoreRig)."""
    r = CoreRig()
    yield r
    r.close()


@pytest.fixture
def batch_rig() -> Iterator[CoreRig]:
    """An in-process core with a fake clock whose outputs can batch (see RecordingBatchOutput)."""
    r = CoreRig(batching=True)
    yield r
    r.close()


@pytest.fixture
def make_rig() -> Iterator[Callable[..., CoreRig]]:
    """Make in-process cores with other guards, batching outputs, or the real clock and outputs (see CoreRig)."""
    made: list[CoreRig] = []

    def make(guard_ns: int = PRECISE.guard_ns, batching: bool = False, real: bool = False) -> CoreRig:
        made.append(CoreRig(guard_ns, batching, real))
        return made[-1]

    yield make
    for r in made:
        r.close()


class UdpReceiver:
    """A UDP socket on 127.0.0.1 that keeps every datagram with its kernel receive time (SO_TIMESTAMPNS)."""

    SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, self.SO_TIMESTAMPNS, 1)
        self.sock.setblocking(False)
        self.port: int = self.sock.getsockname()[1]
        self.packets: list[tuple[bytes, int]] = []

    def endpoint(self, device: str, panic: tuple[bytes, ...] = ()) -> Endpoint:
        return Endpoint(device, "osc-udp", host="127.0.0.1", port=self.port, panic=panic)

    def drain(self) -> list[tuple[bytes, int]]:
        """Read what arrived; each packet with its kernel timestamp converted to CLOCK_MONOTONIC ns.

        The offset between the clocks comes from the closest pair of monotonic reads around a realtime read,
        of 50 (their gap, ~0.1-0.3 µs here, bounds its error), so times can be compared to the core's stamps.
        """
        offset, gap = 0, 1 << 62
        for _ in range(50):
            before = time.monotonic_ns()
            real = time.clock_gettime_ns(time.CLOCK_REALTIME)
            after = time.monotonic_ns()
            if after - before < gap:
                offset, gap = real - (before + after) // 2, after - before
        while True:
            try:
                data, ancdata, _, _ = self.sock.recvmsg(65536, 64)
            except BlockingIOError:
                break
            rx = 0
            for level, kind, value in ancdata:
                if level == socket.SOL_SOCKET and kind == self.SO_TIMESTAMPNS:
                    sec, nsec = int.from_bytes(value[:8], "little"), int.from_bytes(value[8:16], "little")
                    rx = sec * 1_000_000_000 + nsec - offset
            self.packets.append((data, rx))
        return self.packets

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def receiver() -> Iterator[UdpReceiver]:
    """A loopback UDP receiver that records kernel receive times."""
    r = UdpReceiver()
    yield r
    r.close()


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    """Poll `condition` (sync helper for tests that are not on a loop)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


@pytest.fixture
def wait() -> Callable[..., None]:
    """The polling wait, as a fixture."""
    return wait_until
