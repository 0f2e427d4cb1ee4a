"""Provides `LinkBar`: one line under the header of a main or backup console: who is live, and the link.

`LIVE` (green: this console sends to the devices), `BACKUP` (blue: it follows the main, muted), `HOLDING`
(red: live, but its sends are held back because its backup stopped answering), `MUTED` (amber: following no
one). Then the other console, how long since it was heard, how far behind this copy of the show is (and how
exact the clock conversion is), when a silent main will be taken over, and the last thing the link said.
Colour is never the only signal: the word says it.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from showcall.backup.status import LinkStatus, Role


def _ms(ns: int | None) -> str:
    if ns is None:
        return "-"
    return f"{ns / 1e6:.0f} ms" if ns >= 10_000_000 else f"{ns / 1e6:.1f} ms"


def link_line(status: LinkStatus) -> Text:
    """The bar's words for `status`."""
    text = Text(no_wrap=True, overflow="ellipsis")
    label = status.label
    text.append(f" {label} ", style="bold reverse")
    if status.role is Role.LIVE:
        who = f" {status.side}, term {status.term}"
        if not status.connected:
            text.append(f"{who} · no backup linked ({status.peer})")
        elif status.holding:
            text.append(f"{who} · backup silent for {_ms(status.heard_ns)}: sends HELD BACK · T goes on alone")
        else:
            text.append(f"{who} · backup {status.peer} answers in {_ms(status.heard_ns)} · T hands over")
    elif status.role is Role.FOLLOWING:
        link = "linked" if status.connected else "LINK LOST"
        text.append(f" following {status.peer} ({link}) · heard {_ms(status.heard_ns)} ago")
        if status.lag_ns is not None:
            text.append(f" · behind {_ms(status.lag_ns)} (±{_ms(status.offset_error_ns)})")
        if status.takeover_in_ns is not None and status.heard_ns is not None and status.heard_ns > 100_000_000:
            text.append(f" · takes over in {status.takeover_in_ns / 1e9:.1f} s", style="bold")
        elif not status.armed:
            text.append(" · not armed: T takes over by hand")
        else:
            text.append(" · T takes over")
    else:
        text.append(f" {status.side}: following no one ({status.peer}) · T takes over")
    if status.doubts:
        text.append(f" · {len(status.doubts)} sends in doubt: T to decide", style="bold")
    elif status.note:
        text.append(f" · {status.note}", style="dim")
    return text


class LinkBar(Widget):
    """The link's line (see module docstring)."""

    DEFAULT_CSS = """
    LinkBar {
        height: 1;
        background: $boost;
        &.-live { background: $success-darken-2; }
        &.-backup { background: $primary-darken-2; }
        &.-holding { background: $error; }
        &.-muted { background: $warning-darken-2; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown = Text("")

    def show(self, status: LinkStatus) -> None:
        """Draw `status` (only when the words changed)."""
        text = link_line(status)
        for label in ("live", "backup", "holding", "muted"):
            self.set_class(status.label.lower() == label, f"-{label}")
        if text != self._shown:
            self._shown = text
            self.refresh()

    def render(self) -> Text:
        """The last line drawn."""
        return self._shown
