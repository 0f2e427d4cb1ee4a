"""Provides `showcall doctor [FILE]`: a show-day check of this machine and of a show's devices.

Exit status: 0 when no item is FAIL (warnings alone do not fail, as with `brew doctor`'s advice or
`flutter doctor`), 1 when one is (or, with --strict, when one is WARN), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import socket
import sys
from pathlib import Path
from typing import Any

from showcall import __version__
from showcall.compile.showfile import load_show
from showcall.doctor.devices import device_item, show_item
from showcall.doctor.facts import current_user, gather_machine
from showcall.doctor.items import Item, exit_status
from showcall.doctor.machine import machine_items
from showcall.doctor.render import as_json, render_text
from showcall.engine.log import log_folder, state_dir

PROBE_SECONDS = 5.0
SAMPLE_SECONDS = 0.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `showcall doctor`."""
    parser.add_argument(
        "file", nargs="?", type=Path, metavar="FILE", help="a show file: also check it loads and probe its devices"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout (see docs/doctor.md)")
    parser.add_argument(
        "--probe",
        action="store_true",
        help=f"also run the timing core for {PROBE_SECONDS:g} seconds and report how late its sends are",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 on a WARN too (default: only on a FAIL)")


def _progress(args: argparse.Namespace, text: str) -> None:
    if not args.json:
        print(f"showcall doctor: {text}", file=sys.stderr, flush=True)


async def _examine(args: argparse.Namespace) -> list[Item]:
    from showcall.doctor.netprobe import probe_devices

    path: Path | None = args.file
    log_dir = log_folder(path) if path is not None else state_dir() / "logs"
    machine = asyncio.create_task(asyncio.to_thread(gather_machine, log_dir, sample_s=SAMPLE_SECONDS))
    show: list[Item] = []
    if path is not None:
        loaded = load_show(path)
        show.append(show_item(loaded))
        if loaded.plan is not None and loaded.plan.devices:
            _progress(args, f"probing {len(loaded.plan.devices)} devices of {loaded.display}")
            targets = [(name, device.driver, device.endpoint) for name, device in loaded.plan.devices.items()]
            show += [device_item(probe) for probe in await probe_devices(targets)]
    items = machine_items(await machine)
    if args.probe:
        from showcall.doctor.timing import probe_item
        from showcall.doctor.timingprobe import run_timing_probe

        facts = await run_timing_probe(PROBE_SECONDS, progress=lambda text: _progress(args, text))
        items.append(probe_item(facts))
    return items + show


def run(args: argparse.Namespace) -> int:
    """Check, print the report, return the exit status."""
    items = asyncio.run(_examine(args))
    when = datetime.datetime.now().astimezone()
    user = current_user()
    host = socket.gethostname()
    show = str(args.file) if args.file is not None else None
    if args.json:
        facts: dict[str, Any] = {"when": when.isoformat(timespec="seconds"), "user": user, "host": host, "show": show}
        print(json.dumps(as_json(items, facts=facts, strict=args.strict), indent=2, ensure_ascii=False))
    else:
        header = f"showcall doctor {__version__}: {user} on {host}, {when:%Y-%m-%d %H:%M}"
        print(render_text(items, header=header, show=show, strict=args.strict))
    return exit_status(items, strict=args.strict)
