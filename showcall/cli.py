"""Provides the `showcall` command line: it wires the parts together and does nothing else.

Exit statuses: 0 success, 1 problems found (or the show failed), 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence

from showcall import __version__
from showcall.commands import check, run
from showcall.errors import ShowcallError

Runner = Callable[[argparse.Namespace], int]


def _schema(args: argparse.Namespace) -> int:
    from showcall.schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, each subcommand with its own --help."""
    parser = argparse.ArgumentParser(
        prog="showcall",
        description="A live show-calling console: standby, GO, and cues fired to OSC and MIDI devices on time.",
        epilog="Run 'showcall COMMAND --help' for a command's options. Docs: README.md and docs/.",
    )
    parser.add_argument("--version", action="version", version=f"showcall {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser(
        "check",
        help="validate and lint show files",
        description="Validate and lint show files. Every problem is printed as path:line:col: where: message. "
        "Exit 0 when clean, 1 when problems were found, 2 on a usage error.",
    )
    check.add_arguments(p)
    p.set_defaults(runner=check.run)

    p = commands.add_parser(
        "run",
        help="run a show: the console on the real devices, or --headless",
        description="Run a show on its devices. Without --headless this is the console (TUI).",
    )
    run.add_arguments(p)
    p.set_defaults(runner=run.run)

    p = commands.add_parser(
        "rehearse",
        help="run a show with every device replaced by its simulator",
        description="Rehearse a show: the same as 'run --sim': every device is replaced by a simulator on "
        "127.0.0.1 that answers like the real one and reports what it received.",
    )
    run.add_arguments(p, rehearse=True)
    p.set_defaults(runner=functools.partial(run.run, rehearse=True))

    p = commands.add_parser(
        "schema",
        help="print the show file's JSON Schema",
        description="Print the JSON Schema of the show file on stdout, for editor completion (see docs/editor.md).",
    )
    p.set_defaults(runner=_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the showcall command line; returns the exit status (never raises)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    runner: Runner = args.runner
    try:
        return runner(args)
    except KeyboardInterrupt:
        print("showcall: interrupted", file=sys.stderr)
        return 130
    except ShowcallError as exc:
        print(f"showcall: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
    except Exception as exc:  # last resort: a bug must not greet the user with a traceback
        with tempfile.NamedTemporaryFile("w", prefix="showcall-crash-", suffix=".txt", delete=False) as out:
            traceback.print_exc(file=out)
        print(
            f"showcall: internal error: {type(exc).__name__}: {exc}\n"
            f"  the details are in {out.name}; please report them",
            file=sys.stderr,
        )
        return 70
