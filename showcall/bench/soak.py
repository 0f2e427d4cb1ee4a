"""Provides `showcall bench soak`: a 3-hour show compressed into about 10 minutes, with what goes wrong in one.

The show is generated (seeded): blocks of a manual cue and a follow/after chain of up to eight cues behind it,
each cue sending one to four messages (some after a `wait`) to five devices: two OSC over TCP, two OSC over UDP
and a mido socket port. It is run unattended (`--auto`, 150 ms) against a device farm in another process
(showcall.bench.farm), while a director holds it (every ~25 s, for 1-4 s), panics it (every ~150 s; it resumes
2 s later) and makes devices fail and come back (every ~40 s for 3-8 s: a port that closes, a TCP device that
stops reading, a MIDI socket port that goes away). A real 3-hour show's ~2,600 cues at 18 times its pace.

Printed: cues fired, sends (sent, refused), lateness percentiles (the timing core's own stamps), the console's
and the timing core's memory (RSS) and open file descriptors at the start and the end, the log's size, and for
each device what the log says was sent against what the farm received. This is a benchmark, not a test: the
figures depend on the machine (docs/reliability.md has one run's, and says on what).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from showcall.bench.farm import DeviceFarm, FarmDevice, Kind
from showcall.engine import events as ev
from showcall.runner.session import SessionOptions, ShowSession
from showcall.stats import summarize

__all__ = ["DESCRIPTION", "SoakFigures", "add_arguments", "main", "run", "soak_show"]

DESCRIPTION = (
    "A 3-hour show compressed into about 10 minutes: thousands of cues, follow chains, holds, panics, devices "
    "that drop and come back; prints cues fired, sends, lateness percentiles, memory and file descriptors at the "
    "start and the end, and the log's size."
)
DEVICES: list[tuple[str, Kind]] = [("lx", "tcp"), ("snd", "udp"), ("vid", "udp"), ("gfx", "tcp"), ("keys", "midi")]
SHOW_MINUTES = 180
AUTO_GAP_MS = 150
SAMPLE_S = 5.0
"""Memory and descriptors are sampled this often, the first time this long after the start (devices connected),
the last time when the show ends."""


def soak_show(devices: list[FarmDevice], seconds: float, rng: random.Random) -> tuple[str, int]:
    """The show's text and its cue count: blocks of a manual cue and a chain behind it until `seconds` of show."""
    lines = ["showcall: 1", "show: {title: Soak, go_guard: 100ms}", "devices:"]
    for device in devices:
        if device.kind == "udp":
            lines.append(f"  {device.name}: {{driver: osc, host: 127.0.0.1, port: {device.port}}}")
        elif device.kind == "tcp":
            where = f"host: 127.0.0.1, port: {device.port}, protocol: tcp, framing: slip"
            lines.append(f"  {device.name}: {{driver: osc, {where}}}")
        else:
            lines.append(f'  {device.name}: {{driver: midi, midi_port: "127.0.0.1:{device.port}"}}')
    lines += ["departments: {LX: {name: Lighting}, SND: {name: Sound}, VID: {name: Video}}", "cues:"]
    planned, count = 0.0, 0
    while planned < seconds:
        planned += AUTO_GAP_MS / 1000
        for position in range(rng.randint(0, 8) + 1):
            count += 1
            go = ""
            if position:
                ms = rng.randint(100, 400)
                go = f", go: {{{rng.choice(['follow', 'follow', 'after'])}: {ms}ms}}"
                planned += ms / 1000
            actions = []
            for n in range(rng.randint(1, 4)):
                if rng.random() < 0.1:
                    wait = rng.randint(20, 200)
                    actions.append(f"{{wait: {wait}ms}}")
                    planned += wait / 1000
                device = rng.choice(devices)
                if device.kind == "midi":
                    actions.append(
                        f"{{midi: {{device: {device.name}, type: note_on, channel: 1, note: 60, velocity: 9}}}}"
                    )
                else:
                    actions.append(f"{{osc: {{device: {device.name}, address: /soak/{count}, args: [{n}]}}}}")
            dept = rng.choice(["LX", "SND", "VID"])
            lines.append(f'  - {{id: "{count}", dept: {dept}{go}, actions: [{", ".join(actions)}]}}')
    return "\n".join(lines) + "\n", count


@dataclass
class Tally:
    """What the engine said during the run (counters only: the soak must not hold every event)."""

    fired: int = 0
    sent: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    lateness_ns: list[int] = field(default_factory=list)
    early: int = 0
    cues_failed: int = 0
    holds: int = 0
    panics: int = 0
    offline: dict[str, int] = field(default_factory=dict)
    online: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, event: ev.Event) -> None:
        """Count one event (an engine listener)."""
        if isinstance(event, ev.SentEvent):
            self.sent[event.device] = self.sent.get(event.device, 0) + 1
            self.lateness_ns.append(event.sent_ns - event.due_ns)
            self.early += event.sent_ns < event.due_ns
        elif isinstance(event, ev.SendFailedEvent):
            self.refused[event.device] = self.refused.get(event.device, 0) + 1
        elif isinstance(event, ev.Go):
            self.fired += 1
        elif isinstance(event, ev.CueFailed):
            self.cues_failed += 1
        elif isinstance(event, ev.Hold):
            self.holds += 1
        elif isinstance(event, ev.PanicEvent):
            self.panics += 1
        elif isinstance(event, ev.DeviceEvent):
            counts = self.offline if event.status == "offline" else self.online if event.status == "online" else None
            if counts is not None:
                counts[event.device] = counts.get(event.device, 0) + 1
        elif isinstance(event, ev.ErrorEvent):
            self.errors.append(event.message)
        elif isinstance(event, ev.End):
            self.ended.set()


@dataclass
class Usage:
    """One process's resident memory (MB) and open file descriptors, sampled through the run."""

    rss_mb: list[float] = field(default_factory=list)
    fds: list[int] = field(default_factory=list)

    def sample(self, pid: int | None) -> None:
        """Take one sample of process `pid` (nothing when it is gone)."""
        if pid is None:
            return
        with contextlib.suppress(OSError, ValueError, IndexError):
            pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            fds = len(os.listdir(f"/proc/{pid}/fd"))
            self.rss_mb.append(round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1))
            self.fds.append(fds)


@dataclass
class SoakFigures:
    """Everything the soak prints (and `--json` writes)."""

    minutes: float
    seed: int
    show_minutes: float
    real_s: float = 0.0
    cues: int = 0
    cues_fired: int = 0
    cues_failed: int = 0
    sent: int = 0
    refused: int = 0
    early: int = 0
    lateness_us: dict[str, float] = field(default_factory=dict)
    holds: int = 0
    panics: int = 0
    faults: list[str] = field(default_factory=list)
    devices: dict[str, dict[str, int]] = field(default_factory=dict)
    console: dict[str, list[float] | list[int]] = field(default_factory=dict)
    core: dict[str, list[float] | list[int]] = field(default_factory=dict)
    core_restarts: int = 0
    log_bytes: int = 0
    log_lines: int = 0
    errors: list[str] = field(default_factory=list)


def _director_plan(seconds: float, devices: list[FarmDevice], rng: random.Random) -> list[tuple[float, str, str]]:
    """When to hold, panic and fail a device (seconds from the first GO), and what: (at, action, device)."""
    plan: list[tuple[float, str, str]] = []
    for kind, every, length in (("hold", 25.0, (1.0, 4.0)), ("panic", 150.0, (2.0, 2.0)), ("fault", 40.0, (3.0, 8.0))):
        at = rng.uniform(5.0, every)
        while at < seconds - 10:
            if kind == "fault":
                device = rng.choice(devices)
                how = rng.choice(["gone", "deaf"]) if device.kind == "tcp" else "gone"
                plan += [(at, how, device.name), (at + rng.uniform(*length), "back", device.name)]
            else:
                plan += [(at, kind, ""), (at + rng.uniform(*length), "resume", "")]
            at += rng.uniform(0.5 * every, 1.5 * every)
    return sorted(plan)


async def _direct(
    session: ShowSession, farm: DeviceFarm, plan: list[tuple[float, str, str]], faults: list[str]
) -> None:
    """Carry out the director's plan against the running show."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    engine = session.engine
    for at, action, device in plan:
        await asyncio.sleep(max(0.0, start + at - loop.time()))
        if engine.snapshot().ended:
            return
        if action == "hold":
            engine.hold("soak")
        elif action == "panic":
            engine.panic()
        elif action == "resume":
            engine.resume()
        else:
            await loop.run_in_executor(None, farm.command, action, device)
            if action != "back":
                faults.append(f"{device} {action}")
    if engine.snapshot().held:
        engine.resume()


async def soak(minutes: float, seed: int, realtime: bool) -> SoakFigures:
    """Run the soak for about `minutes` of real time (see module docstring)."""
    rng = random.Random(seed)
    seconds = minutes * 60
    figures = SoakFigures(minutes, seed, round(minutes * SHOW_MINUTES / 10, 1))
    farm = DeviceFarm(DEVICES)
    try:
        with tempfile.TemporaryDirectory(prefix="showcall-soak-") as tmp:
            show = Path(tmp) / "soak.yaml"
            text, figures.cues = soak_show(farm.devices, seconds * 0.85, rng)  # holds and panics add the rest
            show.write_text(text)
            log = Path(tmp) / "soak.jsonl"
            options = SessionOptions(auto_gap_ns=AUTO_GAP_MS * 1_000_000, log_path=log, realtime=realtime)
            session = await ShowSession.open(show, options)
            tally = Tally()
            session.engine.subscribe(tally)
            console, core = Usage(), Usage()
            started = time.monotonic()
            try:
                session.start()
                director = asyncio.create_task(
                    _direct(session, farm, _director_plan(seconds, farm.devices, rng), figures.faults)
                )
                while not tally.ended.is_set() and time.monotonic() - started < seconds * 2 + 60:
                    with contextlib.suppress(TimeoutError):  # the first sample once every device is connected
                        await asyncio.wait_for(tally.ended.wait(), SAMPLE_S)
                    console.sample(os.getpid())
                    core.sample(session.scheduler.statistics().core_pid)
                director.cancel()
                figures.core_restarts = session.scheduler.statistics().restarts
                figures.real_s = round(time.monotonic() - started, 1)
                await asyncio.sleep(1.0)  # the last messages cross loopback
                received = await asyncio.get_running_loop().run_in_executor(None, farm.command, "count")
            finally:
                if not session.engine.snapshot().ended:
                    session.engine.quit("the soak ran out of time")
                await session.aclose()
            figures.log_bytes = log.stat().st_size
            with log.open("rb") as lines:
                figures.log_lines = sum(1 for _ in lines)
    finally:
        farm.close()
    _fill(figures, tally, received, console, core)
    return figures


def _fill(figures: SoakFigures, tally: Tally, received: dict[str, int], console: Usage, core: Usage) -> None:
    figures.cues_fired, figures.cues_failed = tally.fired, tally.cues_failed
    figures.sent, figures.refused = sum(tally.sent.values()), sum(tally.refused.values())
    figures.early, figures.holds, figures.panics = tally.early, tally.holds, tally.panics
    summary = summarize(tally.lateness_ns)
    if summary is not None:
        us = summary.scaled(1000)
        figures.lateness_us = {
            "p50": round(us.p50, 1),
            "p99": round(us.p99, 1),
            "p99.9": round(us.p999, 1),
            "max": round(us.max, 1),
        }
    for name, _ in DEVICES:
        figures.devices[name] = {
            "logged_sent": tally.sent.get(name, 0),
            "refused": tally.refused.get(name, 0),
            "received": received.get(name, 0),
            "offline": tally.offline.get(name, 0),
            "online": tally.online.get(name, 0),
        }
    figures.console = {"rss_mb": console.rss_mb, "fds": console.fds}
    figures.core = {"rss_mb": core.rss_mb, "fds": core.fds}
    figures.errors = tally.errors


def _ends(values: list[float] | list[int]) -> str:
    if not values:
        return "n/a"
    return f"start {values[0]} end {values[-1]} (min {min(values)}, max {max(values)})"


def report(figures: SoakFigures) -> str:
    """The figures as text."""
    f = figures
    late = f.lateness_us
    out = [
        f"Soak: a {f.show_minutes:g}-minute show in {f.real_s / 60:.1f} minutes of real time (seed {f.seed})",
        f"  cues: {f.cues} in the show, {f.cues_fired} fired, {f.cues_failed} failed (stopped by panic, or a "
        f"device down)",
        f"  sends: {f.sent} sent, {f.refused} refused (device down); early {f.early}",
        f"  lateness: p50 {late.get('p50')} µs  p99 {late.get('p99')} µs  p99.9 {late.get('p99.9')} µs  "
        f"max {late.get('max')} µs",
        f"  holds {f.holds}, panics {f.panics}, device faults {len(f.faults)}: {', '.join(f.faults)}",
        f"  timing core restarts: {f.core_restarts}",
        "  devices (logged sent / refused / received by the device; offline / online events):",
    ]
    for name, d in f.devices.items():
        out.append(
            f"    {name:<5} {d['logged_sent']:>6} / {d['refused']:>5} / {d['received']:>6};  "
            f"offline {d['offline']}, online {d['online']}"
        )
    out += [
        f"  memory (RSS, MB): console {_ends(f.console['rss_mb'])}; timing core {_ends(f.core['rss_mb'])}",
        f"  file descriptors: console {_ends(f.console['fds'])}; timing core {_ends(f.core['fds'])}",
        f"  log: {f.log_lines} lines, {f.log_bytes / 2**20:.1f} MB",
        f"  errors logged: {len(f.errors)}" + (f" (first: {f.errors[0]})" if f.errors else ""),
    ]
    return "\n".join(out)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options and description of `showcall bench soak`."""
    parser.description = DESCRIPTION
    parser.add_argument("--minutes", type=float, default=10.0, help="real minutes to run (default 10: a 3-hour show)")
    parser.add_argument("--seed", type=int, default=1, help="the generated show's and the director's seed (default 1)")
    parser.add_argument(
        "--rt", action="store_true", help="let the timing core ask for real-time priority (default: unprivileged)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")


def run(args: argparse.Namespace) -> int:
    """Run the soak and print its figures; exit 1 if a send was early or a device got more than was sent."""
    if args.minutes <= 0:
        print("showcall: --minutes: must be more than 0")
        return 2
    figures = asyncio.run(soak(args.minutes, args.seed, args.rt))
    print(json.dumps(asdict(figures), indent=2) if args.json else report(figures))
    doubled = any(d["received"] > d["logged_sent"] for d in figures.devices.values())
    return 1 if figures.early or doubled else 0


def main() -> int:
    """`python -m showcall.bench.soak`."""
    parser = argparse.ArgumentParser(prog="showcall bench soak")
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
