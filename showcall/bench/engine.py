"""Provides `showcall bench engine`: GO latency and a long unattended run, measured on the wire.

1. GO latency: from a GO command arriving to the cue's first message at a receiver in another
   process (the kernel's receive timestamp), for an OSC control message (with and without a
   UI-like load on the engine's loop, as a console would put there) and for a stdin line to a
   headless `showcall run` process.
2. Long run: a generated show auto-run at about 100 cues a second: every message must arrive
   exactly once, none early, and memory must stay flat.

The GO lead (engine.GO_LEAD_NS, 1 ms) is part of every GO latency figure: it is what makes a cue's
messages keep their exact offsets. Percentiles are `showcall.stats`'s nearest rank.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from showcall.bench.procs import Receiver, RxRecord, ui_like_load
from showcall.engine import events as ev
from showcall.engine.engine import GO_LEAD_NS
from showcall.runner.session import SessionOptions, ShowSession
from showcall.stats import percentile, summarize

__all__ = ["DESCRIPTION", "LongRun", "add_arguments", "main", "run"]

US = 1_000
DESCRIPTION = (
    "Measure GO latency (OSC control idle and under a UI-like load, stdin line) at a receiver in another process, "
    "and auto-run a generated show checking every message arrived once, none early, with flat memory."
)


def _show(path: Path, cues: int, port: int, *, go_guard: str, manual: bool = True) -> Path:
    """A show of `cues` cues, each sending `/showcall/bench ,ihh 1 <n> 0` to the receiver."""
    lines = [
        "showcall: 1",
        f"show: {{title: Engine benchmark, go_guard: {go_guard}}}",
        "devices:",
        f"  rx: {{driver: osc, host: 127.0.0.1, port: {port}}}",
        "departments: {LX: {name: Lighting}}",
        "cues:",
    ]
    for n in range(1, cues + 1):
        go = "" if manual or n == 1 else ", go: {follow: 10ms}"
        lines.append(
            f"  - {{id: '{n}', dept: LX{go}, actions: [{{osc: {{device: rx, address: /showcall/bench,"
            f" args: [1, {{h: {n}}}, {{h: 0}}]}}}}]}}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def _percentiles(values_ns: list[int]) -> dict[str, float | int | None]:
    figures = summarize(values_ns)
    if figures is None:
        return {"count": 0, "p50_us": None, "p99_us": None, "max_us": None, "min_us": None}
    us = figures.scaled(US)
    return {
        "count": us.n,
        "p50_us": round(us.p50, 1),
        "p99_us": round(us.p99, 1),
        "max_us": round(us.max, 1),
        "min_us": round(us.min, 1),
    }


def _latencies(sent: dict[int, int], records: list[RxRecord]) -> list[int]:
    arrived = {record.seq: record.rx_ns for record in records}
    return [arrived[seq] - t0 for seq, t0 in sent.items() if seq in arrived]


async def _control_latency(
    folder: Path, receiver: Receiver, gos: int, ui_load_ms: float | None, realtime: bool
) -> dict[str, Any]:
    show = _show(folder / f"control-{ui_load_ms}.yaml", gos + 1, receiver.port, go_guard="20ms")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    options = SessionOptions(control_port=port, log_path=folder / "control.jsonl", realtime=realtime)
    session = await ShowSession.open(show, options)
    stop = asyncio.Event()
    load = asyncio.create_task(ui_like_load(ui_load_ms, stop)) if ui_load_ms else None
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.connect(("127.0.0.1", port))
    go = b"/showcall/go\x00\x00\x00\x00,\x00\x00\x00"
    sent: dict[int, int] = {}
    try:
        session.start()
        receiver.mark()
        loop = asyncio.get_running_loop()
        for n in range(1, gos + 1):
            # the packet is sent from a thread so a busy loop delays the engine, not the measurement's start
            t0 = await loop.run_in_executor(None, _send_timed, sender, go)
            sent[n] = t0
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        records = receiver.collect()
    finally:
        stop.set()
        if load is not None:
            await load
        sender.close()
        await session.aclose()
    result = _percentiles(_latencies(sent, records))
    result["received"] = len(records)
    return result


def _send_timed(sock: socket.socket, packet: bytes) -> int:
    t0 = time.monotonic_ns()
    sock.send(packet)
    return t0


def _stdin_latency(folder: Path, receiver: Receiver, gos: int, realtime: bool) -> dict[str, Any]:
    show = _show(folder / "stdin.yaml", gos + 1, receiver.port, go_guard="20ms")  # one spare: it must not end
    command = [sys.executable, "-m", "showcall", "run", str(show), "--headless", "--log", str(folder / "s.jsonl")]
    proc = subprocess.Popen(
        command if realtime else [*command, "--no-rt"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    sent: dict[int, int] = {}
    try:
        while True:  # wait until the console announced its standby: the timing core is up
            line = proc.stdout.readline()
            if not line or json.loads(line).get("event") == "standby":
                break
        receiver.mark()
        for n in range(1, gos + 1):
            t0 = time.monotonic_ns()
            proc.stdin.write("go\n")
            proc.stdin.flush()
            sent[n] = t0
            time.sleep(0.05)
        time.sleep(0.3)
        records = receiver.collect()
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    result = _percentiles(_latencies(sent, records))
    result["received"] = len(records)
    return result


@dataclass
class LongRun:
    """What the long unattended run measured."""

    cues: int
    seconds: float = 0.0
    rate_per_s: float = 0.0
    received: int = 0
    missed: int = 0
    duplicated: int = 0
    early: int = 0
    late_p50_us: float | None = None
    late_p99_us: float | None = None
    late_max_us: float | None = None
    rss_mb: list[float] = field(default_factory=list)


def _rss_mb() -> float:
    with contextlib.suppress(OSError, ValueError, IndexError):
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


async def _long_run(folder: Path, receiver: Receiver, cues: int, gap_ms: float, realtime: bool) -> LongRun:
    show = _show(folder / "long.yaml", cues, receiver.port, go_guard="1ms")
    options = SessionOptions(auto_gap_ns=int(gap_ms * 1_000_000), log_path=folder / "long.jsonl", realtime=realtime)
    session = await ShowSession.open(show, options)
    result = LongRun(cues)
    lateness: list[int] = []
    done = asyncio.Event()

    def on_event(event: ev.Event) -> None:
        if isinstance(event, ev.SentEvent):
            lateness.append(event.sent_ns - event.due_ns)
        elif isinstance(event, ev.End):
            done.set()

    session.engine.subscribe(on_event)
    receiver.mark()
    started = time.monotonic()
    try:
        session.start()
        while not done.is_set():
            result.rss_mb.append(_rss_mb())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=max(1.0, cues / 1000))
        result.seconds = round(time.monotonic() - started, 2)
        await asyncio.sleep(0.5)
        records = receiver.collect()
    finally:
        await session.aclose()
    seqs = [record.seq for record in records]
    result.received = len(records)
    result.missed = len(set(range(1, cues + 1)) - set(seqs))
    result.duplicated = len(seqs) - len(set(seqs))
    result.early = sum(1 for late in lateness if late < 0)
    result.rate_per_s = round(cues / result.seconds, 1) if result.seconds else 0.0
    figures = _percentiles(lateness)
    result.late_p50_us = _float(figures["p50_us"])
    result.late_p99_us = _float(figures["p99_us"])
    result.late_max_us = _float(figures["max_us"])
    result.rss_mb.append(_rss_mb())
    return result


def _float(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options and description of `showcall bench engine`."""
    parser.description = DESCRIPTION
    parser.add_argument("--gos", type=int, default=100, help="GOs per latency condition (default 100)")
    parser.add_argument("--cues", type=int, default=10_000, help="cues in the long run (default 10000)")
    parser.add_argument(
        "--gap-ms", type=float, default=8.0, help="auto GAP in the long run, ms (default 8: about 100 cues/s)"
    )
    parser.add_argument("--ui-load-ms", type=float, default=20.0, help="UI-like load chunk, ms (default 20)")
    parser.add_argument("--skip-long", action="store_true", help="only the GO latency figures")
    parser.add_argument(
        "--rt", action="store_true", help="let the timing core ask for real-time priority (default: unprivileged)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    receiver = Receiver()
    try:
        with tempfile.TemporaryDirectory(prefix="showcall-bench-") as tmp:
            folder = Path(tmp)
            figures: dict[str, Any] = {"go_lead_us": GO_LEAD_NS / US, "realtime_requested": args.rt}
            figures["control_idle"] = await _control_latency(folder, receiver, args.gos, None, args.rt)
            figures["control_ui_load"] = await _control_latency(folder, receiver, args.gos, args.ui_load_ms, args.rt)
            figures["stdin_idle"] = await asyncio.get_running_loop().run_in_executor(
                None, _stdin_latency, folder, receiver, args.gos, args.rt
            )
            if not args.skip_long:
                figures["long_run"] = asdict(await _long_run(folder, receiver, args.cues, args.gap_ms, args.rt))
            return figures
    finally:
        receiver.close()


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print its figures; exit 1 when the long run missed, doubled or was early."""
    figures = asyncio.run(_run(args))
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        lead = figures["go_lead_us"]
        print(f"GO latency, command to first message at the receiver (includes the {lead:.0f} µs GO lead)")
        for name, label in (
            ("control_idle", "OSC control, idle loop"),
            ("control_ui_load", f"OSC control, {args.ui_load_ms:g} ms UI-like load on the loop"),
            ("stdin_idle", "stdin line to a headless run"),
        ):
            f = figures[name]
            print(f"  {label:<48} n={f['count']:<4} p50 {f['p50_us']} µs  p99 {f['p99_us']} µs  max {f['max_us']} µs")
        long = figures.get("long_run")
        if long:
            rss = long["rss_mb"]
            print(
                f"Long run: {long['cues']} cues in {long['seconds']} s ({long['rate_per_s']} cues/s): received "
                f"{long['received']}, missed {long['missed']}, duplicated {long['duplicated']}, early {long['early']}; "
                f"lateness p50 {long['late_p50_us']} µs p99 {long['late_p99_us']} µs max {long['late_max_us']} µs"
            )
            median = percentile(sorted(rss), 0.5)
            print(f"  memory (RSS, MB) start {rss[0]} max {max(rss)} end {rss[-1]}; median {median}")
    long = figures.get("long_run")
    ok = not long or (long["missed"] == 0 and long["duplicated"] == 0 and long["early"] == 0)
    return 0 if ok else 1


def main() -> int:
    """`python -m showcall.bench.engine`."""
    parser = argparse.ArgumentParser(prog="showcall bench engine")
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
