"""Provides the event log: every event as a JSON line, appended and flushed as the show runs.

Each show file gets its own folder of logs under the user's state directory
(`$XDG_STATE_HOME/showcall/logs/`, by default `~/.local/state/showcall/logs/`), one file per run;
`showcall run --resume` reads the newest one. `--log PATH` names the file instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from showcall.engine.events import Event
from showcall.errors import ShowcallError


class LogError(ShowcallError):
    """The event log cannot be written or read."""


def state_dir() -> Path:
    """Where showcall keeps its state: $XDG_STATE_HOME/showcall (default ~/.local/state/showcall)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "showcall"


def log_folder(show_path: Path) -> Path:
    """The folder holding the logs of the show at `show_path` (named after it, unique per file)."""
    real = show_path.resolve()
    digest = hashlib.sha1(str(real).encode()).hexdigest()[:8]
    return state_dir() / "logs" / f"{real.stem}-{digest}"


def new_log_path(show_path: Path) -> Path:
    """A fresh log file for a run of the show starting now."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = log_folder(show_path)
    path = folder / f"run-{stamp}.jsonl"
    counter = 1
    while path.exists():
        counter += 1
        path = folder / f"run-{stamp}-{counter}.jsonl"
    return path


def latest_log(show_path: Path) -> Path | None:
    """The newest log of the show at `show_path`, if it has one."""
    folder = log_folder(show_path)
    if not folder.is_dir():
        return None
    logs = sorted(folder.glob("run-*.jsonl"), key=lambda p: p.stat().st_mtime)
    return logs[-1] if logs else None


class EventLog:
    """Appends events to a JSON-lines file and flushes each one, so a crash loses nothing written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: IO[str] | None = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise LogError(f"cannot write the event log {path}: {exc.strerror}") from exc
        self.written = 0

    def __call__(self, event: Event) -> None:
        """Append one event (a subscriber of the engine)."""
        self.write(event.to_json())

    def write(self, line: str) -> None:
        """Append one JSON line and flush it to the operating system."""
        if self._file is None:
            return
        try:
            self._file.write(line + "\n")
            self._file.flush()
        except OSError as exc:  # a full disk or a pulled stick: say so once, and the show goes on
            broken, self._file = self._file, None
            with contextlib.suppress(OSError):  # closing flushes again, into the same full disk
                broken.close()
            raise LogError(
                f"cannot write the event log {self.path} ({exc.strerror}): no more events are logged"
            ) from exc
        self.written += 1

    def close(self) -> None:
        """Close the file, on disk first (a power cut after the run must not take its last lines)."""
        if self._file is not None:
            with contextlib.suppress(OSError):  # a full disk already said so, on the line that failed
                self._file.flush()
                os.fsync(self._file.fileno())
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None


def read_log(path: Path) -> Iterator[dict[str, Any]]:
    """Every event in a log. A line cut short by a crash is skipped when it is the last the console wrote (only
    the timing core's `core_sent` lines may follow it: showcall.timing.lastwords); anything else unreadable is
    an error (LogError, with the line number)."""
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise LogError(f"cannot read the event log {path}: {exc.strerror}") from exc
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            event = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # JSON's own errors, bad UTF-8, deep nesting, huge numbers
            if all(not rest.strip() or rest.startswith(CORE_SENT_PREFIX) for rest in lines[number:]):
                continue  # the process died while writing this line
            raise LogError(f"{path}:{number}: not an event line ({_unreadable(exc)})") from exc
        if isinstance(event, dict) and "event" in event:
            yield event


def _unreadable(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, RecursionError):
        return "nested too deep"
    return "a number too long"  # int() refuses more than 4,300 digits


CORE_SENT_PREFIX = b'{"event":"core_sent",'
"""How the timing core's last words start (showcall.timing.lastwords writes them so)."""
