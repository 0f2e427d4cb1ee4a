"""Provides `showcall report LOG`: the post-show report from an event log (docs/report.md).

Exit statuses: 0 the report was made (warnings about a cut-short line included), 1 the log or the run
cannot be read (one line on stderr, with the line number), 2 a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DESCRIPTION = (
    "The post-show report from an event log: each segment planned against actual, each cue's trigger, "
    "GO-to-wire time, lateness and failures, holds, device outages and the timing core's figures. A log "
    "holds every run appended: --runs lists them, --run N picks one (default: the last)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `showcall report`."""
    parser.description = DESCRIPTION
    parser.add_argument("log", type=Path, metavar="LOG", help="the event log (JSON lines, as --log writes it)")
    parser.add_argument(
        "--show",
        type=Path,
        metavar="FILE",
        help="the show file to measure against (default: the path the run logged)",
    )
    parser.add_argument("--run", type=int, metavar="N", help="which run of the log (1 is the first; default the last)")
    parser.add_argument("--runs", action="store_true", help="list the runs in the log and stop")
    parser.add_argument("--json", action="store_true", help="the report as JSON on stdout (shape in docs/report.md)")
    parser.add_argument("--html", type=Path, metavar="OUT.html", help="also write the report as one HTML file")
    parser.add_argument("--all", action="store_true", help="list every cue, not just the latest and the problems")


def run(args: argparse.Namespace) -> int:
    """Read the log, report the chosen run; see the module docstring for exit statuses."""
    from showcall.report.fold import build_report
    from showcall.report.logfile import read_event_log
    from showcall.report.outline import load_outline
    from showcall.report.runs import render_runs

    read = read_event_log(args.log)
    for warning in read.warnings:
        print(f"showcall: {warning}", file=sys.stderr)
    if args.runs:
        sys.stdout.write(render_runs(read, json_out=args.json))
        return 0
    count = len(read.runs)
    number = args.run if args.run is not None else count
    if not 1 <= number <= count:
        print(f"showcall: {args.log} has {count} run{'s' * (count != 1)}: --run must be 1 to {count}", file=sys.stderr)
        return 2
    chosen = read.runs[number - 1]
    show = args.show
    if show is None:
        logged = chosen.loaded.event.get("path")
        show = Path(logged) if isinstance(logged, str) and logged else None
    outline, note = load_outline(show) if show is not None else (None, "the run logged no show file path")
    report = build_report(str(args.log), chosen, count, outline, note)
    report.warnings = read.warnings
    if note:
        print(f"showcall: {note}: the report says what the log alone tells", file=sys.stderr)
    if outline is not None and outline.title != report.title:
        print(
            f"showcall: warning: the show file's title is {outline.title!r}, the run's {report.title!r}: "
            "is it the same show?",
            file=sys.stderr,
        )
    if args.html is not None:
        from showcall.report.html import render_html

        try:
            args.html.write_text(render_html(report), encoding="utf-8")
        except OSError as exc:
            print(f"showcall: cannot write {args.html}: {exc.strerror}", file=sys.stderr)
            return 1
    if args.json:
        import json

        from showcall.report.jsonout import report_json

        sys.stdout.write(json.dumps(report_json(report), ensure_ascii=False, indent=1) + "\n")
    else:
        from showcall.report.text import render_text

        sys.stdout.write(render_text(report, all_cues=args.all))
    return 0
