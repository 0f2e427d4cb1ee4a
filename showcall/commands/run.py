"""Provides `showcall run FILE` and `showcall rehearse FILE`: the console, or a headless run."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from showcall.commands.args import host_port, port
from showcall.model.times import Duration
from showcall.runner.session import SessionOptions, ShowSession


def _gap(text: str) -> int:
    try:
        return Duration.parse(text).ns
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_arguments(parser: argparse.ArgumentParser, *, rehearse: bool = False) -> None:
    """The options shared by `run` and `rehearse`."""
    parser.add_argument("file", metavar="FILE", type=Path, help="the show file")
    parser.add_argument(
        "--headless",
        action="store_true",
        help="no console: commands on stdin (go, hold, resume, back, skip, standby ID, ack DEPT, panic, reset, "
        "quit), events on stdout as JSON lines",
    )
    parser.add_argument(
        "--auto",
        nargs="?",
        const="1s",
        default=None,
        type=str,
        metavar="GAP",
        help="unattended rehearsal: GO each manual cue GAP (default 1s) after the previous cue completed",
    )
    if not rehearse:
        parser.add_argument("--sim", action="store_true", help="replace every device by its simulator (= rehearse)")
    parser.add_argument("--log", type=Path, metavar="PATH", help="append the event log (JSON lines) to PATH")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue a run that stopped (a crash): read its log, fire nothing twice, carry on",
    )
    parser.add_argument(
        "--timing",
        choices=["precise", "eco", "sleep"],
        help="timing core mode (default: the show's, else precise); see docs/timing.md",
    )
    parser.add_argument("--no-rt", action="store_true", help="do not ask for real-time scheduling")
    parser.add_argument(
        "--control",
        type=port,
        metavar="PORT",
        help="listen for OSC control (/showcall/go, /showcall/hold, ...) on UDP PORT (see docs/engine.md)",
    )
    parser.add_argument(
        "--mtc",
        type=host_port,
        metavar="HOST:PORT",
        help="chase MIDI timecode sent to this TCP address (a mido socket port) instead of internal timecode",
    )
    parser.add_argument(
        "--control-host",
        default="127.0.0.1",
        metavar="ADDR",
        help="address to listen for control on (default 127.0.0.1; 0.0.0.0 for a Stream Deck on another machine)",
    )


def run(args: argparse.Namespace, *, rehearse: bool = False) -> int:
    """Run the show; returns the exit status."""
    try:
        gap = _gap(args.auto) if args.auto is not None else None
    except argparse.ArgumentTypeError as exc:
        print(f"showcall: --auto: {exc}", file=sys.stderr)
        return 2
    options = SessionOptions(
        sim=rehearse or bool(getattr(args, "sim", False)),
        auto_gap_ns=gap,
        log_path=args.log,
        resume=args.resume,
        timing_mode=args.timing,
        realtime=not args.no_rt,
        control_port=args.control,
        control_host=args.control_host,
        mtc_listen=args.mtc,
    )
    if args.headless:
        return asyncio.run(_headless(args.file, options))
    from showcall.commands.console import run_console

    return run_console(args.file, options)


async def _headless(path: Path, options: SessionOptions) -> int:
    from showcall.runner.headless import run_headless

    session = await ShowSession.open(path, options)
    try:
        return await run_headless(session)
    finally:
        await session.aclose()
