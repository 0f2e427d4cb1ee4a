"""Provides `ShowHeader`: the show's title, the time of day, show elapsed and over/under, or HOLD.

When the show is held the whole line changes (colour, and the word HOLD at both ends), so a
hold is unmistakable from across the desk.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from showcall.tui.data.text import clock, over_under, time_of_day


@dataclass(frozen=True)
class HeaderState:
    """What the header shows."""

    title: str
    time_of_day_ns: int
    show_elapsed_ns: int | None
    show_over_ns: int | None
    held: bool = False
    held_for_ns: int = 0
    panicked: bool = False
    rehearsal: bool = False


class ShowHeader(Widget):
    """One line across the top (see module docstring)."""

    DEFAULT_CSS = """
    ShowHeader {
        height: 1;
        background: $panel;
        color: $foreground;
        text-style: bold;
        &.-held { background: $error; color: $text; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state: HeaderState | None = None
        self._shown = Text("")

    def show(self, state: HeaderState) -> None:
        """Draw `state`, only when the line's words change (the clocks move once a second, the
        console looks ten times a second)."""
        self.state = state
        text = self._line(state, self.size.width)
        if text == self._shown:
            return
        self._shown = text
        self.set_class(state.held, "-held")
        self.refresh()

    def render(self) -> Text:
        """Title on the left, clocks on the right; HOLD replaces the clocks' framing when held."""
        return self._line(self.state, self.size.width) if self.state is not None else Text("")

    def _line(self, state: HeaderState, width: int) -> Text:
        right = f"{time_of_day(state.time_of_day_ns)}   show {clock(state.show_elapsed_ns)}"
        verdict = over_under(state.show_over_ns)
        if verdict:
            right += f"   {verdict}"
        if state.held:
            word = "PANIC · HOLD" if state.panicked else "HOLD"
            left = f" ■ {word} {clock(state.held_for_ns)} — h to resume ■ "
            right = f"{right} ■ {word} ■ "
            title_room = max(0, width - len(left) - len(right) - 1)
            title = state.title[:title_room]
            return Text(left + title.ljust(title_room) + " " + right, no_wrap=True)
        mode = "REHEARSAL · " if state.rehearsal else ""
        left = f" {mode}{state.title.upper()}"
        room = max(0, width - len(right) - 2)
        if len(left) > room:
            left = left[: max(0, room - 1)] + "…"
        text = Text(left.ljust(room) + right + " ", no_wrap=True)
        if verdict.startswith("OVER"):
            text.stylize("bold yellow", len(text) - len(verdict) - 1, len(text) - 1)  # the word says it too
        return text
