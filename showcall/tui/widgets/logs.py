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
        for line in batch:
            self.write(
                Text.assemble((time_of_day_ms(line.tod_ns), "dim"), " ", (line.text, KIND_STYLE.get(line.kind, ""))),
                scroll_end=False,
            )
        if batch:
            self.scroll_end(animate=False, immediate=False)


class ReceivedLog(RichLog):
    """What each simulator received, one line per message (rehearsal only)."""

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
        for record in batch:
            self.write(Text.assemble((f"{record.device:<8}", "bold"), " ", record.text), scroll_end=False)
        if batch:
            self.scroll_end(animate=False, immediate=False)
