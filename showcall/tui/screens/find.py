"""Provides `FindScreen`: type a cue number or words of its label, Enter selects the cue."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from showcall.engine.engine import Engine
from showcall.tui.data.find import find_cues


class FindScreen(ModalScreen[int | None]):
    """Find a cue; dismisses with its index, or None when cancelled."""

    DEFAULT_CSS = """
    FindScreen {
        align: center top;
        & > Vertical {
            width: 90%;
            max-width: 100;
            height: auto;
            max-height: 80%;
            margin-top: 2;
            border: round $accent;
            border-title-align: left;
            background: $surface;
        }
        OptionList { height: auto; max-height: 14; border: none; }
        #hint { color: $text-muted; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Esc: close without selecting anything.
        Binding("escape", "cancel", "cancel", key_display="esc"),
        # Up / Down: move through the matches while typing.
        Binding("down", "move(1)", "next match", show=False),
        Binding("up", "move(-1)", "previous match", show=False),
    ]

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    def compose(self) -> ComposeResult:
        """The query, the matches, a hint."""
        with Vertical() as box:
            box.border_title = "FIND A CUE"
            yield Input(placeholder="cue number (12, LX 12) or words of its label")
            yield OptionList()
            yield Static("⏎ select (then ⏎ on the console puts it on standby)   ↑↓ matches   esc cancel", id="hint")

    @on(Input.Changed)
    def _search(self, event: Input.Changed) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for index in find_cues(self.engine.plan.cues, event.value):
            cue = self.engine.plan.cues[index]
            options.add_option(Option(f"{cue.cue.dept:<5} {cue.id:<8} {cue.cue.label}", id=str(index)))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Submitted)
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        self._choose(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        if option_id is not None:
            self.dismiss(int(option_id))

    def action_move(self, step: int) -> None:
        """Highlight the next or previous match."""
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_cancel(self) -> None:
        """Close, selecting nothing."""
        self.dismiss(None)
