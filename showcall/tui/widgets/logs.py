"""Provides the scrollable logs: the event log, and in rehearsal what each simulator received.

Both are `TailLog`s: they show the newest lines at the bottom and scroll back with the mouse wheel.
They keep their own scroll position instead of a growing virtual size, because in Textual a
changing virtual size re-lays out the whole screen, and the event log changes on every GO: a
log line must never cost the frame that shows a GO.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.widget import Widget

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
RECORD_MARK = {
    "received": ("←", ""),
    "sent": ("→", "dim"),
    "state": ("◆", "cyan"),
    "ignored": ("·", "dim"),
    "dropped": ("✕", "bold red"),
    "link": ("⇄", "yellow"),
}
"""A simulator record's kind: received from the console, answered, changed state, ignored, dropped, link."""
MAX_LINES = 1000
WHEEL_LINES = 3


class TailLog(Widget):
    """The last MAX_LINES lines, newest at the bottom; the mouse wheel scrolls back and forth."""

    DEFAULT_CSS = """
    TailLog {
        height: 1fr;
        border-top: solid $primary;
        border-title-align: left;
        padding: 0 1;
    }
    """

    TITLE = "LOG"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: deque[Text] = deque(maxlen=MAX_LINES)
        self.back = 0  # lines scrolled back from the newest
        self._strips: dict[int, Strip] = {}  # id(Text) -> rendered line, for the lines on screen
        self.border_title = self.TITLE

    def add_texts(self, texts: Iterable[Text]) -> None:
        """Append lines; a log scrolled back stays where the reader put it."""
        added = 0
        for text in texts:
            self.lines.append(text)
            added += 1
        if not added:
            return
        if self.back:
            self.back = min(self.back + added, max(0, len(self.lines) - self.size.height))
            self._title()
        self.refresh()

    def _title(self) -> None:
        self.border_title = f"{self.TITLE}  (scrolled back: {self.back} newer below)" if self.back else self.TITLE

    def render_line(self, y: int) -> Strip:
        """Line `y` of the window that ends `back` lines before the newest."""
        width, height = self.content_region.width, self.content_region.height
        top = len(self.lines) - self.back - height
        index = top + y
        if not 0 <= index < len(self.lines) or width <= 0:
            return Strip.blank(width, self.rich_style)
        text = self.lines[index]
        strip = self._strips.get(id(text))
        if strip is None or strip.cell_length != width:
            line = text.copy()
            line.no_wrap = True
            line.truncate(width, overflow="ellipsis", pad=True)
            line.stylize_before(self.rich_style)  # the widget's colours under the line's own, padding too
            strip = Strip(line.render(self.app.console)).adjust_cell_length(width, self.rich_style)
            if len(self._strips) > 4 * max(1, height):
                self._strips.clear()
            self._strips[id(text)] = strip
        return strip

    def _scroll(self, lines: int) -> None:
        limit = max(0, len(self.lines) - self.content_region.height)
        back = max(0, min(limit, self.back + lines))
        if back != self.back:
            self.back = back
            self._title()
            self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        """Wheel up: older lines."""
        event.stop()
        self._scroll(WHEEL_LINES)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        """Wheel down: newer lines."""
        event.stop()
        self._scroll(-WHEEL_LINES)


class EventLogView(TailLog):
    """The event log (every event, newest at the bottom)."""

    TITLE = "EVENT LOG"

    def add(self, lines: Iterable[LogLine]) -> None:
        """Append these log lines."""
        self.add_texts(
            Text.assemble((time_of_day_ms(line.tod_ns), "dim"), " ", (line.text, KIND_STYLE.get(line.kind, "")))
            for line in lines
        )

    def plain(self) -> list[str]:
        """The lines as plain text (for tests and the find-in-log that may come)."""
        return [text.plain for text in self.lines]


class ReceivedLog(TailLog):
    """What each simulator received (and answered, and how its state changed), one line each (rehearsal)."""

    TITLE = "SIMULATORS RECEIVED"

    def add(self, received: Iterable[Received]) -> None:
        """Append these records."""
        texts = []
        for record in received:
            mark, style = RECORD_MARK.get(record.kind, ("?", ""))
            texts.append(Text.assemble((f"{record.device:<8}", "bold"), f" {mark} ", (record.text, style)))
        self.add_texts(texts)

    def plain(self) -> list[str]:
        """The lines as plain text."""
        return [text.plain for text in self.lines]
