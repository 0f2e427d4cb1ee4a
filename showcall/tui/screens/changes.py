"""Provides `ChangesScreen` (`d`): what changed in the show file since the last run, by department."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class ChangesScreen(ModalScreen[bool]):
    """The list of changes (showcall diff's text); Esc, d or q closes it (False), Space closes it to GO (True)."""

    DEFAULT_CSS = """
    ChangesScreen {
        align: center middle;
        & > VerticalScroll {
            width: 90%;
            max-width: 100;
            height: 90%;
            border: round $warning;
            border-title-align: left;
            background: $surface;
            padding: 0 1;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Esc, d, q: close the list.
        Binding("escape,d,q", "close", "close", key_display="esc"),
        # Space: close the list and GO (GO never waits for a list to be closed).
        Binding("space", "close_and_go", "GO", key_display="␣"),
    ]

    def __init__(self, summary: str, text: str) -> None:
        super().__init__()
        self.summary = summary
        self.text = text

    def compose(self) -> ComposeResult:
        """The changes as `showcall diff` prints them."""
        with VerticalScroll() as box:
            box.border_title = f"{self.summary.upper()}  (esc closes)"
            yield Static(Text(self.text))

    def action_close(self) -> None:
        """Close the list."""
        self.dismiss(False)

    def action_close_and_go(self) -> None:
        """Close the list; the console GOes."""
        self.dismiss(True)
