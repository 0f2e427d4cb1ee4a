"""Provides `HelpScreen` (`?`): every key, the department keys, and what each mark and colour means."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str], ...] = (
    (
        "Space",
        "GO: fire the cue on standby (refused, in red with the reason, while held, at the end, or within go_guard)",
    ),
    ("Esc", "PANIC: cancel every pending send, send every device's stop messages, hold the show"),
    ("h", "HOLD: countdowns stop and nothing automatic fires; h again resumes"),
    ("b", "BACK: standby on the cue before (GO then fires it again)"),
    ("↑ ↓", "move the standby one cue up or down, without firing"),
    ("Enter", "put the selected cue on standby"),
    ("a, then a key", 'that department acknowledges its standby ("standing by")'),
    ("/", "find a cue by number (12, LX 12) or words of its label; it becomes the selected cue"),
    ("PgUp PgDn Home End", "browse the list (moves the selection, not the standby); click a row to select it"),
    ("d", "what changed in the show file since the last run, by department (when it changed)"),
    (
        "g",
        "rehearsal: go to a cue or segment; after y, the rehearsal starts there on its planned time "
        "(not while a cue is running)",
    ),
    ("T", "a main or backup console: take over, hand over, go on alone (asks first; docs/backup.md)"),
    ("l", "event log in place of the cue list (narrow screens; wide screens always show it)"),
    ("?", "this help"),
    ("q", "quit (asks first while the show is running)"),
)

MARKS: tuple[tuple[str, str], ...] = (
    ("▶  STANDBY", "the cue GO fires next (the playhead)"),
    ("›", "the selected cue, when it is not the standby"),
    ("armed / fired / complete", "scheduled to fire by itself / GOne, sending / all sent"),
    ("passed", "the standby was moved past it (skip, a jump, g): not fired; its time trigger stays quiet"),
    ("FAILED / missed", "a send failed or panic stopped it / an 'at' time passed before it was armed: GO fires it"),
    ("LX ▣ standby", "cue light: on standby (flashing)"),
    ("LX ■ acked", "cue light: acknowledged, standing by (steady)"),
    ("LX ● GO", "cue light: their cue just went"),
    ("green box  GO ▸", "your GO was taken"),
    ("red box  GO REFUSED", "GO was not carried out; the box says why"),
    ("red header  HOLD", "the show is held (PANIC · HOLD after a panic)"),
    ("● ◇ ◌ ✕", "device online / simulator / connecting / DOWN (with the reason)"),
    ("OVER +0:42 / UNDER", "how far behind / ahead of the run of show"),
    ("⚠ late>1ms", "a message left more than 1 ms after its deadline"),
)


class HelpScreen(ModalScreen[bool]):
    """The keys and the legend; Esc, ? or q closes it (False), Space closes it to GO (True)."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 90%;
            max-width: 110;
            height: 90%;
            border: round $accent;
            border-title-align: left;
            background: $surface;
            padding: 0 1;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Esc, ?, q: close the help.
        Binding("escape,question_mark,q", "close", "close", key_display="esc"),
        # Space: close the help and GO (GO must never wait for a help page to be closed).
        Binding("space", "close_and_go", "GO", key_display="␣"),
    ]

    def __init__(self, dept_keys: Mapping[str, str]) -> None:
        super().__init__()
        self.dept_keys = dict(dept_keys)

    def compose(self) -> ComposeResult:
        """Three tables: keys, department keys, marks."""
        with VerticalScroll() as box:
            box.border_title = "KEYS AND MARKS  (esc closes)"
            yield Static(_table("KEY", "DOES", KEYS))
            departments = tuple((f"a {key}", f"{dept} acknowledges") for key, dept in self.dept_keys.items())
            yield Static(_table("ACK", "DEPARTMENT", departments))
            yield Static(_table("MARK", "MEANS", MARKS))

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(False)

    def action_close_and_go(self) -> None:
        """Close the help; the console GOes."""
        self.dismiss(True)


def _table(left: str, right: str, rows: tuple[tuple[str, str], ...]) -> Table:
    table = Table(box=None, expand=True, padding=(0, 1), show_edge=False)
    table.add_column(left, style="bold", no_wrap=True)
    table.add_column(right, ratio=1)
    for key, text in rows:
        table.add_row(Text(key), Text(text))
    return table
