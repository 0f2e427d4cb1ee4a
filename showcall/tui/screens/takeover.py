"""Provides the link's questions: `LinkScreen` (take over, hand over, go on alone?), `DoubtScreen` (the sends
the main may have made before it fell silent: fire them or skip them), and `LinkKeys`, what `T` does."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from showcall.backup.gate import Doubt
from showcall.backup.node import LinkNode
from showcall.backup.status import LinkStatus, Role


class LinkScreen(ModalScreen[bool]):
    """Asks before the link changes who is live; dismisses with True to go ahead."""

    DEFAULT_CSS = """
    LinkScreen {
        align: center middle;
        & > Vertical { width: 70; height: auto; border: heavy $warning; background: $surface; padding: 1 2; }
        #question { text-style: bold; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # y: yes, change who is live as asked.
        Binding("y", "answer(True)", "yes"),
        # n / Esc: no, nothing changes.
        Binding("n,escape", "answer(False)", "no", key_display="n"),
    ]

    def __init__(self, question: str, explanation: str) -> None:
        super().__init__()
        self.question = question
        self.explanation = explanation

    def compose(self) -> ComposeResult:
        """The question, what it does, the answers."""
        with Vertical():
            yield Static(self.question, id="question", markup=False)
            yield Static(self.explanation + "\n", markup=False)
            yield Static("[b]y[/b] yes     [b]n[/b] or [b]Esc[/b] no")

    def action_answer(self, yes: bool) -> None:
        """Dismiss with the answer."""
        self.dismiss(yes)


class DoubtScreen(ModalScreen[str | None]):
    """Lists the sends in doubt after a take-over; dismisses with "fire", "skip", or None (decide later)."""

    DEFAULT_CSS = """
    DoubtScreen {
        align: center middle;
        & > Vertical { width: 76; height: auto; max-height: 90%; border: heavy $error; background: $surface;
                       padding: 1 2; }
        #question { text-style: bold; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # f: fire them now (late): right when the main died before sending them.
        Binding("f", "answer('fire')", "fire them"),
        # s: skip them: right when the main sent them (it was cut off, not dead).
        Binding("s", "answer('skip')", "skip them"),
        # Esc: decide later (they wait; T asks again).
        Binding("escape", "answer(None)", "later", key_display="Esc"),
    ]

    def __init__(self, doubts: tuple[Doubt, ...], now_ns: int) -> None:
        super().__init__()
        self.doubts = doubts
        self.now_ns = now_ns

    def compose(self) -> ComposeResult:
        """The sends, why they are in doubt, the answers."""
        lines = [
            f"  cue {d.cue} to {d.device}, due {(self.now_ns - d.due_ns) / 1e9:.2f} s ago" for d in self.doubts[:12]
        ]
        if len(self.doubts) > 12:
            lines.append(f"  ... and {len(self.doubts) - 12} more")
        with Vertical():
            yield Static(f"{len(self.doubts)} sends the main may already have made", id="question", markup=False)
            yield Static(
                "They were due before the main's lease ran out and it never reported them. If the main died, "
                "they never went: fire them. If it was only cut off, it sent them: skip them.\n\n"
                + "\n".join(lines)
                + "\n",
                markup=False,
            )
            yield Static("[b]f[/b] fire them now     [b]s[/b] skip them     [b]Esc[/b] later")

    def action_answer(self, answer: str | None) -> None:
        """Dismiss with the answer."""
        self.dismiss(answer)


class LinkKeys:
    """What `T` does on a linked console, and the question about sends in doubt asked once each time.

    The main screen owns one; `press()` is the key, `look(status)` runs at every redraw.
    """

    def __init__(self, screen: Screen[None], link: LinkNode, say: Callable[[str], None]) -> None:
        self.screen = screen
        self.link = link
        self.say = say  # a refusal, in words, for the event log and a notification
        self._asked: tuple[Doubt, ...] = ()

    def press(self) -> None:
        """T: decide the sends in doubt, take over, hand over, or go on alone, as the link stands."""
        status = self.link.status()
        app = self.screen.app
        if status.doubts:
            self._ask(status.doubts)
        elif status.role is Role.LIVE and status.holding:
            question = LinkScreen(
                "Go on without the backup?",
                "The backup stopped answering, so this console holds its sends back (the backup may be taking "
                "over). Go on only if the backup is down: if it took over meanwhile, both would be live.",
            )
            app.push_screen(question, lambda yes: self._did(self.link.alone()) if yes else None)
        elif status.role is Role.LIVE:
            question = LinkScreen(
                "Hand the show over to the backup?",
                "This console stops sending, reports every send it made, and the backup goes live from there.",
            )
            app.push_screen(question, lambda yes: self._did(self.link.handover()) if yes else None)
        else:
            question = LinkScreen(
                "Take over: make this console live?",
                "If the live console answers, it stands down first and says what it sent, so nothing is in "
                "doubt. If it is silent, this console goes live once its lease has run out.",
            )
            app.push_screen(question, lambda yes: self._did(self.link.takeover()) if yes else None)

    def look(self, status: LinkStatus) -> None:
        """Ask about new sends in doubt once, as soon as nothing else is on screen."""
        if status.doubts and status.doubts != self._asked and self.screen.app.screen is self.screen:
            self._ask(status.doubts)

    def _ask(self, doubts: tuple[Doubt, ...]) -> None:
        self._asked = doubts
        prompt = DoubtScreen(doubts, time.monotonic_ns())
        self.screen.app.push_screen(prompt, lambda answer: self._did(self.link.takeover(answer)) if answer else None)

    def _did(self, refusal: str | None) -> None:
        if refusal is not None:
            self.say(refusal)
