"""Provides the main/backup options of `showcall run` and `rehearse` (docs/backup.md), checked into `LinkOptions`."""

from __future__ import annotations

import argparse
import ipaddress
from pathlib import Path

from showcall.backup.auth import LOOPBACK, PASSCODE_ENV, parse_allow, read_passcode
from showcall.backup.options import LinkOptions
from showcall.commands.args import host_port
from showcall.model.times import Duration

MIN_HEARTBEAT_NS = 100_000_000


class LinkOptionError(Exception):
    """The link's options do not fit together (a usage error: exit 2)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`--main --listen`, `--backup-of`, the passcode, `--allow`, `--heartbeat`, `--takeover-policy`."""
    group = parser.add_argument_group("main and backup (docs/backup.md)")
    group.add_argument(
        "--main", action="store_true", help="this console is the main of a pair: give --listen for its backup"
    )
    group.add_argument(
        "--listen",
        type=_listen,
        metavar="[HOST:]PORT",
        help="with --main: where the backup connects (HOST default 127.0.0.1; 0.0.0.0 for another machine)",
    )
    group.add_argument(
        "--backup-of",
        type=host_port,
        metavar="HOST:PORT",
        help="follow the main at HOST:PORT with every output muted, and take over when it stops",
    )
    group.add_argument(
        "--passcode-file",
        type=Path,
        metavar="PATH",
        help=f"the passcode the main and its backup share (or set {PASSCODE_ENV}); at least 8 characters",
    )
    group.add_argument(
        "--allow",
        metavar="CIDR,...",
        help="with --main: the addresses a backup may connect from (needed to listen beyond 127.0.0.1)",
    )
    group.add_argument(
        "--heartbeat",
        default="500ms",
        metavar="DURATION",
        help="how long the backup waits without a word from the main before it takes over (default 500ms)",
    )
    group.add_argument(
        "--takeover-policy",
        choices=["ask", "fire"],
        default="ask",
        help="at a take-over, sends the main may have made before it fell silent: ask the operator (default) "
        "or fire them",
    )


def _listen(text: str) -> str:
    return host_port(text if ":" in text else f":{text}")


def link_options(args: argparse.Namespace) -> LinkOptions | None:
    """The link the options ask for (None: a console on its own); LinkOptionError when they do not fit,
    LinkSetupError (showcall.backup.auth) when the passcode or --allow is unusable."""
    main, listen, backup_of = bool(args.main), args.listen, args.backup_of
    if not main and listen is None and backup_of is None:
        for name in ("allow", "passcode_file"):
            if getattr(args, name) is not None:
                raise LinkOptionError(f"--{name.replace('_', '-')} is for a main or a backup (--main or --backup-of)")
        return None
    if main and backup_of is not None:
        raise LinkOptionError("--main and --backup-of: a console is one or the other")
    if main != (listen is not None):
        raise LinkOptionError("--main needs --listen [HOST:]PORT, and --listen is for a main")
    if backup_of is not None and args.allow is not None:
        raise LinkOptionError("--allow is for the main (it says who may connect)")
    if args.resume:
        raise LinkOptionError("--resume is for a console on its own: a main or backup gets the show from the other")
    try:
        heartbeat = Duration.parse(args.heartbeat).ns
    except ValueError as exc:
        raise LinkOptionError(f"--heartbeat: {exc}") from exc
    if heartbeat < MIN_HEARTBEAT_NS:
        raise LinkOptionError("--heartbeat must be at least 100ms")
    address = listen if listen is not None else backup_of
    host, _, port = address.rpartition(":")
    allow = LOOPBACK
    if main:
        if args.allow is not None:
            allow = parse_allow(args.allow)
        elif not _loopback(host):
            raise LinkOptionError(f"--listen {address}: listening beyond this machine needs --allow CIDR,...")
    passcode = read_passcode(None, args.passcode_file)
    return LinkOptions(
        side="main" if main else "backup",
        host=host,
        port=int(port),
        passcode=passcode,
        allow=allow,
        timeout_ns=heartbeat,
        policy=args.takeover_policy,
    )


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
