"""Provides `showcall bench sim [--rate N] [--seconds S] [--json]`: the simulators' throughput.

A generic OSC simulator runs in a process of its own (as in a rehearsal, where the timing core sends from
another process); this process sends it numbered messages at a steady rate over UDP, then over TCP with
length framing, and asks it what arrived: received, dropped (sent and never received),
gaps (places where the sequence numbers jumped: a loss or a reordering), the rate it received them at, and the
CPU it used per message. The figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from showcall.compile.wire import build_osc
from showcall.protocols.oscframe import length_encode
from showcall.sim.base import Listen
from showcall.sim.osc import GenericOscSimulator
from showcall.sim.records import SimRecord

__all__ = ["DESCRIPTION", "BenchResult", "add_arguments", "main", "run", "run_bench"]

SETTLE_S = 2.0
"""How long to wait, after the last send, for the simulator to catch up before counting what never came."""
DESCRIPTION = (
    "Send numbered OSC messages at a steady rate to a generic OSC simulator in its own process, over UDP and "
    "over TCP, and print what arrived: received, dropped, gaps, receive rate, simulator CPU a message."
)


@dataclass
class BenchResult:
    """One transport's figures."""

    transport: str
    sent: int
    send_rate: float
    received: int
    dropped: int
    gaps: int
    malformed: int
    receive_rate: float
    receive_seconds: float
    cpu_us_per_message: float


# ---- the simulator's side (a child process) ---------------------------------------------------


class _Counter:
    def __init__(self) -> None:
        self.count = 0
        self.gaps = 0
        self.first_ns = 0
        self.last_ns = 0
        self._next = 0

    def __call__(self, record: SimRecord) -> None:
        if record.kind != "received" or record.message is None:
            return
        now = time.monotonic_ns()
        if not self.count:
            self.first_ns = now
        self.last_ns = now
        self.count += 1
        seq = record.message.as_dict().get("args", [None])[0]
        if seq != self._next:
            self.gaps += 1
        self._next = seq + 1 if isinstance(seq, int) else self._next + 1


async def _serve(kind: str) -> None:
    listen = Listen("osc-udp") if kind == "udp" else Listen("osc-tcp", framing="length")
    sim = GenericOscSimulator("bench", listen)
    await sim.start()
    counter = _Counter()
    sim.subscribe(counter)
    print(sim.port, flush=True)
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            break
        usage = resource.getrusage(resource.RUSAGE_SELF)
        span = (counter.last_ns - counter.first_ns) / 1e9
        stats = {
            "received": counter.count,
            "gaps": counter.gaps,
            "malformed": sim.stats.dropped,
            "receive_rate": (counter.count - 1) / span if span > 0 else 0.0,
            "receive_s": span,
            "cpu_s": usage.ru_utime + usage.ru_stime,
        }
        print(json.dumps(stats), flush=True)
    await sim.aclose()


# ---- the sender's side --------------------------------------------------------------------------


class _Child:
    def __init__(self, kind: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "showcall.bench.sim", "--serve", kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stdin is not None
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        self.port = int(self.stdout.readline())

    def stats(self) -> dict[str, Any]:
        self.stdin.write("stats\n")
        self.stdin.flush()
        result: dict[str, Any] = json.loads(self.stdout.readline())
        return result

    def close(self) -> None:
        self.stdin.close()
        self.process.wait(timeout=10)
        self.stdout.close()


def _paced_send(send: Any, packets: list[bytes], rate: int) -> float:
    """Send `packets` at `rate` a second (all at once when rate is 0); returns the seconds it took."""
    start = time.monotonic()
    sent = 0
    while sent < len(packets):
        due = len(packets) if rate <= 0 else min(len(packets), int((time.monotonic() - start) * rate) + 1)
        while sent < due:
            send(packets[sent])
            sent += 1
        if sent < len(packets):
            time.sleep(0.0005)  # pacing: about 5 messages per wake-up at 10,000/s
    return time.monotonic() - start


def run_bench(kind: str, rate: int, seconds: float) -> BenchResult:
    """Send `rate` messages a second for `seconds` to a simulator over `kind` (udp or tcp) and measure."""
    count = int(rate * seconds) if rate > 0 else 50_000
    packets = [build_osc("/bench/seq", [("i", seq)]) for seq in range(count)]
    child = _Child(kind)
    try:
        baseline = child.stats()["cpu_s"]
        if kind == "udp":
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.connect(("127.0.0.1", child.port))
                took = _paced_send(sock.send, packets, rate)
        else:
            with socket.create_connection(("127.0.0.1", child.port)) as sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                took = _paced_send(lambda p: sock.sendall(length_encode(p)), packets, rate)
                stats = _settle(child, count)
        if kind == "udp":
            stats = _settle(child, count)
    finally:
        child.close()
    return BenchResult(
        transport="udp" if kind == "udp" else "tcp/length",
        sent=count,
        send_rate=count / took,
        received=stats["received"],
        dropped=count - stats["received"],
        gaps=stats["gaps"],
        malformed=stats["malformed"],
        receive_rate=stats["receive_rate"],
        receive_seconds=stats["receive_s"],
        cpu_us_per_message=1e6 * (stats["cpu_s"] - baseline) / max(1, stats["received"]),
    )


def _settle(child: _Child, count: int) -> dict[str, Any]:
    """The child's stats once everything arrived, or once nothing more arrived for SETTLE_S."""
    stats = child.stats()
    last, quiet_since = stats["received"], time.monotonic()
    while stats["received"] < count and time.monotonic() - quiet_since < SETTLE_S:
        time.sleep(0.05)
        stats = child.stats()
        if stats["received"] != last:
            last, quiet_since = stats["received"], time.monotonic()
    return stats


def _print(results: list[BenchResult], rate: int, seconds: float, out: TextIO) -> None:
    pace = f"{rate:,} messages/s for {seconds:g} s" if rate > 0 else "as fast as one sender can"
    print(f"showcall simulator benchmark: {pace}, generic OSC simulator in its own process", file=out)
    for r in results:
        print(
            f"  {r.transport:<11} sent {r.sent:>7,} at {r.send_rate:>8,.0f}/s   received {r.received:>7,}   "
            f"dropped {r.dropped:>5,}   gaps {r.gaps}   malformed {r.malformed}   "
            f"receive rate {r.receive_rate:>8,.0f}/s over {r.receive_seconds:.2f} s   "
            f"simulator CPU {r.cpu_us_per_message:.0f} µs a message",
            file=out,
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options and description of `showcall bench sim`."""
    parser.description = DESCRIPTION
    parser.add_argument("--rate", type=int, default=10_000, help="messages a second (0: as fast as possible)")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to send at that rate")
    parser.add_argument(
        "--transport", choices=["udp", "tcp", "both"], default="both", help="which transport (default both)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--serve", choices=["udp", "tcp"], help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    """Run the benchmark (or, with --serve, be its simulator process) and print the figures."""
    if args.serve:
        asyncio.run(_serve(args.serve))
        return 0
    kinds = ["udp", "tcp"] if args.transport == "both" else [args.transport]
    results = [run_bench(kind, args.rate, args.seconds) for kind in kinds]
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    else:
        _print(results, args.rate, args.seconds, sys.stdout)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m showcall.bench.sim` (also how the benchmark starts its simulator process, with --serve)."""
    parser = argparse.ArgumentParser(prog="showcall bench sim")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
