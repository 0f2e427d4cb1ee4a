"""Provides the `showcall` command line: it wires the parts together and does nothing else.

Exit statuses: 0 success, 1 problems found (or the show could not start), 2 usage error, 70 internal error
(details in a crash file), 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

from showcall import __version__
from showcall.commands import check
from showcall.crash import CRASH_EXIT, record_crash
from showcall.errors import ShowcallError, ShowFileError

Runner = Callable[[argparse.Namespace], int]

BENCHMARKS = {
    "timing": "the timing core against a naive asyncio scheduler",
    "engine": "GO latency to the wire, and a long unattended run checked message by message",
    "load": "show loading and `showcall check` start-up against their targets",
    "console": "the console on a 10,000-cue show: GO key to screen, the core's lateness while it draws",
    "sim": "simulator throughput over UDP and TCP",
    "web": "engine events to the browser views with many browsers, and what they cost the show",
    "report": "`showcall report` on a 10,000-cue log against its 2 s target",
    "soak": "a 3-hour show in 10 minutes with holds, panics and failing devices: memory, descriptors, lateness",
    "backup": "a main killed or frozen mid-chain: its backup takes over, every cue once",
}
"""`showcall bench NAME`: the module `showcall.bench.NAME` (with `add_arguments`, which sets the description,
and `run`) is imported only when that benchmark runs or shows its --help; here only the line `bench --help` lists."""


class _LazyCommandParser(argparse.ArgumentParser):
    """A subcommand whose module (with `add_arguments(parser)` and `run(args)`) is imported only when
    that subcommand is used, so the benchmarks cost `showcall check` no start-up time."""

    def __init__(self, *args: Any, module: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._module = module

    def _load(self) -> None:
        if self._module:
            module, self._module = importlib.import_module(self._module), ""
            module.add_arguments(self)
            self.set_defaults(runner=module.run)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:  # argparse's subparser action calls this
        """Add the module's options, then parse."""
        self._load()
        return super().parse_known_args(*args, **kwargs)

    def format_help(self) -> str:
        """Add the module's options, then format."""
        self._load()
        return super().format_help()


def _schema(args: argparse.Namespace) -> int:
    from showcall.schema import schema_text

    sys.stdout.write(schema_text(args.kind))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, each subcommand with its own --help."""
    parser = argparse.ArgumentParser(
        prog="showcall",
        description="A live show-calling console: standby, GO, and cues fired to OSC and MIDI devices on time.",
        epilog="Run 'showcall COMMAND --help' for a command's options. Docs: README.md and docs/.",
    )
    parser.add_argument("--version", action="version", version=f"showcall {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_LazyCommandParser)

    p = commands.add_parser(
        "check",
        help="validate and lint show files",
        description="Validate and lint show files. Every problem is printed as path:line:col: where: message. "
        "Exit 0 when clean, 1 when problems were found, 2 on a usage error.",
    )
    check.add_arguments(p)
    p.set_defaults(runner=check.run)

    # run, rehearse and sim bring in the engine, the timing core and the simulators: imported only
    # when used, so `showcall check` starts in well under half a second
    lazy = commands.add_parser
    lazy(
        "run",
        module="showcall.commands.run",
        help="run a show: the console on the real devices, or --headless",
        description="Run a show on its devices. Without --headless this is the console (TUI).",
    )
    lazy(
        "rehearse",
        module="showcall.commands.rehearse",
        help="run a show with every device replaced by its simulator",
        description="Rehearse a show: the same as 'run --sim': every device is replaced by a simulator on "
        "127.0.0.1 that answers like the real one and reports what it received.",
    )
    lazy(
        "sim",
        module="showcall.commands.sim",
        help="run one device simulator, to test your own gear, scripts or show against it",
        description="Run the simulator of one device profile in the foreground: it listens where the device "
        "would, answers as the device does, and prints what it receives and how its state changes until Ctrl-C.",
    )

    lazy(
        "doctor",
        module="showcall.commands.doctor",
        help="check this machine (and a show's devices) is ready for the show",
        description="A show-day check: real-time priority, CPU governor, power, timer slack, clocksource, "
        "CPUs, busy processes and the event log's disk on this machine; with FILE, that the show loads and "
        "that each of its devices answers one probe. Each item is OK, WARN or FAIL, with the fix. "
        "Exit 0 when nothing is FAIL, 1 when something is (--strict: or WARN), 2 on a usage error.",
    )

    lazy(
        "diff",
        module="showcall.commands.diff",
        help="what changed between two show files (or a show file and git), by department",
        description="Compare two show files as loaded and compiled (packs expanded, includes resolved, actions as "
        "the device messages they send), not as text: cues added, removed, renumbered, moved or changed, and "
        "segment, device, department and pack changes, grouped by department. Exit 0 when the shows are the "
        "same, 1 when they differ, 2 on an error (a file that does not load, an unknown git revision).",
    )

    lazy(
        "report",
        module="showcall.commands.report",
        help="the post-show report from an event log: over/under, late or failed cues, holds, outages",
    )

    p = commands.add_parser(
        "bench",
        help="measure showcall: the timing core, the engine, loading, the console, the simulators",
        description="Benchmarks that print figures and a verdict against showcall's targets. "
        "Run 'showcall bench BENCHMARK --help' for one benchmark's options.",
    )
    benches = p.add_subparsers(dest="bench", metavar="BENCHMARK", required=True, parser_class=_LazyCommandParser)
    for name, summary in BENCHMARKS.items():
        benches.add_parser(name, module=f"showcall.bench.{name}", help=summary)

    p = commands.add_parser(
        "schema",
        help="print the show file's JSON Schema",
        description="Print the JSON Schema of the show file on stdout, for editor completion (see docs/editor.md).",
    )
    p.add_argument(
        "--for",
        dest="kind",
        choices=["show", "include", "profile"],
        default="show",
        help="which file's schema: a show (default), a file named by include:, or a device profile",
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
    except ShowFileError as exc:  # every problem, located, as `showcall check` prints them
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except ShowcallError as exc:
        print(f"showcall: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
    except Exception as exc:  # last resort: a bug must not greet the user with a traceback
        print(record_crash(exc).message, file=sys.stderr)
        return CRASH_EXIT
