"""Provides `showcall check FILE...`: validate and lint show files, report every problem located."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from showcall.compile.showfile import LoadedShow, load_show

EXIT_CLEAN = 0
EXIT_PROBLEMS = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `showcall check`."""
    parser.add_argument("files", nargs="+", metavar="FILE", help="show files to check")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing for files without problems")


def plural(count: int, word: str) -> str:
    """`1 cue`, `2 cues`."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(loaded: LoadedShow) -> dict[str, Any]:
    """Counts that tell a TD the file was read as they meant."""
    show, plan = loaded.show, loaded.plan
    if show is None or plan is None:
        return {}
    return {
        "title": show.info.title,
        "segments": len(show.segments),
        "cues": len(plan.cues),
        "devices": len(plan.devices),
        "messages": plan.message_count,
    }


def run(args: argparse.Namespace) -> int:
    """Check every file; exit 0 when all are clean, 1 when any has a problem."""
    results = [load_show(path) for path in args.files]
    if args.json:
        payload = {
            "ok": all(r.ok for r in results),
            "files": [
                {
                    "path": r.display,
                    "ok": r.ok,
                    "problems": [p.as_dict() for p in r.problems],
                    "summary": summary(r),
                }
                for r in results
            ],
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for result in results:
            for problem in result.problems:
                print(problem, file=sys.stderr)
            if result.ok and not args.quiet:
                s = summary(result)
                segments = f" in {plural(s['segments'], 'segment')}" if s["segments"] else ""
                print(
                    f"{result.display}: ok: {plural(s['cues'], 'cue')}{segments}, "
                    f"{plural(s['devices'], 'device')}, {plural(s['messages'], 'message')}"
                )
            elif not result.ok:
                print(f"{result.display}: {plural(len(result.problems), 'problem')}", file=sys.stderr)
    return EXIT_CLEAN if all(r.ok for r in results) else EXIT_PROBLEMS
