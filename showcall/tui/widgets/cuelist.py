"""Provides `CueList`: the show's cues, drawn line by line so a 10,000-cue show costs what is visible.

Only the rows on screen are ever rendered (Textual's line API: `render_line` per visible line),
each from the cue's `CueSnapshot` in the latest show snapshot, and a rendered row is kept until its cue, the
cursor, the playhead or the width changes. An event touching one cue refreshes that one line.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from showcall.engine.snapshot import CueSnapshot, CueState
from showcall.tui.data.text import ellipsize, lateness

MARKER, CUE, DEPT, TRIGGER, STATE, LATE = 2, 7, 6, 15, 10, 8
"""Column widths; the label takes what is left."""
FIXED = MARKER + CUE + DEPT + TRIGGER + STATE + LATE
CACHE_ROWS = 400
"""Rendered rows kept; several screens' worth, so scrolling back and forth does not re-render."""


def state_word(view: CueSnapshot, *, standby: bool = False) -> str:
    """The word in the STATE column (colour is never the only signal)."""
    if standby:
        return "STANDBY"
    if view.state is CueState.PENDING and view.missed:
        return "missed"
    if view.state is CueState.PENDING and view.passed:
        return "passed"  # moved past without firing (skip, a jump, a rehearsal taken from later on)
    if view.state is CueState.FAILED:
        return "FAILED"
    return view.state.value


class CueList(ScrollView, can_focus=False):
    """The cue list with its column header; `playhead` and `cursor` are cue indexes.

    It takes no keys itself (the screen's bindings drive it), so Space and the arrows always
    mean the same thing whatever has focus.
    """

    COMPONENT_CLASSES = {  # noqa: RUF012 - Textual's declared class attribute
        "cue-list--header",
        "cue-list--playhead",
        "cue-list--cursor",
        "cue-list--done",
        "cue-list--armed",
        "cue-list--fired",
        "cue-list--failed",
        "cue-list--trigger",
    }

    DEFAULT_CSS = """
    CueList {
        height: 1fr;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
        & > .cue-list--header { text-style: bold; color: $text-muted; }
        & > .cue-list--playhead { background: $warning 25%; text-style: bold; }
        & > .cue-list--cursor { background: $accent 40%; }
        & > .cue-list--done { color: $text-muted; }
        & > .cue-list--armed { color: $accent; }
        & > .cue-list--fired { color: $success; text-style: bold; }
        & > .cue-list--failed { color: $error; text-style: bold; }
        & > .cue-list--trigger { color: $text-muted; }
    }
    """

    playhead: reactive[int] = reactive(0, layout=False, repaint=False)
    cursor: reactive[int] = reactive(0, layout=False, repaint=False)

    class RowClicked(Message):
        """The caller clicked a cue's row (it becomes the selected cue)."""

        def __init__(self, index: int) -> None:
            self.index = index
            super().__init__()

    def __init__(self, count: int, view: Callable[[int], CueSnapshot], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.count = count
        self._view = view
        self._cache: dict[int, tuple[tuple[int, bool, bool, CueSnapshot], Strip]] = {}
        self.virtual_size = Size(0, count + 1)

    # ---- geometry -----------------------------------------------------------------------------

    @property
    def rows_visible(self) -> int:
        """How many cue rows fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def first_visible(self) -> int:
        """The index of the top visible cue."""
        return round(self.scroll_offset.y)

    def is_visible(self, index: int) -> bool:
        """True when cue `index` is on screen."""
        return self.first_visible <= index < self.first_visible + self.rows_visible

    def show(self, index: int, *, context: int | None = None) -> None:
        """Scroll so cue `index` is visible, with `context` rows of what came before it above it."""
        rows = self.rows_visible
        above = min(2, max(0, (rows - 1) // 4)) if context is None else context
        top = self.first_visible
        if index < top + above or index >= top + rows:
            self.scroll_to(y=max(0, index - above), animate=False, immediate=True)

    # ---- refreshing ---------------------------------------------------------------------------

    def refresh_rows(self, indexes: set[int]) -> None:
        """Redraw these cues' lines if they are on screen."""
        for index in indexes:
            self._cache.pop(index, None)
            if self.is_visible(index):
                self.refresh_line(index + 1)  # virtual line: the header is line 0

    def refresh_visible(self) -> None:
        """Redraw the visible lines whose cue changed (a GO changes a few rows: the rest stay drawn)."""
        width = self.scrollable_content_region.width
        top = self.first_visible
        for index in range(top, min(self.count, top + self.rows_visible)):
            cached = self._cache.get(index)
            key = (width, index == self.cursor, index == self.playhead, self._view(index))
            if cached is None or cached[0] != key:
                self.refresh_line(index + 1)

    def watch_playhead(self, old: int, new: int) -> None:
        self.refresh_rows({old, new})

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_rows({old, new})

    # ---- rendering ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """The header at the top line, then one cue per line from the scroll position."""
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        index = self.first_visible + y - 1
        if index >= self.count:
            return Strip.blank(width, self.rich_style)
        view = self._view(index)
        key = (width, index == self.cursor, index == self.playhead, view)
        cached = self._cache.get(index)
        if cached is not None and cached[0] == key:
            return cached[1]
        if len(self._cache) > CACHE_ROWS:
            self._cache.clear()
        strip = self._row(view, width, cursor=index == self.cursor, standby=index == self.playhead)
        self._cache[index] = (key, strip)
        return strip

    def _header(self, width: int) -> Strip:
        style = self.get_component_rich_style("cue-list--header")
        label = max(5, width - FIXED)
        text = (
            " " * MARKER + "CUE".ljust(CUE) + "DEPT".ljust(DEPT) + "LABEL".ljust(label)
            + "TRIGGER".ljust(TRIGGER) + "STATE".ljust(STATE) + "LATE".rjust(LATE - 1)
        )  # fmt: skip
        return Strip([Segment(text[:width], style)]).adjust_cell_length(width, self.rich_style)

    def _row(self, view: CueSnapshot, width: int, *, cursor: bool, standby: bool) -> Strip:
        base = self.rich_style
        if standby:
            base += self.get_component_rich_style("cue-list--playhead")
        if cursor and not standby:
            base += self.get_component_rich_style("cue-list--cursor")
        state = state_word(view, standby=standby)
        state_style = Style()
        if (view.state is CueState.COMPLETE or state == "passed") and not standby:
            base += self.get_component_rich_style("cue-list--done")
        elif view.state is CueState.ARMED:
            state_style = self.get_component_rich_style("cue-list--armed")
        elif view.state is CueState.FIRED:
            state_style = self.get_component_rich_style("cue-list--fired")
        elif view.state is CueState.FAILED or state == "missed":
            state_style = self.get_component_rich_style("cue-list--failed")
        marker = "▶ " if standby else ("› " if cursor else "  ")
        label = max(5, width - FIXED)
        text = Text.assemble(
            marker,
            ellipsize(view.id, CUE - 1).ljust(CUE),
            view.dept.ljust(DEPT),
            ellipsize(view.label, label - 1).ljust(label),
            (ellipsize(view.trigger, TRIGGER - 1).ljust(TRIGGER), self.get_component_rich_style("cue-list--trigger")),
            (state.ljust(STATE), state_style),
            lateness(view.max_late_us).rjust(LATE - 1),
            style=base,
            no_wrap=True,
        )
        return Strip(text.render(self.app.console)).adjust_cell_length(width, base)

    def on_click(self, event: events.Click) -> None:
        """A click on a row selects that cue."""
        if event.y < 1:
            return
        index = self.first_visible + event.y - 1
        if 0 <= index < self.count:
            self.post_message(self.RowClicked(index))
