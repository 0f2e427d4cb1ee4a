"""Provides `run_timing_probe`: `showcall doctor --probe`, the real timing core sending on this machine now.

It starts the timing core as a show does (its own process, asking for real-time priority, the `precise`
mode, no warm spare: nothing here needs one) and has it send one small OSC message to a UDP socket of
this process at a deadline every ~5 ms (each gap random within ±40 %, so the deadlines do not fall in step
with the kernel's tick) for 5 seconds. Lateness is taken twice: by the core's own clock just before each
send (its `Sent` reports) and by the kernel's receive timestamp (SO_TIMESTAMPNS, CLOCK_REALTIME, converted
to CLOCK_MONOTONIC with offsets sampled before and after). Its figures are this machine's now, with what
else runs on it now; `showcall bench timing` is the full benchmark.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import time
from collections.abc import Callable

from showcall.doctor.timing import ProbeFacts, lateness
from showcall.errors import ShowcallError
from showcall.timing import protocol as p
from showcall.timing.api import SendItem
from showcall.timing.client import TimingCoreClient
from showcall.transports.base import Endpoint

__all__ = ["PROBE_ADDRESS", "run_timing_probe"]

MS = 1_000_000
PROBE_ADDRESS = b"/showcall/doctor\x00\x00\x00\x00,i\x00\x00"
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # 35 on x86-64 and arm64 (asm-generic)
START_DELAY_NS = 200 * MS
"""The first deadline, after the items are handed over (so none is late for being handed over late)."""
SETTLE_S = 2.0
"""How long after the last deadline to wait for the last reports before giving up on them."""


def _offset_ns() -> int:
    """CLOCK_REALTIME minus CLOCK_MONOTONIC: the tightest of 50 monotonic pairs around a realtime read."""
    best: tuple[int, int] | None = None
    for _ in range(50):
        before = time.monotonic_ns()
        real = time.time_ns()
        after = time.monotonic_ns()
        if best is None or after - before < best[0]:
            best = (after - before, real - (before + after) // 2)
    assert best is not None
    return best[1]


class _Receiver:
    """A UDP socket on 127.0.0.1 keeping (item id, kernel receive time) of each datagram, read as they come."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.setblocking(False)
        self.port = int(self.sock.getsockname()[1])
        self.arrivals: dict[int, int] = {}

    def read(self) -> None:
        """Read every datagram waiting."""
        while True:
            try:
                data, ancillary, _, _ = self.sock.recvmsg(256, 256)
            except (BlockingIOError, InterruptedError):
                return
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and data.startswith(PROBE_ADDRESS):
                    sec, nsec = struct.unpack("qq", value[:16])
                    (item_id,) = struct.unpack(">i", data[len(PROBE_ADDRESS) : len(PROBE_ADDRESS) + 4])
                    self.arrivals[item_id] = sec * 1_000_000_000 + nsec


async def run_timing_probe(
    seconds: float = 5.0, interval_ms: float = 5.0, *, progress: Callable[[str], None] | None = None
) -> ProbeFacts:
    """Run the probe (see module docstring) and return what it measured; never raises for a core that fails."""
    loop = asyncio.get_running_loop()
    receiver = _Receiver()
    endpoint = Endpoint("doctor", "osc-udp", host="127.0.0.1", port=receiver.port)
    client = TimingCoreClient(endpoints=[endpoint], warm_spare=False)
    sent: dict[int, p.Sent] = {}
    failed: list[p.SendFailed] = []

    def on_report(report: p.Report) -> None:
        if isinstance(report, p.Sent):
            sent[report.item_id] = report
        elif isinstance(report, p.SendFailed):
            failed.append(report)

    loop.add_reader(receiver.sock.fileno(), receiver.read)
    try:
        try:
            info = await client.start()
        except ShowcallError as exc:
            return ProbeFacts(seconds, 0, error=str(exc))
        client.subscribe(on_report)
        rng = random.Random()
        offset_before = _offset_ns()
        deadline = time.monotonic_ns() + START_DELAY_NS
        end = deadline + int(seconds * 1e9)
        items: list[SendItem] = []
        while deadline < end:
            payload = PROBE_ADDRESS + struct.pack(">i", len(items))
            items.append(SendItem(len(items), "probe", deadline, "doctor", payload))
            deadline += int(interval_ms * MS * rng.uniform(0.6, 1.4))
        if progress is not None:
            progress(f"timing probe: {len(items)} sends over {seconds:g} s ({info.priority})")
        client.schedule(items)
        give_up = time.monotonic() + (end - time.monotonic_ns()) / 1e9 + SETTLE_S
        while len(sent) + len(failed) < len(items) and time.monotonic() < give_up:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.02)  # the last datagrams' arrival
        receiver.read()
        offset_after = _offset_ns()
    finally:
        loop.remove_reader(receiver.sock.fileno())
        receiver.sock.close()
        await client.aclose()
    at_send = lateness([(s.sent_ns - s.due_ns) / 1000 for s in sent.values()])
    due = {item.item_id: item.deadline_ns for item in items}
    span = max(1, end - due[0])

    def arrival_late_us(item_id: int, rx_real_ns: int) -> float:
        # The offset is interpolated over the run, so a clock slewed by NTP meanwhile is not counted as lateness.
        share = (due[item_id] - due[0]) / span
        offset = offset_before + (offset_after - offset_before) * share
        return (rx_real_ns - offset - due[item_id]) / 1000

    arrivals = [arrival_late_us(i, rx) for i, rx in receiver.arrivals.items() if i in due]
    # The clock conversion is good to a few µs: only an arrival more than 20 µs before its deadline is early.
    on_arrival = lateness(arrivals, early_below_us=-20.0)
    return ProbeFacts(
        seconds,
        len(items),
        priority=info.priority,
        realtime=info.realtime,
        notes=info.notes,
        at_send=at_send,
        on_arrival=on_arrival,
        failed=len(failed),
    )
