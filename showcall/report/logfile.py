"""Provides reading an event log for the report: every event with its line number, split into runs.

A log is JSON lines (design.md §6), one run after another, each starting with a `loaded` event; a
`loaded` event with `resumed: true` carries on the run before it (`showcall run --resume` after a crash).
What is damaged is said with its line number, and the report goes on only where that is safe:

- a last line cut short (the process died while writing it) is a warning;
- a line cut short where the next run starts (a crash, then a new run appended) is a warning: the next
  run's `loaded` event is on the next line, or glued to the cut line's end, and is kept;
- anything else that is not an event line is an error; a file whose first line is not one is not a log.

Events of kinds this version does not know, and fields it does not know, are kept and ignored later:
newer showcall versions add them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from showcall.errors import ShowcallError

LOADED_MARK = '{"event":"loaded"'
"""How a `loaded` line starts as showcall writes it (compact JSON, `event` first)."""

KNOWN = frozenset(
    [
        "loaded",
        "standby",
        "go",
        "sent",
        "send_failed",
        "complete",
        "failed",
        "hold",
        "resume",
        "panic",
        "ack",
        "device",
        "timing",
        "refused",
        "error",
        "reset",
        "end",
        "feedback",
    ]
)
"""The event kinds this version knows (engine.md "Events"); others are newer and ignored."""


class LogReadError(ShowcallError):
    """The log cannot be read as a showcall event log; the message names the file and line."""


class Line(NamedTuple):
    """One event and the line of the log it is on (a tuple: a 10,000-cue log makes 50,000 of them)."""

    number: int
    event: dict[str, Any]

    @property
    def kind(self) -> str:
        """The event's name (`go`, `sent`, ...)."""
        return str(self.event["event"])


@dataclass
class Run:
    """One run of a show: its `loaded` event, every event up to the next run, and how many times it was resumed."""

    number: int
    loaded: Line
    lines: list[Line] = field(default_factory=list)
    resumed: int = 0

    @property
    def first_line(self) -> int:
        """The log line the run starts on."""
        return self.loaded.number

    @property
    def last_line(self) -> int:
        """The log line of its last event."""
        return self.lines[-1].number if self.lines else self.loaded.number


@dataclass
class EventLogRead:
    """A whole log: its runs, in order, and the warnings about lines that were skipped."""

    path: Path
    runs: list[Run]
    warnings: list[str] = field(default_factory=list)


def read_event_log(path: Path) -> EventLogRead:
    """Read and split the log at `path`; LogReadError (one line, with the line number) when it cannot be."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LogReadError(f"cannot read {name}: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LogReadError(f"{name}: not a showcall event log (not UTF-8 text)") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    return _split(name, path, lines)


def _parse_all(lines: list[str]) -> list[dict[str, Any] | None] | None:
    """Every line's event at once, or None when any line is not one (then each is parsed alone).

    One json.loads of the whole log as an array costs a third of one call per line: for a 10,000-cue run
    (50,000 lines) that is 0.3 s saved. A blank line parses as nothing; the count check catches a line
    holding two values.
    """
    numbered = [line for line in lines if line.strip()]
    try:
        values = json.loads("[" + ",".join(numbered) + "]")
    except (ValueError, RecursionError):
        return None
    if len(values) != len(numbered):
        return None
    events = iter(values)
    out: list[dict[str, Any] | None] = []
    for line in lines:
        if not line.strip():
            out.append(None)
            continue
        event = next(events)
        if not _is_event(event):
            return None
        out.append(event)
    return out


def _split(name: str, path: Path, lines: list[str]) -> EventLogRead:
    warnings: list[str] = []
    runs: list[Run] = []
    last = len(lines)
    seen_event = False
    parsed = _parse_all(lines)
    for index, raw in enumerate(lines):
        number = index + 1
        if parsed is not None:
            event = parsed[index]
            if event is None:
                continue
        elif not raw.strip():
            continue
        else:
            event = _parse(raw)
        if event is None:
            glued = raw.find(LOADED_MARK, 1)
            next_line = lines[index + 1] if number < last else ""
            if not seen_event:
                raise LogReadError(f"{name}: not a showcall event log (line {number} is not an event line)")
            if glued > 0 and (event := _parse(raw[glued:])) is not None:
                warnings.append(
                    f"{name}:{number}: warning: a line cut short where a run stopped (a crash), with the next "
                    "run's first event glued to it: the cut part is skipped"
                )
            elif number == last:
                warnings.append(
                    f"{name}:{number}: warning: the last line is cut short (the run stopped while writing it): "
                    "the report goes on without it"
                )
                continue
            elif next_line.startswith(LOADED_MARK):
                warnings.append(
                    f"{name}:{number}: warning: a line cut short where a run stopped (a crash): skipped, the next "
                    f"run starts on line {number + 1}"
                )
                continue
            else:
                raise LogReadError(f"{name}:{number}: {_why_not(raw)}: the log is damaged here")
        seen_event = True
        line = Line(number, event)
        kind = event["event"]
        if kind == "loaded":
            resumes = event.get("resumed") is True and runs and runs[-1].loaded.event.get("path") == event.get("path")
            if resumes:
                runs[-1].resumed += 1
                runs[-1].lines.append(line)
            else:
                runs.append(Run(len(runs) + 1, line))
        elif runs:
            runs[-1].lines.append(line)
        elif kind in KNOWN:
            raise LogReadError(
                f"{name}:{number}: a {kind!r} event before any 'loaded' event: not a whole log "
                "(the start of the run is missing)"
            )
    if not seen_event:
        raise LogReadError(f"{name}: empty: no events in it")
    if not runs:
        raise LogReadError(f"{name}: not a showcall event log (no 'loaded' event)")
    return EventLogRead(path, runs, warnings)


def _parse(raw: str) -> dict[str, Any] | None:
    """The event on a line, or None when the line is not one (not JSON, or no `event` name and `mono_ns`)."""
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: a line of thousands of nested brackets
        return None
    return event if _is_event(event) else None


def _is_event(value: Any) -> bool:
    """True for an object with an `event` name and a whole `mono_ns`: what every event line holds."""
    if not isinstance(value, dict):
        return False
    kind, mono = value.get("event"), value.get("mono_ns")
    return isinstance(kind, str) and isinstance(mono, int) and not isinstance(mono, bool)


def _why_not(raw: str) -> str:
    """Why a line is not an event line, in words."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        return f"not a JSON line ({message})"
    if not isinstance(value, dict):
        return "not a showcall event (a JSON value that is not an object)"
    return "not a showcall event (no 'event' name and 'mono_ns' time)"
