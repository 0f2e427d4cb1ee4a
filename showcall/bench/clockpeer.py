"""Provides the link's clock conversion measured between two processes on one machine (`showcall bench backup`).

`python -m showcall.bench.clockpeer` listens as a main would and answers pings; `measure(n)` starts it, links
to it as a backup does (the real handshake and `ClockOffset`) and pings `n` times, 20 ms apart. Both processes
read the same CLOCK_MONOTONIC, so the true offset is 0: the estimate's distance from 0 is its error.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from showcall.backup import wire
from showcall.backup.auth import LOOPBACK
from showcall.backup.peer import Identity, PeerConnection
from showcall.stats import percentile

PASSCODE = "clock-peer-passcode"
ME = Identity(PASSCODE, "clock", LOOPBACK)


def _describe() -> dict[str, Any]:
    return {"role": "waiting", "term": 0, "started": False, "mirror": 0}


@dataclass(frozen=True)
class ClockFigures:
    """What the pings said: the kept estimate and its bound, and how far single pings' estimates strayed."""

    samples: int
    offset_ns: int
    bound_ns: int
    single_abs_p50_ns: int
    single_abs_max_ns: int
    rtt_min_ns: int
    rtt_p50_ns: int


async def _serve() -> None:
    loop = asyncio.get_running_loop()

    def answer(conn: PeerConnection, line: dict[str, Any]) -> None:
        if line["t"] == wire.PING:
            now = time.monotonic_ns()
            conn.send(wire.PONG, n=line["n"], t1=int(line["t1"]), t2=now, t3=time.monotonic_ns())

    done = asyncio.Event()

    def factory() -> PeerConnection:
        return PeerConnection(
            listening=True,
            me=ME,
            describe=_describe,
            on_ready=lambda _: None,
            on_line=answer,
            on_closed=lambda _, __: done.set(),
        )

    server = await loop.create_server(factory, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await done.wait()
    server.close()


async def _measure(port: int, count: int) -> ClockFigures:
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()
    samples: list[tuple[int, int]] = []
    conn_box: list[PeerConnection] = []

    def pong(conn: PeerConnection, line: dict[str, Any]) -> None:
        if line["t"] == wire.PONG:
            sample = conn.clock.add(int(line["t1"]), int(line["t2"]), int(line["t3"]), time.monotonic_ns())
            samples.append((sample.offset_ns, sample.rtt_ns))

    def factory() -> PeerConnection:
        conn = PeerConnection(
            listening=False,
            me=ME,
            describe=_describe,
            on_ready=lambda _: ready.set(),
            on_line=pong,
            on_closed=lambda _, __: ready.set(),
        )
        conn_box.append(conn)
        return conn

    await loop.create_connection(factory, "127.0.0.1", port)
    await asyncio.wait_for(ready.wait(), 10)
    conn = conn_box[0]
    for n in range(count):
        conn.send(wire.PING, n=n, t1=time.monotonic_ns())
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.05)
    conn.close("done")
    singles = sorted(abs(offset) for offset, _ in samples)
    rtts = sorted(rtt for _, rtt in samples)
    bound = conn.clock.error_bound_ns or 0
    return ClockFigures(
        len(samples),
        conn.clock.offset_ns,
        bound,
        percentile(singles, 0.5),
        singles[-1],
        rtts[0],
        percentile(rtts, 0.5),
    )


def measure(count: int = 200) -> ClockFigures:
    """Start the peer process, link to it, ping `count` times; the figures."""
    peer = subprocess.Popen(
        [sys.executable, "-m", "showcall.bench.clockpeer"], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert peer.stdout is not None
        port = int(peer.stdout.readline())
        return asyncio.run(_measure(port, count))
    finally:
        peer.kill()
        peer.wait(5)


if __name__ == "__main__":
    asyncio.run(_serve())
