"""Provides `showcall bench timing`: showcall's timing core against a naive asyncio scheduler, side by side.

One run on one machine. Conditions: `idle`; `ui` (the main process's event loop busy in ~20 ms CPU chunks,
as a Textual app rendering is); `hog` (another process spinning on a CPU); `ui+hog` (both). In each, the
naive scheduler (`loop.call_at` on that same loop, sending from the main process) and the timing core (its
own process) send to a receiver process at interleaved deadlines. Lateness is measured at the receiver from
the kernel's receive timestamps ("wire") and at the sender (the core's own `sent_ns`; the naive callback's
clock read). Then: each mode under UI load, the core's CPU share at 10 cues a second per mode, cues of 512
messages (deadline to last datagram on the wire) and panic latency. It prints the environment and a verdict
against the promise (design.md §7), or all of it as JSON.

    showcall bench timing [--no-rt] [--json] [--quick]     (or python -m showcall.bench.timing)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import random
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess

from showcall.bench.env import environment
from showcall.bench.procs import Receiver, RxRecord, bench_payload, cpu_ns, start_hog, system_cpu_ns, ui_like_load
from showcall.bench.timingreport import (
    BenchResult,
    BurstResult,
    ConditionResult,
    Lateness,
    ModeResult,
    PanicResult,
    SchedulerRow,
    render,
    summarize,
    verdict,
)
from showcall.timing import protocol as p
from showcall.timing.api import SendItem
from showcall.timing.client import TimingCoreClient
from showcall.timing.modes import MODES, Mode, mode_named
from showcall.transports.base import Endpoint

__all__ = ["DESCRIPTION", "add_arguments", "main", "run"]

MS = 1_000_000
CONDITIONS = ("idle", "ui", "hog", "ui+hog")
TAG_NAIVE, TAG_CORE, TAG_BURST, TAG_PANIC, TAG_CPU, TAG_STOP = 0, 1, 2, 3, 4, 9
LEAD_NS = 300 * MS
"""Items are handed over this far ahead, so a busy engine loop delays the handing-over, never the send."""
DESCRIPTION = (
    "Send at deadlines from the timing core and from a naive scheduler under load; "
    "print the lateness figures and a verdict."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options and description to `parser` (`showcall bench timing` and `python -m` share them)."""
    parser.description = DESCRIPTION
    add = parser.add_argument
    add(
        "--samples",
        type=int,
        default=2000,
        help="sends per scheduler per condition (default 2000, so two sends are above p99.9)",
    )
    add(
        "--interval-ms",
        type=float,
        default=5.0,
        help="mean time between deadlines (default 5; each gap random within ±40%%)",
    )
    add("--conditions", default=",".join(CONDITIONS), help="which of idle,ui,hog,ui+hog to run (default: all four)")
    add("--mode", default="precise", choices=list(MODES), help="the core's mode in the conditions (default precise)")
    add("--guard-us", type=float, default=None, help="override that mode's spin guard, in µs")
    add("--modes", default=",".join(MODES), help="modes to compare under UI load and for CPU share ('' skips)")
    add("--bursts", type=int, default=20, help="how many many-message cues to time (default 20)")
    add("--burst-size", type=int, default=512, help="messages in one such cue (default 512)")
    add("--panics", type=int, default=20, help="panic trials (default 20)")
    add("--cpu-seconds", type=float, default=5.0, help="length of the CPU share run (default 5 s, all modes at once)")
    add("--cpu-rate", type=float, default=10.0, help="cues a second in the CPU share run (default 10)")
    add("--ui-chunk-ms", type=float, default=20.0, help="length of one UI-like CPU chunk (default 20)")
    add("--no-rt", action="store_true", help="never ask for real-time priority: what an unprivileged machine gets")
    add(
        "--no-pin",
        action="store_true",
        help="leave the core and the console on any CPU (default: the core on a CPU of its own, as showcall runs it)",
    )
    add("--quick", action="store_true", help="a smoke run: 300 samples, 5 cues, 5 panics, 2 s of CPU")
    add("--json", action="store_true", help="print the results as JSON instead of tables")
    add("--strict", action="store_true", help="exit 1 when a target is missed (default: report only)")
    add("--seed", type=int, default=None, help="seed for the random gaps between deadlines")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Run the benchmark with parsed `args`; prints the report and returns the exit status."""
    if args.quick:
        args.samples, args.bursts, args.panics, args.cpu_seconds = min(args.samples, 300), 5, 5, 2.0
    conditions = [c for c in args.conditions.split(",") if c]
    modes = [m for m in args.modes.split(",") if m]
    bad = sorted((set(conditions) - set(CONDITIONS)) | (set(modes) - set(MODES)))
    if bad or args.samples < 10 or args.interval_ms <= 0 or args.burst_size < 1:
        print(f"showcall bench timing: bad arguments ({', '.join(bad) or 'counts'})", file=sys.stderr)
        return 2
    try:
        result = asyncio.run(_bench(args, conditions, modes))
    except KeyboardInterrupt:
        print("showcall bench timing: interrupted; the processes it started were stopped", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(render(result))
    return 1 if args.strict and not all(t.met for t in result.verdict) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m showcall.bench.timing`."""
    parser = argparse.ArgumentParser(prog="showcall bench timing")
    add_arguments(parser)
    return run(parser.parse_args(argv))


# ---- the run ------------------------------------------------------------------------------------


@dataclass
class _Bench:
    args: argparse.Namespace
    receiver: Receiver
    endpoint: Endpoint
    naive_sock: socket.socket
    clients: list[TimingCoreClient] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    next_id: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def ids(self, n: int) -> range:
        """`n` fresh item ids (unique across the whole run)."""
        start, self.next_id = self.next_id, self.next_id + n
        return range(start, start + n)

    def progress(self, text: str) -> None:
        """One line on stderr, so a long run shows it is alive."""
        print(f"[{time.monotonic() - self.started:5.1f} s] {text}", file=sys.stderr, flush=True)

    async def client(self, mode: Mode, spare: bool = False) -> TimingCoreClient:
        """A started core client to the receiver, closed when the run ends."""
        c = TimingCoreClient(
            endpoints=[self.endpoint],
            mode=mode,
            realtime=not self.args.no_rt,
            warm_spare=spare,
            pin=not self.args.no_pin,
        )
        self.clients.append(c)
        await c.start()
        placement = c.placement
        if placement is not None and placement.core_cpu is not None and self.receiver.process.pid:
            # the receiver stands in for the devices, other machines in a show: kept off the core's CPU with
            # the rest of showcall (a CPU hog, standing in for another program, is not: see _load)
            os.sched_setaffinity(self.receiver.process.pid, placement.others)
        return c


class _Collector:
    """A client's reports from now on, by item id and panic token."""

    def __init__(self, client: TimingCoreClient) -> None:
        self.sent: dict[int, p.Sent] = {}
        self.panics: dict[int, p.PanicDone] = {}
        self.unsubscribe = client.subscribe(self.on_report)

    def on_report(self, report: p.Report) -> None:
        """Keep sends and panic acknowledgements."""
        if isinstance(report, p.Sent):
            self.sent[report.item_id] = report
        elif isinstance(report, p.PanicDone):
            self.panics[report.token] = report


async def _bench(args: argparse.Namespace, conditions: list[str], modes: list[str]) -> BenchResult:
    receiver = Receiver()
    naive = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    endpoint = Endpoint(
        "bench", "osc-udp", host="127.0.0.1", port=receiver.port, panic=(bench_payload(TAG_STOP, 0, 0),)
    )
    bench = _Bench(args, receiver, endpoint, naive, rng=random.Random(args.seed))
    try:
        naive.connect(("127.0.0.1", receiver.port))
        naive.setblocking(False)
        mode = mode_named(args.mode)
        if args.guard_us is not None:
            mode = mode.with_guard(int(args.guard_us * 1000))
        core = await bench.client(mode, spare=True)  # as the console runs it: with its warm spare
        info = core.info
        assert info is not None
        result = BenchResult(environment(info, args))
        for condition in conditions:
            bench.progress(f"{condition}: the naive scheduler and the core, {args.samples} sends each")
            result.conditions[condition] = await _latency(bench, core, condition, args.samples, with_naive=True)
        for name in modes:
            other = mode_named(name)
            if other == mode and "ui" in result.conditions:
                result.modes[name] = ModeResult(other.guard_for(info.realtime) / 1000, result.conditions["ui"].core)
                continue
            bench.progress(f"mode {name}: the core under UI load, {args.samples // 2} sends")
            c = await bench.client(other)
            row = await _latency(bench, c, "ui", max(10, args.samples // 2), with_naive=False)
            result.modes[name] = ModeResult(other.guard_for(info.realtime) / 1000, row.core)
            await c.aclose()
        if modes:
            bench.progress(f"CPU share at {args.cpu_rate:g} cues/s: {', '.join(modes)}")
            for name, share in (await _cpu(bench, modes)).items():
                m = result.modes[name]
                result.modes[name] = ModeResult(m.guard_us, m.row, share)
        if args.bursts:
            bench.progress(f"{args.bursts} cues of {args.burst_size} messages under UI load")
            result.burst = await _burst(bench, core)
        if args.panics:
            bench.progress(f"{args.panics} panics under UI load")
            result.panic = await _panic(bench, core)
        result.verdict = verdict(result, info.realtime, args.burst_size, args.cpu_rate)
        result.duration_s = time.monotonic() - bench.started
        return result
    finally:
        for c in bench.clients:
            await c.aclose()
        naive.close()
        receiver.close()


ALL_CPUS = frozenset(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else frozenset()
"""Every CPU this benchmark may use, read before any core pins this process."""


@contextlib.asynccontextmanager
async def _load(condition: str, chunk_ms: float) -> AsyncIterator[BaseProcess | None]:
    """Run `condition`'s load (UI-like chunks on this loop, a hog process) for the body of the block.

    The hog stands in for another program: it may run on any CPU, the core's too, whatever showcall pinned.
    """
    stop = asyncio.Event()
    hog: BaseProcess | None = start_hog() if "hog" in condition else None
    if hog is not None and hog.pid and ALL_CPUS:
        os.sched_setaffinity(hog.pid, ALL_CPUS)
    ui = asyncio.ensure_future(ui_like_load(chunk_ms, stop)) if "ui" in condition else None
    try:
        await asyncio.sleep(0.3)  # let it settle before measuring
        yield hog
    finally:
        stop.set()
        if ui is not None:
            await ui
        if hog is not None:
            hog.kill()
            hog.join(2)


async def _latency(bench: _Bench, core: TimingCoreClient, condition: str, n: int, with_naive: bool) -> ConditionResult:
    """Interleaved deadlines for the core and (if asked) the naive scheduler, under `condition`'s load."""
    args = bench.args
    loop = asyncio.get_running_loop()
    got = _Collector(core)
    naive_sent: dict[int, tuple[int, int]] = {}
    timers: list[asyncio.TimerHandle] = []
    core_ids = bench.ids(n)
    interval = args.interval_ms * MS

    def naive_send(seq: int, deadline: int, payload: bytes) -> None:
        now = time.monotonic_ns()
        bench.naive_sock.send(payload)
        naive_sent[seq] = (deadline, now)

    try:
        async with _load(condition, args.ui_chunk_ms) as hog:
            bench.receiver.mark()
            ours = [os.getpid(), bench.receiver.process.pid or 0, core.pid or 0, (hog.pid or 0) if hog else 0]
            core0, ours0, sys0, wall0 = cpu_ns(core.pid or 0), _cpu_of(ours), system_cpu_ns(), time.monotonic_ns()
            deadline = time.monotonic_ns() + 50 * MS
            i = 0
            while i < n:
                horizon = time.monotonic_ns() + LEAD_NS
                batch: list[SendItem] = []
                while i < n and deadline < horizon:
                    batch.append(
                        SendItem(core_ids[i], "bench", deadline, "bench", bench_payload(TAG_CORE, i, deadline))
                    )
                    if with_naive:
                        nd = deadline + int(interval / 2)
                        timers.append(loop.call_at(nd / 1e9, naive_send, i, nd, bench_payload(TAG_NAIVE, i, nd)))
                    deadline += int(interval * bench.rng.uniform(0.6, 1.4))
                    i += 1
                core.schedule(batch)
                await asyncio.sleep(0.05)
            await _until(lambda: time.monotonic_ns() > deadline + 100 * MS and len(got.sent) >= n, 10)
            wall = time.monotonic_ns() - wall0
            core_cpu = cpu_ns(core.pid or 0) - core0
            mine = _cpu_of(ours) - ours0
            busy, total = (a - b for a, b in zip(system_cpu_ns(), sys0, strict=True))
            records = bench.receiver.collect()
    finally:
        for timer in timers:  # interrupted: no naive send may fire after the socket is closed
            timer.cancel()
    got.unsubscribe()
    sender = [s.late_ns for s in got.sent.values()]
    naive = None
    if with_naive:
        naive = SchedulerRow(_wire(records, TAG_NAIVE, n), summarize([t - d for d, t in naive_sent.values()], n), None)
    return ConditionResult(
        core=SchedulerRow(_wire(records, TAG_CORE, n), summarize(sender, n), round(100 * core_cpu / wall, 2)),
        naive=naive,
        others_cpu_percent=round(100 * max(0, busy - mine) / max(1, total), 1),
        receiver_drops=bench.receiver.drops,
        clock_drift_us=bench.receiver.drift_ns / 1000,
    )


def _more_than(seen: dict[int, p.PanicDone], count: int) -> bool:
    return len(seen) > count


def _cpu_of(pids: Sequence[int]) -> int:
    return sum(cpu_ns(pid) for pid in pids if pid)


async def _until(condition: Callable[[], bool], timeout_s: float) -> None:
    end = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < end:
        await asyncio.sleep(0.02)


def _wire(records: list[RxRecord], tag: int, expected: int) -> Lateness:
    first: dict[int, RxRecord] = {}
    for r in records:
        if r.tag == tag:
            first.setdefault(r.seq, r)
    return summarize([r.rx_ns - r.deadline_ns for r in first.values()], expected)


async def _cpu(bench: _Bench, names: list[str]) -> dict[str, float]:
    """Each mode's core at `--cpu-rate` cues a second, all at once (deadlines apart), its CPU share."""
    args = bench.args
    clients = [await bench.client(mode_named(name)) for name in names]
    try:
        period = int(1e9 / args.cpu_rate)
        count = int((args.cpu_seconds + 0.5) * args.cpu_rate)
        start = time.monotonic_ns() + 100 * MS
        for k, c in enumerate(clients):
            offset = k * period // (len(clients) + 1)  # the modes' deadlines never coincide
            ids = bench.ids(count)
            payload = bench_payload(TAG_CPU, 0, 0)
            c.schedule([SendItem(ids[j], "cpu", start + offset + j * period, "bench", payload) for j in range(count)])
        await asyncio.sleep(0.2)
        before = [cpu_ns(c.pid or 0) for c in clients]
        t0 = time.monotonic_ns()
        await asyncio.sleep(args.cpu_seconds)
        wall = time.monotonic_ns() - t0
        used = [cpu_ns(c.pid or 0) - b for c, b in zip(clients, before, strict=True)]
        return {name: round(100 * u / wall, 2) for name, u in zip(names, used, strict=True)}
    finally:
        for c in clients:
            await c.aclose()


async def _burst(bench: _Bench, core: TimingCoreClient) -> BurstResult:
    """Cues of `--burst-size` messages sharing a deadline, under UI load."""
    args = bench.args
    size, got = args.burst_size, _Collector(core)
    plan: list[tuple[int, range]] = []
    async with _load("ui", args.ui_chunk_ms):
        bench.receiver.mark()
        for b in range(args.bursts):
            deadline = time.monotonic_ns() + 150 * MS
            ids = bench.ids(size)
            payloads = [bench_payload(TAG_BURST, b * 100_000 + i, deadline) for i in range(size)]
            core.schedule([SendItem(ids[i], f"BURST {b}", deadline, "bench", payloads[i]) for i in range(size)])
            plan.append((deadline, ids))
            await asyncio.sleep(0.15)
        await _until(lambda: len(got.sent) >= size * args.bursts, 5)
        records = bench.receiver.collect()
    got.unsubscribe()
    first, last, last_sender, lost, in_order = [], [], [], 0, True
    for b, (deadline, ids) in enumerate(plan):
        mine = [r for r in records if r.tag == TAG_BURST and r.seq // 100_000 == b]
        lost += size - len({r.seq for r in mine})
        in_order = in_order and [r.seq for r in mine] == sorted(r.seq for r in mine)
        if mine:
            first.append(min(r.rx_ns for r in mine) - deadline)
            last.append(max(r.rx_ns for r in mine) - deadline)
        sent = [got.sent[i].sent_ns for i in ids if i in got.sent]
        if sent:
            last_sender.append(max(sent) - deadline)
    n = args.bursts
    return BurstResult(n, size, summarize(first, n), summarize(last, n), summarize(last_sender, n), lost, in_order)


async def _panic(bench: _Bench, core: TimingCoreClient) -> PanicResult:
    """Panics with 200 items pending, every other one just as the core is about to spin for a send."""
    args = bench.args
    got = _Collector(core)

    def item(seq: int, deadline: int) -> SendItem:
        return SendItem(bench.ids(1)[0], "PANIC", deadline, "bench", bench_payload(TAG_PANIC, seq, deadline))

    async with _load("ui", args.ui_chunk_ms):
        bench.receiver.mark()
        for t in range(args.panics):
            now = time.monotonic_ns()
            core.schedule([item(t * 1000 + j, now + (30 + j) * MS) for j in range(200)])
            await asyncio.sleep(bench.rng.uniform(0.005, 0.02))
            if t % 2:
                core.schedule([item(t * 1000 + 999, time.monotonic_ns() + 300_000)])
            core.panic()
            await _until(functools.partial(_more_than, got.panics, t), 5)
        await asyncio.sleep(0.1)
        records = bench.receiver.collect()
    got.unsubscribe()
    done = [got.panics.get(t + 1) for t in range(args.panics)]
    latencies = [d.latency_ns for d in done if d is not None]
    # A send may leave between the panic call and the core acting on it (that is the latency measured);
    # none may reach the wire after the core said everything was cancelled.
    leaked = 0
    for r in records:
        trial = done[r.seq // 1000] if r.tag == TAG_PANIC else None
        leaked += trial is not None and r.rx_ns > trial.cancelled_ns
    stops = sum(1 for r in records if r.tag == TAG_STOP)
    return PanicResult(args.panics, summarize(latencies, args.panics), leaked, stops)


if __name__ == "__main__":
    raise SystemExit(main())
