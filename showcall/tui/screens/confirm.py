"""Provides `QuitScreen`: "quit while the show is running?", answered y or n."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class QuitScreen(ModalScreen[bool]):
    """Asks before quitting a running show; dismisses with True to quit."""

    DEFAULT_CSS = """
    QuitScreen {
        align: center middle;
        & > Vertical {
            width: 60;
            height: auto;
            border: heavy $error;
            background: $surface;
            padding: 1 2;
        }
        #question { text-style: bold; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # y: yes, stop the show (nothing more fires) and leave the console.
        Binding("y", "answer(True)", "quit the show"),
        # n / Esc: no, back to the console; the show carries on untouched.
        Binding("n,escape", "answer(False)", "stay", key_display="n"),
    ]

    def compose(self) -> ComposeResult:
        """The question and the two answers."""
        with Vertical():
            yield Static("Quit while the show is running?", id="question")
            yield Static(
                "Cues waiting to fire (follows, timed cues) will not fire.\n\n"
                "[b]y[/b] quit the show     [b]n[/b] or [b]Esc[/b] stay"
            )

    def action_answer(self, quit_show: bool) -> None:
        """Dismiss with the answer."""
        self.dismiss(quit_show)
