"""Provides `showcall bench console`: the console's figures on a generated 10,000-cue show.

* GO key → screen: from the moment the Space key event is posted to the console, to the moment the
  frame whose standby box says `GO ▸ <that cue>` has been turned into terminal bytes. The console runs
  headless (Textual composes every frame but skips the bytes, which the bench then makes itself), so
  this is the console's own latency; a real terminal adds its reading of the key and its drawing.
* Timing core while the console renders: the lateness of every message the core sent during the
  run (`session.scheduler.statistics()`), against design.md's promise (p50 ≤ 50 µs, p99 ≤ 250 µs).

The show's devices point at sockets of this process on 127.0.0.1 (the Eos desk over TCP, the rest
over UDP), drained by a thread, so every send is a real send. Between GOs the bench moves the
standby and scrolls the list, and every fourth cue follows the one before by 250 ms, so the core
sends while the console draws. Percentiles are `showcall.stats`'s nearest rank.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import selectors
import socket
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from showcall.bench.showgen import synthetic_show
from showcall.engine.snapshot import Source
from showcall.runner.session import SessionOptions, ShowSession
from showcall.stats import percentile
from showcall.tui.app import ConsoleApp, ShowLink, settle_heap

__all__ = ["DESCRIPTION", "Figures", "add_arguments", "main", "run"]

DESCRIPTION = (
    "Drive the console (Textual, headless) on a generated show: GO key to screen latency, and the timing "
    "core's lateness while the console renders."
)
ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
PROMISE_P50_US = 50.0
PROMISE_P99_US = 250.0


class Sink:
    """Sockets on 127.0.0.1 that accept and drain whatever the show sends (a thread selects on them)."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self.ports: dict[str, int] = {}
        self.received = 0
        for name in ("snd", "mix", "gfx"):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            sock.setblocking(False)
            self._selector.register(sock, selectors.EVENT_READ, "udp")
            self.ports[name] = sock.getsockname()[1]
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        self._selector.register(listener, selectors.EVENT_READ, "listen")
        self.ports["lx"] = listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sink", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, _ in self._selector.select(0.05):
                sock: socket.socket = key.fileobj  # type: ignore[assignment]
                if key.data == "listen":
                    conn, _ = sock.accept()
                    conn.setblocking(False)
                    self._selector.register(conn, selectors.EVENT_READ, "tcp")
                    continue
                with contextlib.suppress(BlockingIOError, ConnectionError):
                    data = sock.recv(65536)
                    if not data and key.data == "tcp":
                        self._selector.unregister(sock)
                        sock.close()
                        continue
                    self.received += 1

    def close(self) -> None:
        """Stop the thread and close every socket."""
        self._stop.set()
        self._thread.join(2)
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        self._selector.close()


@dataclass
class Figures:
    """What the bench measured."""

    cues: int
    size: str
    gos: int
    go_to_screen_p50_ms: float
    go_to_screen_p99_ms: float
    go_to_screen_max_ms: float
    missed_frames: int
    core_sends: int
    core_p50_us: float | None
    core_p99_us: float | None
    core_max_us: float | None
    core_late_over_1ms: int
    core_priority: str
    core_realtime: bool
    cpus: int
    load_before: float


def write_show(folder: Path, cues: int, ports: dict[str, int]) -> Path:
    """The generated show, with a 50 ms go_guard so GOs can come 150 ms apart."""
    text = synthetic_show(cues, ports=ports)
    header = 'start: "08:00:00"}'
    if header not in text:
        raise RuntimeError("showgen's header changed; update showcall.bench.console")
    path = folder / "bench.yaml"
    path.write_text(text.replace(header, 'start: "08:00:00", go_guard: 50ms}', 1), encoding="utf-8")
    return path


async def measure(cues: int, gos: int, size: tuple[int, int], *, realtime: bool, gap_s: float) -> Figures:
    """Run the console on a generated show and measure (see module docstring)."""
    load_before = os.getloadavg()[0]
    sink = Sink()
    with tempfile.TemporaryDirectory(prefix="showcall-tui-bench-") as folder:
        path = write_show(Path(folder), cues, sink.ports)
        options = SessionOptions(realtime=realtime, log_path=Path(folder) / "log.jsonl")
        session = await ShowSession.open(path, options)
        try:
            latencies, missed = await _drive(session, gos, size, gap_s)
            stats = session.scheduler.statistics()
        finally:
            await session.aclose()
            sink.close()
    ordered = sorted(latencies)
    return Figures(
        cues=cues,
        size=f"{size[0]}x{size[1]}",
        gos=len(latencies),
        go_to_screen_p50_ms=round(percentile(ordered, 0.5), 2),
        go_to_screen_p99_ms=round(percentile(ordered, 0.99), 2),
        go_to_screen_max_ms=round(ordered[-1], 2),
        missed_frames=missed,
        core_sends=stats.sent,
        core_p50_us=stats.lateness_p50_us,
        core_p99_us=stats.lateness_p99_us,
        core_max_us=stats.lateness_max_us,
        core_late_over_1ms=stats.late_over_1ms,
        core_priority=stats.priority,
        core_realtime=stats.realtime,
        cpus=os.cpu_count() or 0,
        load_before=round(load_before, 2),
    )


async def _drive(session: ShowSession, gos: int, size: tuple[int, int], gap_s: float) -> tuple[list[float], int]:
    app = ConsoleApp(ShowLink.of_session(session))
    settle_heap()  # as run_app does
    engine = session.engine
    latencies: list[float] = []
    missed = 0
    async with app.run_test(size=size) as pilot:
        display = app._display  # noqa: SLF001 - timing the frames
        waiting: dict[str, Any] = {"marker": None, "t0": 0, "seen": None}

        def timed_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None or not hasattr(renderable, "render_segments"):
                return
            # The headless driver skips turning a frame into terminal bytes; do it here, as a real
            # terminal's driver would, and only then look for the marker: that is when it is on screen.
            frame = renderable.render_segments(app.console)
            marker = waiting["marker"]
            if marker is not None and waiting["seen"] is None and marker in ANSI.sub("", frame):
                waiting["seen"] = time.perf_counter_ns()

        app._display = timed_display  # type: ignore[method-assign]  # noqa: SLF001 - timing the frames
        await pilot.pause(0.5)
        moves = ("down", "pagedown", "up", "pageup")
        for n in range(gos):
            standby = engine.snapshot().standby
            if standby is None:
                break
            waiting.update(marker=f"GO ▸ {standby.dept} {standby.id} ", seen=None, t0=time.perf_counter_ns())
            await pilot.press("space")
            deadline = time.monotonic() + 2.0
            while waiting["seen"] is None and time.monotonic() < deadline:
                await asyncio.sleep(0.001)
            if waiting["seen"] is None:
                missed += 1  # the frame never said it (counted, so a broken console cannot look fast)
            else:
                latencies.append((waiting["seen"] - waiting["t0"]) / 1e6)
            waiting["marker"] = None
            await pilot.press(moves[n % len(moves)])  # the console draws while follow cues fire
            await asyncio.sleep(gap_s)
        app._display = display  # type: ignore[method-assign]  # noqa: SLF001 - timing the frames
    if not latencies:
        raise RuntimeError("no GO ever reached the screen")
    return latencies, missed


async def baseline(cues: int, gos: int, *, realtime: bool, gap_s: float) -> tuple[int, Any]:
    """The same GOs and standby moves straight on the engine, no console: the core's figures then."""
    sink = Sink()
    with tempfile.TemporaryDirectory(prefix="showcall-tui-bench-") as folder:
        path = write_show(Path(folder), cues, sink.ports)
        options = SessionOptions(realtime=realtime, log_path=Path(folder) / "log.jsonl")
        session = await ShowSession.open(path, options)
        try:
            engine = session.engine
            settle_heap()
            session.start()
            await asyncio.sleep(0.5)
            done = 0
            for n in range(gos):
                if engine.snapshot().playhead is None:
                    break
                engine.go(Source.OPERATOR)
                done += 1
                await asyncio.sleep(0.02)
                playhead = engine.snapshot().playhead
                if n % 4 == 0 and playhead is not None and playhead + 1 < len(engine.plan.cues):
                    engine.standby(engine.plan.cues[playhead + 1].id)  # as the console's arrow down
                elif n % 4 == 2:
                    engine.back()
                await asyncio.sleep(gap_s)
            stats = session.scheduler.statistics()
        finally:
            await session.aclose()
            sink.close()
    return done, stats


def terminal_size(text: str) -> tuple[int, int]:
    """`WxH` (e.g. 160x48) as (width, height)."""
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        raise argparse.ArgumentTypeError(f"write the terminal size as WxH, e.g. 160x48, not {text!r}")
    return int(width), int(height)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options and description of `showcall bench console`."""
    parser.description = DESCRIPTION
    parser.add_argument("--cues", type=int, default=10_000, help="cues in the generated show (default 10000)")
    parser.add_argument("--gos", type=int, default=200, help="GO presses (default 200)")
    parser.add_argument("--size", type=terminal_size, default="160x48", help="terminal size WxH (default 160x48)")
    parser.add_argument("--gap", type=float, default=0.15, help="seconds between GOs (default 0.15)")
    parser.add_argument("--no-rt", action="store_true", help="do not ask for real-time scheduling")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--baseline", action="store_true", help="also run the same GOs without the console, for the core's figures"
    )


def run(args: argparse.Namespace) -> int:
    """Run the bench and print the figures."""
    if args.baseline:
        done, stats = asyncio.run(baseline(args.cues, args.gos, realtime=not args.no_rt, gap_s=args.gap))
        print(
            f"baseline, {done} GOs without the console: {stats.sent} sends, lateness p50 "
            f"{_us(stats.lateness_p50_us)}   p99 {_us(stats.lateness_p99_us)}   max {_us(stats.lateness_max_us)}   "
            f"late >1 ms: {stats.late_over_1ms}; core: {stats.priority}"
        )
    figures = asyncio.run(measure(args.cues, args.gos, args.size, realtime=not args.no_rt, gap_s=args.gap))
    if args.json:
        print(json.dumps(asdict(figures), indent=2))
        return 0
    f = figures
    verdict = (
        "meets"
        if f.core_p50_us is not None
        and f.core_p99_us is not None
        and f.core_p50_us <= PROMISE_P50_US
        and f.core_p99_us <= PROMISE_P99_US
        else "MISSES"
    )
    print(f"console on a {f.cues}-cue show at {f.size}, {f.gos} GOs ({f.cpus} CPUs, load {f.load_before} before)")
    print(
        f"  GO key -> screen:  p50 {f.go_to_screen_p50_ms:.1f} ms   p99 {f.go_to_screen_p99_ms:.1f} ms   "
        f"max {f.go_to_screen_max_ms:.1f} ms   (never shown: {f.missed_frames})"
    )
    print(
        f"  timing core while the console renders: {f.core_sends} sends, lateness p50 {_us(f.core_p50_us)}   "
        f"p99 {_us(f.core_p99_us)}   max {_us(f.core_max_us)}   late >1 ms: {f.core_late_over_1ms}"
    )
    promise = f"p50 ≤ {PROMISE_P50_US:.0f} µs, p99 ≤ {PROMISE_P99_US:.0f} µs"
    print(f"    {verdict} the promise ({promise}); core: {f.core_priority}")
    return 0


def _us(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} µs"


def main(argv: list[str] | None = None) -> int:
    """`python -m showcall.bench.console`."""
    parser = argparse.ArgumentParser(prog="showcall bench console")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
