"""Provides `showcall sim DRIVER`: one device simulator in the foreground, for testing gear, scripts or a show.

It listens where the device would (the profile's port, or `--port`), prints each message it receives, each
answer it sends and each change of its state on one line (JSON lines with `--json`) until Ctrl-C, then its
counters on stderr. `showcall sim --list` lists the drivers and what each simulator keeps.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from showcall.commands.args import port, port_or_zero
from showcall.model.profile import Profile

__all__ = ["add_arguments", "run"]

_LABELS = {"received": "in", "sent": "out", "state": "state", "ignored": "ignored", "dropped": "DROP", "link": "link"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `showcall sim`."""
    parser.add_argument("driver", nargs="?", metavar="DRIVER", help="the device profile to simulate (see --list)")
    parser.add_argument("--list", action="store_true", help="list the drivers that can be simulated, and exit")
    parser.add_argument(
        "--port",
        type=port_or_zero,
        metavar="N",
        help="port to listen on (default: the profile's, else one the system picks)",
    )
    parser.add_argument("--host", default="127.0.0.1", metavar="ADDR", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--protocol", choices=["udp", "tcp"], help="OSC transport (default: the profile's)")
    parser.add_argument("--framing", choices=["slip", "length"], help="OSC over TCP framing (default: the profile's)")
    parser.add_argument(
        "--reply-port",
        type=port,
        metavar="N",
        help="qlab: answer UDP on port N of the sender's host, as real QLab does (53001); default: the sender's port",
    )
    parser.add_argument(
        "--device-id", type=int, metavar="N", help="msc: act only on MSC for device id N (default: any)"
    )
    parser.add_argument(
        "--drivers", type=Path, metavar="DIR", help="also load the profiles in DIR (a show's own drivers/ folder)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of text")


def run(args: argparse.Namespace) -> int:
    """List drivers, or run one simulator until interrupted; returns the exit status."""
    from showcall.loader.profiles import load_profiles

    profiles = load_profiles(args.drivers)
    for problem in profiles.problems:
        print(f"showcall sim: {problem}", file=sys.stderr)
    if args.list:
        _list(profiles.names(), lambda name: profiles.profiles[name].profile, sys.stdout)
        return 0
    if not args.driver:
        print("showcall sim: give a DRIVER to simulate (showcall sim --list shows them)", file=sys.stderr)
        return 2
    loaded = profiles.get(args.driver)
    if loaded is None:
        print(f"showcall sim: no driver named {args.driver!r}; drivers: {', '.join(profiles.names())}", file=sys.stderr)
        return 2
    try:
        simulator = _make(loaded.profile, args)
    except ValueError as exc:
        print(f"showcall sim: {exc}", file=sys.stderr)
        return 2
    import asyncio  # here, not at the top: cli.py imports this module for every command, `check` included

    return asyncio.run(_serve(simulator, as_json=args.json, out=sys.stdout, err=sys.stderr))


def _transport(profile: Profile) -> str:
    if profile.transport == "midi":
        return "midi socket"
    osc = profile.osc
    protocol = osc.protocol if osc else "udp"
    where = str(osc.port) if osc and osc.port else "any port"
    return f"{protocol}/{osc.framing if osc else 'slip'} {where}" if protocol == "tcp" else f"udp {where}"


def _list(names: list[str], profile_of: Any, out: TextIO) -> None:
    from showcall.sim.registry import simulator_class

    for name in names:
        profile = profile_of(name)
        print(f"{name:<10} {_transport(profile):<18} {simulator_class(profile).keeps}", file=out)


def _make(profile: Profile, args: argparse.Namespace) -> Any:
    """The simulator the options describe (ValueError for options that do not fit the driver)."""
    from showcall.protocols.oscframe import DEFAULT_MAX_FRAME
    from showcall.sim.base import Listen
    from showcall.sim.midistream import DEFAULT_MAX_SYSEX
    from showcall.sim.registry import simulator_class

    cls = simulator_class(profile)
    options: dict[str, Any] = {}
    if args.reply_port is not None:
        if profile.driver != "qlab":
            raise ValueError("--reply-port is for qlab")
        options["reply_port"] = args.reply_port
    if args.device_id is not None:
        if profile.transport != "midi" or not 0 <= args.device_id <= 127:
            raise ValueError("--device-id is for MIDI drivers, 0 to 127")
        options["msc_device_id"] = args.device_id
    if profile.transport == "midi":
        if args.protocol or args.framing:
            raise ValueError(f"{profile.driver} is a MIDI driver: it listens as a mido socket port; no --protocol")
        listen = Listen("midi", args.host, args.port or 0, max_packet=DEFAULT_MAX_SYSEX)
    else:
        osc = profile.osc
        protocol = args.protocol or (osc.protocol if osc else "udp")
        if args.framing and protocol != "tcp":
            raise ValueError("--framing applies to OSC over TCP (--protocol tcp)")
        port = args.port if args.port is not None else (osc.port if osc and osc.port else 0)
        listen = Listen(
            "osc-tcp" if protocol == "tcp" else "osc-udp",
            args.host,
            port,
            framing=args.framing or (osc.framing if osc else "slip"),
            max_packet=osc.max_packet if osc and osc.max_packet else DEFAULT_MAX_FRAME,
        )
    return cls(profile.driver, listen, **options)


async def _serve(simulator: Any, *, as_json: bool, out: TextIO, err: TextIO) -> int:
    """Run `simulator` until SIGINT or SIGTERM, printing its records."""
    import asyncio

    from showcall.sim.base import Simulator
    from showcall.sim.records import SimRecord

    assert isinstance(simulator, Simulator)
    try:
        await simulator.start()
    except OSError as exc:
        print(f"showcall sim: cannot listen on {simulator.describe()}: {exc.strerror or exc}", file=err)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    def show(record: SimRecord) -> None:
        if as_json:
            line = json.dumps(record.as_dict())
        else:
            stamp = datetime.now().strftime("%H:%M:%S.%f")[:-3]
            peer = f"  [{record.peer}]" if record.peer and record.kind in ("received", "sent") else ""
            line = f"{stamp} {_LABELS[record.kind]:<7} {record.summary}{peer}"
        try:
            out.write(line + "\n")
            out.flush()
        except BrokenPipeError:
            stop.set()  # the reader went away (| head): stop quietly

    unsubscribe = simulator.subscribe(show)
    print(
        f"showcall sim: {simulator.driver or 'generic'} simulator listening on {simulator.describe()} (Ctrl-C to stop)",
        file=err,
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        unsubscribe()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await simulator.aclose()
    stats = simulator.stats
    reasons = ", ".join(f"{reason} {count}" for reason, count in stats.drop_reasons.items())
    print(
        f"showcall sim: received {stats.received}, sent {stats.sent}, dropped {stats.dropped}"
        + (f" ({reasons})" if reasons else ""),
        file=err,
    )
    return 0
