"""Provides `showcall report LOG`: the post-show report from an event log (docs/report.md).

Exit statuses: 0 the report was made (warnings about a cut-short line included), 1 the log or the run
cannot be read (one line on stderr, with the line number), 2 a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from showcall.report.outline import ShowOutline

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


def _plan(log: Path, loaded: dict[str, Any], show: Path | None) -> tuple[ShowOutline | None, str, str]:
    """What to measure the run against: (outline, why there is none, where it came from).

    `--show FILE` if given; else the show as it ran, kept beside the log; else the show file at the
    path the run logged, as it is now (a run from before shows were kept, or a kept copy lost).
    """
    from showcall.report.outline import kept_outline, load_outline

    if show is not None:
        outline, note = load_outline(show)
        return outline, note, f"the show file {show} (--show)"
    digest = loaded.get("digest")
    kept_note = ""
    if isinstance(digest, str) and digest:
        outline, kept_note = kept_outline(log, digest)
        if outline is not None:
            return outline, "", "the show as it ran (kept beside the log)"
    logged = loaded.get("path")
    if not isinstance(logged, str) or not logged:
        return None, kept_note or "the run logged no show file", ""
    if kept_note:  # a damaged kept copy: said, then the show file stands in for it
        print(f"showcall: warning: {kept_note}: measuring against the show file instead", file=sys.stderr)
    outline, note = load_outline(Path(logged))
    return outline, note, "the show file as it is now (no copy of the show as it ran)" if outline else ""


def run(args: argparse.Namespace) -> int:
    """Read the log, report the chosen run; see the module docstring for exit statuses."""
    from showcall.report.fold import build_report
    from showcall.report.logfile import read_event_log
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
    outline, note, plan_from = _plan(args.log, chosen.loaded.event, args.show)
    report = build_report(str(args.log), chosen, count, outline, note)
    report.warnings = read.warnings
    report.plan_from = plan_from
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
