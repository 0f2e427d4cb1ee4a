"""Provides `ShowHeader`: the show's title, the time of day, show elapsed and over/under, or HOLD.

When the show is held the whole line changes (colour, and the word HOLD at both ends), so a
hold is unmistakable from across the desk. On a rehearsal clock the time reads
`REHEARSAL CLOCK 08:29:41` (with `×4` when it runs faster), the real time beside it.
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
    real_time_of_day_ns: int | None = None  # set when the show runs on a rehearsal clock
    speed: int = 1


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
        verdict = over_under(state.show_over_ns)
        right = _clocks(state, verdict, compact=False)
        if state.held:
            word = "PANIC · HOLD" if state.panicked else "HOLD"
            held = clock(state.held_for_ns)
            full, compact = right, _clocks(state, verdict, compact=True)
            # as much as fits, the clocks before the hint: a rehearsal clock needs the room
            for left, right in (  # the last pair tried is the one used
                (f" ■ {word} {held} — h to resume ■ ", f"{full} ■ {word} ■ "),
                (f" ■ {word} {held} ■ ", f"{compact} ■ {word} ■ "),
                (f" ■ {word} {held} ■ ", f"{compact} ■ "),
            ):
                if len(left) + len(right) + 1 <= width:
                    break
            title_room = max(0, width - len(left) - len(right) - 1)
            title = state.title[:title_room]
            return Text(left + title.ljust(title_room) + " " + right, no_wrap=True)
        if width - len(right) - 2 < TITLE_ROOM:
            right = _clocks(state, verdict, compact=True)
        mode = "REHEARSAL · " if state.rehearsal and state.real_time_of_day_ns is None else ""
        left = f" {mode}{state.title.upper()}"
        room = max(0, width - len(right) - 2)
        if len(left) > room:
            left = left[: max(0, room - 2)] + "… "
        text = Text(left.ljust(room) + right + " ", no_wrap=True)
        if state.real_time_of_day_ns is not None:  # the rehearsal clock stands out from the real time beside it
            text.stylize("bold reverse", room, room + right.index("  "))
        if verdict.startswith("OVER"):
            text.stylize("bold yellow", len(text) - len(verdict) - 1, len(text) - 1)  # the word says it too
        return text


TITLE_ROOM = 16
"""Below this many columns for the title, the clocks are written compactly (the clocks matter more)."""


def _clocks(state: HeaderState, verdict: str, *, compact: bool) -> str:
    """The right-hand side: the time (or the rehearsal clock and the real time), show elapsed, over/under."""
    gap = "  " if compact else "   "
    parts = []
    if state.real_time_of_day_ns is None:
        parts.append(time_of_day(state.time_of_day_ns))
    else:
        speed = f" ×{state.speed}" if state.speed != 1 else ""
        real = time_of_day(state.real_time_of_day_ns)
        parts.append(f"REHEARSAL CLOCK {time_of_day(state.time_of_day_ns)}{speed}")
        parts.append(f"real {real[:5] if compact else real}")
    parts.append(f"show {clock(state.show_elapsed_ns)}")
    if verdict:
        parts.append(verdict)
    return gap.join(parts)
