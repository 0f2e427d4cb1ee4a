"""Provides `showcall bench web`: event to browser latency with many browsers, and what they cost the show.

A real `showcall run --headless --web` process runs a generated show whose cues each send `--messages` OSC
messages (a few ms apart) to a UDP sink of this process. The benchmark GOes every `--interval-ms` through
the process's stdin and reads its event lines from stdout. Twice: first with no browser (the baseline),
then with `--clients` WebSocket clients (aiohttp, in this process, each stamping every `go` event's arrival
on CLOCK_MONOTONIC), `--browsers` headless chromium pages on /dept/LX (stamping arrival on the page clock,
put on the same clock through the wall time), and `--stalled` clients that connect and never read.

Figures, each nearest-rank over every GO: event to browser (the `go` line's mono_ns to arrival); GO
command to `go` event (stdin write to the engine's event: the engine's loop, is it slowed by the web?);
and the timing core's own lateness of every send (`late_us` of the `sent` lines), without and with the
browsers. The target (issue 11): event to browser p99 within 50 ms.

`--soak SECONDS` instead keeps a rehearsal with the browsers attached and GOing for that long, so that
`showcall bench timing` can be run beside it on a quiet machine (see docs/web.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from showcall.stats import percentile

__all__ = ["DESCRIPTION", "add_arguments", "run"]

DESCRIPTION = (
    "Time engine events to the browser views (p99 against 50 ms) with many browsers attached, and compare "
    "the engine's GO and the timing core's lateness with and without them."
)

TARGET_MS = 50.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options (and its description)."""
    parser.description = DESCRIPTION
    add = parser.add_argument
    add("--clients", type=int, default=50, help="WebSocket clients, as browsers (default 50)")
    add("--browsers", type=int, default=2, help="headless chromium pages on /dept/LX (default 2; 0 for none)")
    add("--stalled", type=int, default=5, help="clients that connect and never read (default 5)")
    add("--gos", type=int, default=100, help="GOs per run (default 100)")
    add("--interval-ms", type=float, default=300.0, help="time between GOs (default 300; the guard is 100 ms)")
    add("--messages", type=int, default=20, help="OSC messages per cue, 2 ms apart (default 20)")
    add("--rt", action="store_true", help="let the timing core ask for real-time priority")
    add("--soak", type=float, metavar="SECONDS", help="keep a loaded rehearsal going this long instead; no figures")
    add(
        "--nice",
        type=int,
        default=0,
        help="niceness of the process running the clients and chromium (default 0; 19 to let them take only CPU "
        "the show does not want, as phones elsewhere would: their arrival stamps are then late on a busy machine)",
    )
    add("--json", action="store_true", help="print the figures as JSON")
    add("--browsers-of", metavar="URL", help=argparse.SUPPRESS)  # the client side, run in its own process


@dataclass
class Run:
    """What one run measured (ms, except lateness in µs)."""

    label: str
    go_command_ms: list[float] = field(default_factory=list)
    to_clients_ms: list[float] = field(default_factory=list)
    to_first_client_ms: list[float] = field(default_factory=list)  # per GO, the earliest of the clients
    to_browsers_ms: list[float] = field(default_factory=list)
    late_us: list[float] = field(default_factory=list)
    clients: int = 0
    browsers: int = 0
    stalled: int = 0
    cpu_ms_per_go: float | None = None  # showcall's own process (engine, views; not the timing core)


def cpu_ms(pid: int) -> float | None:
    """CPU time (user + system) process `pid` has used, in ms; None where /proc cannot say."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def summary(values: Sequence[float]) -> dict[str, float | int]:
    """n, p50, p99, p99.9 and max of `values` (empty: n 0); percentiles are showcall.stats's nearest rank."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50": percentile(ordered, 0.5),
        "p99": percentile(ordered, 0.99),
        "p999": percentile(ordered, 0.999),
        "max": ordered[-1],
    }


def show_text(gos: int, messages: int, port: int) -> str:
    """A show of `gos` + 1 manual cues, LX and SND in turn, each `messages` OSC sends 2 ms apart."""
    sends = ", {wait: 2ms}, ".join(
        f"{{osc: {{device: out, address: /bench/{i}, args: [{i}]}}}}" for i in range(max(1, messages))
    )
    lines = [
        "showcall: 1",
        "show: {title: Web bench, go_guard: 100ms}",
        f"devices: {{out: {{driver: osc, host: 127.0.0.1, port: {port}}}}}",
        "departments: {LX: {name: Lighting}, SND: {name: Audio}}",
        "cues:",
    ]
    for n in range(1, gos + 2):
        lines.append(f'  - {{id: "{n}", dept: {"LX" if n % 2 else "SND"}, label: Bench cue {n}, actions: [{sends}]}}')
    return "\n".join(lines) + "\n"


class Sink:
    """A UDP socket that reads and forgets what the core sends, so sends never fail."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            while self.sock.recv(65536):
                pass

    def close(self) -> None:
        """Stop."""
        self.sock.close()


class Showcall:
    """The `showcall run --headless --web` process under test and its event lines."""

    def __init__(self, proc: asyncio.subprocess.Process, url: str) -> None:
        self.proc = proc
        self.url = url
        self.go_ns: dict[str, int] = {}
        self.go_seen: asyncio.Queue[str] = asyncio.Queue()
        self.late_us: list[float] = []
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, show: Path, log: Path, rt: bool) -> Showcall:
        """Start it and wait for its views' address."""
        args = [str(show), "--headless", "--log", str(log), "--web", "127.0.0.1:0", *([] if rt else ["--no-rt"])]
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "showcall", "run", *args),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stderr is not None
        line = (await asyncio.wait_for(proc.stderr.readline(), 60)).decode()
        if "crew views on " not in line:
            raise SystemExit(f"showcall did not start its views: {line}{(await proc.stderr.read()).decode()}")
        return cls(proc, line.split("crew views on ")[1].split()[0])

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while raw := await self.proc.stdout.readline():
            event = json.loads(raw)
            if event["event"] == "go":
                self.go_ns[event["cue"]] = event["mono_ns"]
                self.go_seen.put_nowait(event["cue"])
            elif event["event"] == "sent":
                self.late_us.append(float(event["late_us"]))

    async def command(self, line: str) -> None:
        """One stdin command."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()

    async def quit(self) -> None:
        """Quit and wait for it to exit."""
        with contextlib.suppress(ConnectionError):
            await self.command("quit")
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        await self.reader


async def client(url: str, arrivals: dict[str, list[int]], ready: asyncio.Event, done: asyncio.Event) -> None:
    """One WebSocket client on /dept/LX's connection, stamping each `go` event's arrival."""
    async with aiohttp.ClientSession() as http, http.ws_connect(url + "ws?view=dept&dept=LX") as ws:
        await ws.receive()  # the snapshot
        ready.set()
        while not done.is_set():
            try:
                message = await ws.receive(timeout=0.5)
            except TimeoutError:
                continue
            now = time.monotonic_ns()
            if message.type is not aiohttp.WSMsgType.TEXT:
                return
            if '"event":"go"' not in message.data:
                continue  # most messages carry no go: not parsing them keeps this client's cost low
            body = json.loads(message.data)
            for event in body.get("events", ()):
                if event["event"] == "go":
                    arrivals.setdefault(event["cue"], []).append(now)


async def stalled_client(port: int) -> socket.socket:
    """A client that does the WebSocket handshake and never reads again (a 4 kB receive buffer)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", port))
    request = (
        f"GET /ws?view=caller HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: c2hvd2NhbGwgYmVuY2ggMQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(sock, request.encode())
    return sock


async def browsers(args: argparse.Namespace) -> None:
    """The client side (its own process, niced): connect everything, say `ready`, stamp arrivals until stdin
    says `done`, then print them as one JSON line: cue -> CLOCK_MONOTONIC ns, per client and per page."""
    os.nice(args.nice)
    url = args.browsers_of
    port = int(url.rsplit(":", 1)[1].strip("/"))
    arrivals: dict[str, list[int]] = {}
    done = asyncio.Event()
    readies = [asyncio.Event() for _ in range(args.clients)]
    tasks = [asyncio.create_task(client(url, arrivals, r, done)) for r in readies]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
    stalled = [await stalled_client(port) for _ in range(args.stalled)]
    pages: list[Any] = []
    playwright: Any = None
    if args.browsers:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        playwright = await async_playwright().start()
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(args.browsers):
            page = await browser.new_page(viewport={"width": 390, "height": 844})
            await page.goto(url + "dept/LX")
            await page.wait_for_function("window.showcall && window.showcall.snapshots >= 1")
            pages.append(page)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    wall_minus_mono_ns = time.time_ns() - time.monotonic_ns()  # same machine: one offset puts pages on it
    seen_by_pages: dict[str, list[int]] = {}
    for n, page in enumerate(pages, 1):
        try:
            gos = await page.evaluate("window.showcall.events.filter(e => e.event === 'go')")
        except PlaywrightError as exc:  # chromium killed or crashed under the run: its page has no figures
            print(f"showcall bench web: chromium page {n} closed before the run ended: {exc.message}", file=sys.stderr)
            continue
        for seen in gos:
            seen_by_pages.setdefault(seen["cue"], []).append(round(seen["at"] * 1e6) - wall_minus_mono_ns)
    if playwright is not None:
        await playwright.stop()
    for sock in stalled:
        sock.close()
    print(json.dumps({"clients": arrivals, "pages": seen_by_pages}), flush=True)


async def start_browsers(args: argparse.Namespace, url: str) -> asyncio.subprocess.Process:
    """Start the client side in its own process and wait until every client and page is connected."""
    options = ["--clients", str(args.clients), "--browsers", str(args.browsers), "--stalled", str(args.stalled)]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "showcall", "bench", "web", "--browsers-of", url, "--nice", str(args.nice), *options),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=1 << 26,  # its one line of arrivals: 50 clients x 100 GOs
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 120)
    if line.strip() != b"ready":
        raise SystemExit(f"the browsers did not connect: {line!r}")
    return proc


async def measure(args: argparse.Namespace, workdir: Path, sink: Sink, loaded: bool) -> Run:
    """One run: GO `args.gos` times, with or without the browsers."""
    show = workdir / f"bench-{loaded}.yaml"
    show.write_text(show_text(args.gos, args.messages, sink.port))
    proc = await Showcall.start(show, workdir / f"run-{loaded}.jsonl", args.rt)
    result = Run("with browsers" if loaded else "no browser")
    side: asyncio.subprocess.Process | None = None
    try:
        if loaded:
            side = await start_browsers(args, proc.url)
            result.clients, result.browsers, result.stalled = args.clients, args.browsers, args.stalled
        deadline = time.monotonic() + (args.soak or 0)
        cpu_before = cpu_ms(proc.proc.pid)
        gos = 0
        while gos < args.gos or time.monotonic() < deadline:
            await asyncio.sleep(args.interval_ms / 1000)
            written = time.monotonic_ns()
            await proc.command("go" if gos < args.gos else "reset")
            if gos >= args.gos:  # soaking: the show starts again
                gos = 0
                continue
            cue = await asyncio.wait_for(proc.go_seen.get(), 10)
            result.go_command_ms.append((proc.go_ns[cue] - written) / 1e6)
            gos += 1
        await asyncio.sleep(0.5)  # the last arrivals
        cpu_after = cpu_ms(proc.proc.pid)
        if cpu_before is not None and cpu_after is not None and args.gos:
            result.cpu_ms_per_go = (cpu_after - cpu_before) / args.gos  # ticks included: every 300 ms
        if side is not None:
            assert side.stdin is not None and side.stdout is not None
            side.stdin.write(b"done\n")
            await side.stdin.drain()
            seen = json.loads(await asyncio.wait_for(side.stdout.readline(), 60))
            await side.wait()
            side = None
            for key, into in (("clients", result.to_clients_ms), ("pages", result.to_browsers_ms)):
                for cue, stamps in seen[key].items():
                    if cue in proc.go_ns:
                        into += [(at - proc.go_ns[cue]) / 1e6 for at in stamps]
            result.to_first_client_ms = [
                (min(stamps) - proc.go_ns[cue]) / 1e6 for cue, stamps in seen["clients"].items() if cue in proc.go_ns
            ]
    finally:
        if side is not None:
            side.kill()
            await side.wait()
        await proc.quit()
    result.late_us = proc.late_us
    return result


def verdict_of(run: Run) -> tuple[str, float]:
    """What the verdict is on, and its p99 (NaN without it): the chromium pages, the browsers issue 11 names,
    when there are any; else the WebSocket clients. (Those share one process of this benchmark, whose own loop
    stamps fifty arrivals one after another: `event to first of them` is the server's part.)"""
    if run.to_browsers_ms:
        return "event to chromium page", float(summary(run.to_browsers_ms)["p99"])
    if run.to_clients_ms:
        return "event to WebSocket client", float(summary(run.to_clients_ms)["p99"])
    return "event to browser", float("nan")


def render(runs: list[Run]) -> str:
    """The figures as a table, and the verdict."""
    out = []
    for run in runs:
        out.append(
            f"{run.label}: {run.clients} WebSocket clients, {run.browsers} chromium pages, {run.stalled} stalled"
        )
        for name, values, unit in [
            ("event to WebSocket client", run.to_clients_ms, "ms"),
            ("event to first of them", run.to_first_client_ms, "ms"),
            ("event to chromium page", run.to_browsers_ms, "ms"),
            ("GO command to go event", run.go_command_ms, "ms"),
            ("timing core lateness", run.late_us, "µs"),
        ]:
            s = summary(values)
            if s["n"]:
                out.append(
                    f"  {name:<27} n={s['n']:<6} p50 {s['p50']:8.3f}  p99 {s['p99']:8.3f}  "
                    f"p99.9 {s['p999']:8.3f}  max {s['max']:8.3f} {unit}"
                )
        if run.cpu_ms_per_go is not None:
            out.append(
                f"  showcall process CPU        {run.cpu_ms_per_go:.2f} ms a GO (engine, views, ticks; not the core)"
            )
    what, p99 = verdict_of(runs[-1])
    verdict = "PASS" if p99 <= TARGET_MS else "FAIL"
    out.append(f"verdict: {what} p99 {p99:.1f} ms (target <= {TARGET_MS:.0f} ms): {verdict}")
    return "\n".join(out)


def as_json(runs: list[Run]) -> str:
    """The figures and the verdict as one JSON object."""
    figures: dict[str, Any] = {
        run.label: {k: summary(v) if isinstance(v, list) else v for k, v in vars(run).items() if k != "label"}
        for run in runs
    }
    what, p99 = verdict_of(runs[-1])
    figures["verdict"] = {"on": what, "p99_ms": p99, "target_ms": TARGET_MS, "pass": p99 <= TARGET_MS}
    return json.dumps(figures)


async def _main(args: argparse.Namespace) -> int:
    if args.browsers_of:
        await browsers(args)
        return 0
    sink = Sink()
    try:
        with tempfile.TemporaryDirectory(prefix="showcall-bench-web-") as tmp:
            if args.soak:
                print(f"soaking {args.soak:.0f} s: {args.clients} clients, {args.browsers} pages", file=sys.stderr)
                await measure(args, Path(tmp), sink, loaded=True)
                return 0
            runs = [await measure(args, Path(tmp), sink, loaded) for loaded in (False, True)]
    finally:
        sink.close()
    print(as_json(runs) if args.json else render(runs))
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; returns the exit status."""
    return asyncio.run(_main(args))
