"""Provides `showcall run FILE` and `showcall rehearse FILE`: the console, or a headless run."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from showcall.backup.auth import LinkSetupError
from showcall.commands import link
from showcall.commands.args import host_port, port
from showcall.model.times import Duration, TimeOfDay
from showcall.runner.controlguard import PASSCODE_ENV, ControlPolicy, ControlPolicyError, parse_allow, passcode_from
from showcall.runner.session import SessionOptions, ShowSession
from showcall.web.access import WebAccessError, WebOptions, parse_listen

WEB_PASSCODE_ENV = "SHOWCALL_WEB_PASSCODE"

SPEEDS = (1, 2, 4, 8)


def _gap(text: str) -> int:
    try:
        return Duration.parse(text).ns
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _clock(text: str) -> int:
    try:
        return TimeOfDay.parse(text).ns
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _speed(text: str) -> int:
    if text.strip() not in {str(s) for s in SPEEDS}:
        raise argparse.ArgumentTypeError(f"speed {text!r}: use 2, 4 or 8 (times real time), or 1")
    return int(text)


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
        "--no-pin",
        action="store_true",
        help="leave the timing core and the console on any CPU (default: the core gets a CPU of its own)",
    )
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
        help="address to listen for control on (default 127.0.0.1, this machine only); any other address "
        "needs --control-allow",
    )
    parser.add_argument(
        "--control-allow",
        metavar="CIDR[,CIDR]",
        help="networks that may send control besides this machine, e.g. 10.0.0.0/24,192.168.1.20; "
        "packets from elsewhere are dropped and counted",
    )
    parser.add_argument(
        "--control-passcode",
        metavar="S",
        help="a passcode every control message must carry (/showcall/S/go); visible to other users in ps: "
        f"prefer --control-passcode-file or ${PASSCODE_ENV}",
    )
    parser.add_argument(
        "--control-passcode-file",
        type=Path,
        metavar="PATH",
        help="read the control passcode from the first line of PATH",
    )
    only = "" if rehearse else " (rehearsal only: with --sim)"
    rehearsal = parser.add_argument_group(
        "rehearsing a part of the show" + only,
        "The show's time of day becomes a rehearsal clock: `at` cues fire at their times on it, over/under and "
        "segment clocks read against it. Without --clock or --from, a show rehearsed outside its hours (an hour "
        "before its planned start to its planned end) starts 30 s before its planned start. See docs/engine.md.",
    )
    rehearsal.add_argument(
        "--clock",
        type=_clock,
        metavar="HH:MM[:SS]",
        help="run the show's time of day from this time, starting now",
    )
    where = rehearsal.add_mutually_exclusive_group()
    where.add_argument(
        "--from",
        dest="from_cue",
        metavar="CUE",
        help="start at cue CUE (cues before it are passed, not fired), the clock at its `at` time or its "
        "segment's planned start",
    )
    where.add_argument(
        "--from-segment",
        dest="from_segment",
        metavar="ID",
        help="start at the first cue of segment ID, the clock at the segment's planned start",
    )
    rehearsal.add_argument(
        "--speed",
        type=_speed,
        default=1,
        metavar="N",
        help="run the rehearsal clock, follows, afters, waits and internal timecode N times faster (2, 4 or 8)",
    )
    parser.add_argument(
        "--web",
        metavar="[HOST:]PORT",
        help="serve the crew's views in a browser (/dept/LX, /stage, /presenter, /caller; see docs/web.md) "
        "on PORT, 127.0.0.1 unless HOST is given",
    )
    parser.add_argument(
        "--web-passcode",
        metavar="S",
        default=os.environ.get(WEB_PASSCODE_ENV),
        help=f"passcode the views ask for once (?key=S); needed for a HOST beyond this machine "
        f"(default ${WEB_PASSCODE_ENV}, which other users cannot see in ps)",
    )
    parser.add_argument(
        "--web-control",
        action="store_true",
        help="let /caller?role=control GO, hold, resume and panic (GO under the show's go_guard)",
    )
    link.add_arguments(parser)


def run(args: argparse.Namespace, *, rehearse: bool = False) -> int:
    """Run the show; returns the exit status."""
    try:
        gap = _gap(args.auto) if args.auto is not None else None
    except argparse.ArgumentTypeError as exc:
        print(f"showcall: --auto: {exc}", file=sys.stderr)
        return 2
    sim = rehearse or bool(getattr(args, "sim", False))
    refusal = _rehearsal_refusal(args, sim)
    if refusal is not None:
        print(f"showcall: {refusal}", file=sys.stderr)
        return 2
    try:
        web = web_options(args)
        policy = control_policy(args)
    except (WebAccessError, ControlPolicyError) as exc:
        print(f"showcall: {exc}", file=sys.stderr)
        return 2
    try:
        linked = link.link_options(args)
        if linked is not None and (args.speed != 1 or args.from_cue is not None or args.from_segment is not None):
            raise link.LinkOptionError(
                "--speed, --from and --from-segment are for a console on its own, not a main or backup"
            )
    except link.LinkOptionError as exc:
        print(f"showcall: {exc}", file=sys.stderr)
        return 2
    except LinkSetupError as exc:
        print(f"showcall: {exc}", file=sys.stderr)
        return 1
    options = SessionOptions(
        sim=sim,
        auto_gap_ns=gap,
        log_path=args.log,
        resume=args.resume,
        timing_mode=args.timing,
        realtime=not args.no_rt,
        pin=not args.no_pin,
        control_port=args.control,
        control_policy=policy,
        mtc_listen=args.mtc,
        clock_tod_ns=args.clock,
        speed=args.speed,
        from_cue=args.from_cue,
        from_segment=args.from_segment,
        web=web,
        link=linked,
    )
    if args.headless:
        return asyncio.run(_headless(args.file, options))
    from showcall.commands.console import run_console

    return run_console(args.file, options)


def _rehearsal_refusal(args: argparse.Namespace, sim: bool) -> str | None:
    """Why the rehearsal options cannot be used as given, or None."""
    given = [
        name
        for name, used in (
            ("--clock", args.clock is not None),
            ("--from", args.from_cue is not None),
            ("--from-segment", args.from_segment is not None),
            ("--speed", args.speed != 1),
        )
        if used
    ]
    if not given:
        return None
    if not sim:
        return (
            f"{given[0]} is for rehearsals (showcall rehearse, or run --sim): a show on the real devices runs on "
            "the real time of day, at real speed, from its first cue (or --resume)"
        )
    if args.resume:
        return f"{given[0]} cannot be used with --resume: a resumed run carries on its own clock from where it stopped"
    if args.speed != 1 and args.mtc is not None:
        return "--speed runs showcall's internal timecode faster; timecode chased with --mtc runs at the rig's rate"
    return None


def web_options(args: argparse.Namespace) -> WebOptions | None:
    """The web views' options, checked (WebAccessError when unsafe or unusable); None without --web."""
    if args.web is None:
        if args.web_control:
            raise WebAccessError("--web-control needs --web [HOST:]PORT")
        return None
    try:
        host, web_port = parse_listen(args.web)
    except ValueError as exc:
        raise WebAccessError(f"--web: {exc}") from None
    options = WebOptions(host, web_port, args.web_passcode, args.web_control)
    options.check()
    return options


def control_policy(args: argparse.Namespace) -> ControlPolicy:
    """Who may send control, from the options (ControlPolicyError when they are unsafe or unusable)."""
    given = [
        name
        for name, value in [
            ("--control-host", args.control_host != "127.0.0.1"),
            ("--control-allow", args.control_allow is not None),
            ("--control-passcode", args.control_passcode is not None),
            ("--control-passcode-file", args.control_passcode_file is not None),
        ]
        if value
    ]
    if args.control is None:
        if given:
            raise ControlPolicyError(f"{given[0]} needs --control PORT")
        return ControlPolicy()
    allow = parse_allow(args.control_allow) if args.control_allow is not None else ()
    passcode = passcode_from(args.control_passcode, args.control_passcode_file)
    return ControlPolicy(args.control_host, allow, passcode)


async def _headless(path: Path, options: SessionOptions) -> int:
    from showcall.runner.headless import run_headless

    session = await ShowSession.open(path, options)
    try:
        return await run_headless(session)
    finally:
        await session.aclose()
