"""Provides `showcall diff OLD NEW` and `showcall diff --git REV FILE`: what changed between two shows, by department.

Both files are loaded, validated and compiled as `showcall check` does; the comparison is of the
shows (showcall.diff), not of their text. Exit 0 when they are the same, 1 when they differ, 2 on
an error: a file that does not load (its problems printed as `showcall check` prints them), a git
revision or file git does not know, or a usage mistake.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from showcall.commands.gitrev import GitRevisionError, checkout_at
from showcall.compile.showfile import LoadedShow, load_show
from showcall.diff import compare, record_show, render_text
from showcall.errors import Problem

EXIT_SAME = 0
EXIT_DIFFERENT = 1
EXIT_ERROR = 2
SHOW_GROUP = "show"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `showcall diff`."""
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="OLD NEW: the show before and after; with --git, the one show file (on disk: the new one)",
    )
    parser.add_argument(
        "--git",
        metavar="REV",
        help="compare FILE as it is in git at REV (a commit, tag or branch; its includes and drivers/ from "
        "REV too) with FILE as it is on disk",
    )
    parser.add_argument(
        "--dept",
        action="append",
        metavar="DEPT",
        help="only these departments' cues (LX, or LX,SND; 'show' for segments, devices and packs); "
        "the exit status then says whether they changed",
    )
    parser.add_argument("--json", action="store_true", help="print the differences as JSON on stdout")


def run(args: argparse.Namespace) -> int:
    """Compare the two shows; exit 0 same, 1 different, 2 error."""
    files = [Path(f) for f in args.files]
    wanted = 1 if args.git is not None else 2
    if len(files) != wanted:
        given = "one file" if len(files) == 1 else f"{len(files)} files"
        need = "one FILE with --git REV" if args.git is not None else "two files, OLD NEW (or --git REV FILE)"
        return _error(f"diff takes {need}; got {given}", args.json)
    try:
        with contextlib.ExitStack() as stack:
            if args.git is not None:
                old_path, old_display = stack.enter_context(checkout_at(args.git, files[0]))
                old = load_show(old_path, old_display)
                new = load_show(files[0])
            else:
                old, new = load_show(files[0]), load_show(files[1])
    except GitRevisionError as exc:
        return _error(str(exc), args.json)
    broken = [loaded for loaded in (old, new) if not loaded.ok]
    if broken:
        return _problems(broken, args.json)
    assert old.plan is not None and old.sources is not None and new.plan is not None and new.sources is not None
    diff = compare(record_show(old.plan, old.sources), record_show(new.plan, new.sources))
    if args.dept:
        # department codes are capitals (LX); `lx` is what a hurried operator types
        groups = {_group(code) for text in args.dept for code in text.split(",") if code.strip()}
        known = {*old.plan.show.departments, *new.plan.show.departments, SHOW_GROUP}
        unknown = sorted(groups - known)
        if unknown:
            listed = ", ".join([*sorted(known - {SHOW_GROUP}), SHOW_GROUP])
            return _error(f"no department {', '.join(unknown)} in either show (departments: {listed})", args.json)
        diff = diff.only(groups)
    if args.json:
        print(json.dumps({"old": old.display, "new": new.display, **diff.as_json()}, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render_text(diff, old.display, new.display))
    return EXIT_SAME if diff.equal else EXIT_DIFFERENT


def _group(code: str) -> str:
    code = code.strip()
    return SHOW_GROUP if code.lower() == SHOW_GROUP else code.upper()


def _problems(broken: list[LoadedShow], as_json: bool) -> int:
    """Every problem of each file that does not load, as `showcall check` prints them."""
    for loaded in broken:
        for problem in loaded.problems or [Problem(loaded.display, 1, 1, "", "the show could not be compiled")]:
            print(problem, file=sys.stderr)
        count = max(1, len(loaded.problems))
        print(f"{loaded.display}: {count} problem{'' if count == 1 else 's'}", file=sys.stderr)
    if as_json:
        files: list[dict[str, Any]] = [
            {"path": loaded.display, "problems": [p.as_dict() for p in loaded.problems]} for loaded in broken
        ]
        print(json.dumps({"equal": None, "error": "a show does not load", "files": files}, indent=2))
    return EXIT_ERROR


def _error(message: str, as_json: bool) -> int:
    print(f"showcall diff: {message}", file=sys.stderr)
    if as_json:
        print(json.dumps({"equal": None, "error": message, "files": []}, indent=2))
    return EXIT_ERROR
