"""Provides the scrollable logs: the event log, and in rehearsal what each simulator received."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import RichLog

from showcall.tui.data.feed import LogLine
from showcall.tui.data.simulators import Received
from showcall.tui.data.text import time_of_day_ms

KIND_STYLE = {
    "go": "bold green",
    "refused": "bold red",
    "error": "bold red",
    "panic": "bold white on red",
    "hold": "bold yellow",
    "ack": "red",
    "standby": "yellow",
    "sent": "dim",
    "device": "cyan",
    "info": "",
}
MAX_LINES = 1000
RECORD_MARK = {
    "received": ("←", ""),
    "sent": ("→", "dim"),
    "state": ("◆", "cyan"),
    "ignored": ("·", "dim"),
    "dropped": ("✕", "bold red"),
    "link": ("⇄", "yellow"),
}
"""A simulator record's kind: received from the console, answered, changed state, ignored, dropped, link."""


class EventLogView(RichLog):
    """The event log (every event, newest at the bottom); scroll back with the mouse wheel."""

    DEFAULT_CSS = """
    EventLogView {
        height: 1fr;
        border-top: solid $primary;
        border-title-align: left;
        scrollbar-size-vertical: 1;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=MAX_LINES, wrap=False, markup=False, auto_scroll=True)
        self.border_title = "EVENT LOG"
        self.can_focus = False

    def add(self, lines: Iterable[LogLine]) -> None:
        """Append these lines (the last MAX_LINES of a burst are enough: older ones scroll away anyway)."""
        batch = list(lines)[-MAX_LINES:]
        for n, line in enumerate(batch, 1):
            self.write(
                Text.assemble((time_of_day_ms(line.tod_ns), "dim"), " ", (line.text, KIND_STYLE.get(line.kind, ""))),
                scroll_end=None if n == len(batch) else False,  # scroll once per batch, also when shown later
            )


class ReceivedLog(RichLog):
    """What each simulator received (and answered, and how its state changed), one line each (rehearsal)."""

    DEFAULT_CSS = """
    ReceivedLog {
        height: 1fr;
        border-top: solid $primary;
        border-title-align: left;
        scrollbar-size-vertical: 1;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=MAX_LINES, wrap=False, markup=False, auto_scroll=True)
        self.border_title = "SIMULATORS RECEIVED"
        self.can_focus = False

    def add(self, received: Iterable[Received]) -> None:
        """Append these records."""
        batch = list(received)[-MAX_LINES:]
        for n, record in enumerate(batch, 1):
            mark, style = RECORD_MARK.get(record.kind, ("?", ""))
            self.write(
                Text.assemble((f"{record.device:<8}", "bold"), f" {mark} ", (record.text, style)),
                scroll_end=None if n == len(batch) else False,
            )
