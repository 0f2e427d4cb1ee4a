"""Provides the benchmark's helpers outside the core: the measuring receiver, the CPU hog, the UI-like load.

The receiver is a separate process reading the kernel's receive timestamp of every datagram (SO_TIMESTAMPNS,
CLOCK_REALTIME). It converts them to CLOCK_MONOTONIC with an offset it samples itself: the pair of monotonic
reads around one realtime read that are closest together, out of 200, taken at the start and the end of each
phase (so a clock step or slew during a phase shows up as drift instead of as lateness).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import selectors
import signal
import socket
import struct
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

__all__ = [
    "BENCH_ADDRESS",
    "Receiver",
    "RxRecord",
    "bench_payload",
    "cpu_ns",
    "start_hog",
    "system_cpu_ns",
    "ui_like_load",
]

BENCH_ADDRESS = "/showcall/bench"
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # 35 on x86-64 and arm64 (asm-generic)
SO_RXQ_OVFL = getattr(socket, "SO_RXQ_OVFL", 40)
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
RCVBUF = 8 << 20
CLK_TCK = os.sysconf("SC_CLK_TCK")


def bench_payload(tag: int, seq: int, deadline_ns: int) -> bytes:
    """A real OSC message `/showcall/bench ,ihh tag seq deadline` (what a cue's bytes look like)."""
    builder = OscMessageBuilder(BENCH_ADDRESS)
    builder.add_arg(tag, "i")
    builder.add_arg(seq, "h")
    builder.add_arg(deadline_ns, "h")
    return bytes(builder.build().dgram)


@dataclass(frozen=True, slots=True)
class RxRecord:
    """One datagram at the receiver: what it says (tag, seq, deadline) and its kernel receive time, monotonic."""

    tag: int
    seq: int
    deadline_ns: int
    rx_ns: int


def _offset_sample(tries: int = 200) -> tuple[int, int]:
    """(realtime - monotonic, uncertainty): from the tightest monotonic pair around a realtime read."""
    best = (0, 1 << 62)
    for _ in range(tries):
        m1 = time.monotonic_ns()
        r = time.clock_gettime_ns(time.CLOCK_REALTIME)
        m2 = time.monotonic_ns()
        if m2 - m1 < best[1]:
            best = (r - (m1 + m2) // 2, m2 - m1)
    return best


def _receiver_main(conn: Connection, ready: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the benchmark stops it; Ctrl-C must not spray tracebacks
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
    sock.setblocking(False)
    ready.send(sock.getsockname()[1])
    raw: list[tuple[bytes, int]] = []
    drops = 0
    start = _offset_sample()
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ, "sock")
    sel.register(conn, selectors.EVENT_READ, "conn")
    while True:
        for key, _ in sel.select():
            if key.data == "sock":
                while True:
                    try:
                        data, anc, _, _ = sock.recvmsg(2048, 256)
                    except BlockingIOError:
                        break
                    rx = 0
                    for level, kind, value in anc:
                        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                            sec, nsec = struct.unpack("qq", value[:16])
                            rx = sec * 1_000_000_000 + nsec
                        elif level == socket.SOL_SOCKET and kind == SO_RXQ_OVFL:
                            drops = struct.unpack("I", value[:4])[0]
                    raw.append((data, rx))
                continue
            command = conn.recv()
            if command == "mark":
                raw.clear()
                start = _offset_sample()
                conn.send(start)
            elif command == "collect":
                end = _offset_sample()
                offset = (start[0] + end[0]) // 2
                records = []
                for data, rx in raw:
                    params = OscMessage(data).params
                    records.append(RxRecord(int(params[0]), int(params[1]), int(params[2]), rx - offset))
                raw.clear()
                conn.send((records, drops, end[0] - start[0], max(start[1], end[1])))
                start = end
            else:
                return


class Receiver:
    """The measuring receiver process: `mark()` a phase's start, `collect()` its datagrams at the end."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, theirs = ctx.Pipe()
        ready_r, ready_w = ctx.Pipe(duplex=False)
        self.process: BaseProcess = ctx.Process(
            target=_receiver_main, args=(theirs, ready_w), name="showcall-bench-receiver", daemon=True
        )
        self.process.start()
        theirs.close()
        ready_w.close()
        if not ready_r.poll(30):
            self.close()
            raise RuntimeError("the benchmark's receiver did not start")
        self.port: int = ready_r.recv()
        ready_r.close()
        self.drops = 0
        self.drift_ns = 0
        self.offset_uncertainty_ns = 0

    def mark(self) -> None:
        """Start a phase: forget what arrived so far and sample the clock offset."""
        self._conn.send("mark")
        self._conn.recv()

    def collect(self) -> list[RxRecord]:
        """Everything received since `mark`, with monotonic receive times."""
        self._conn.send("collect")
        records, self.drops, self.drift_ns, self.offset_uncertainty_ns = self._conn.recv()
        result: list[RxRecord] = records
        return result

    def close(self) -> None:
        """Stop the receiver process."""
        with contextlib.suppress(OSError, ValueError):
            self._conn.send("stop")
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)
        self._conn.close()


def _hog_main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass


def start_hog() -> BaseProcess:
    """A separate process spinning on a CPU (the "CPU hog on another core" condition); kill it when done."""
    proc = multiprocessing.get_context("spawn").Process(target=_hog_main, name="showcall-bench-hog", daemon=True)
    proc.start()
    return proc


async def ui_like_load(chunk_ms: float, stop: asyncio.Event) -> None:
    """Hold the event loop in ~`chunk_ms` chunks of CPU work, like Textual rendering a busy screen.

    The work builds and joins strings the way a render builds lines, so it allocates and holds the GIL.
    """
    chunk_ns = int(chunk_ms * 1_000_000)
    lines = [f"{n:>4} LX {n}.5  House to half      follow 1s  pending     +14µs" for n in range(24)]
    while not stop.is_set():
        end = time.monotonic_ns() + chunk_ns
        while time.monotonic_ns() < end:
            screen = "\n".join(line[::-1].upper() for line in lines)
            lines[0] = screen[:70]
        await asyncio.sleep(0)


def cpu_ns(pid: int) -> int:
    """CPU time a process has used, in ns (schedstat: ns resolution; stat's clock ticks otherwise)."""
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1_000_000_000 // CLK_TCK
    except (OSError, ValueError, IndexError):
        return 0


def system_cpu_ns() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, in ns, from /proc/stat."""
    with open("/proc/stat", "rb") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    scale = 1_000_000_000 // CLK_TCK
    return (total - idle) * scale, total * scale
