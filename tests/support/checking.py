"""Provides the fuzzing oracle for show files: `showcall check` runs cleanly and every problem is located."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from showcall import cli

CRASH_FILE = re.compile(r"the details are in (\S+?);")


def checked(show: Path) -> tuple[int, list[dict[str, Any]]]:
    """`showcall check --json SHOW` in this process: its exit status and the problems it reported;
    a failure (with the crash file's traceback) for any status but 0 or 1."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(["check", "--json", str(show)])
    if status not in (0, 1):
        crash = CRASH_FILE.search(err.getvalue())
        details = Path(crash.group(1)).read_text() if crash else ""
        pytest.fail(f"showcall check exited {status}:\n{err.getvalue()}\n{details}")
    (report,) = json.loads(out.getvalue())["files"]
    assert report["ok"] == (status == 0) == (not report["problems"])
    return status, report["problems"]


def assert_checked_cleanly(show: Path) -> list[dict[str, Any]]:
    """`showcall check --json SHOW` exits 0 or 1, and every problem has a line and column in a real file
    and a message; returns the problems."""
    _, problems = checked(show)
    for problem in problems:
        where = f"{problem['path']}:{problem['line']}:{problem['col']}: {problem['message']}"
        source = Path(problem["path"])
        assert source.is_file(), f"the problem is not located in a file: {where}"
        lines = source.read_bytes().decode("utf-8", "replace").splitlines() or [""]
        assert 1 <= problem["line"] <= len(lines) + 1, f"the line is outside the file: {where}"
        assert problem["col"] >= 1, f"no column: {where}"
        assert problem["message"].strip(), f"no message: {where}"
    return problems
