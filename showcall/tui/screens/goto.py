"""Provides `GoToScreen` (`g`, rehearsal only): pick a segment or a cue to take the rehearsal from, then confirm.

The list starts with every segment and its planned start; typing narrows it to the segments whose id or
title has the words, then the cues found as `/` finds them. Enter chooses; the confirmation says what will
happen (every cue back to pending, the ones before it passed, the rehearsal clock set) and `y` does it.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from showcall.compile.plan import Plan
from showcall.engine.rehearsal import RehearsalPoint, rehearsal_point
from showcall.model.times import format_time_of_day
from showcall.tui.data.find import find_cues


def goto_choices(plan: Plan, query: str, limit: int = 50) -> list[tuple[str, RehearsalPoint]]:
    """(line to show, point) for `query`: matching segments first (all of them for an empty query), then cues."""
    words = query.lower().split()
    found: list[tuple[str, RehearsalPoint]] = []
    for segment in plan.show.segments:
        text = f"{segment.id} {segment.title}".lower()
        if all(word in text for word in words):
            try:
                point = rehearsal_point(plan, segment=segment.id)
            except ValueError:
                continue  # a segment without cues: nothing to take it from
            found.append((f"SEGMENT {segment.id:<10} {segment.title}", point))
    for index in find_cues(plan.cues, query, limit) if words else []:
        cue = plan.cues[index]
        found.append((f"CUE     {cue.cue.dept:<5} {cue.id:<6} {cue.cue.label}", rehearsal_point(plan, cue=cue.id)))
    return [(_with_clock(line, point), point) for line, point in found[:limit]]


def _with_clock(line: str, point: RehearsalPoint) -> str:
    clock = format_time_of_day(point.clock_tod_ns) if point.clock_tod_ns is not None else "--:--:--"
    return f"{clock}  {line}"


class GoToScreen(ModalScreen[RehearsalPoint | None]):
    """Choose where to take the rehearsal from; dismisses with the point once confirmed, or None."""

    DEFAULT_CSS = """
    GoToScreen {
        align: center top;
        & > Vertical {
            width: 90%;
            max-width: 100;
            height: auto;
            max-height: 90%;
            margin-top: 1;
            border: round $accent;
            border-title-align: left;
            background: $surface;
        }
        OptionList { height: auto; max-height: 12; border: none; }
        #confirm { display: none; text-style: bold; padding: 0 1; }
        &.-confirming #confirm { display: block; }
        &.-confirming OptionList, &.-confirming Input { display: none; }
        #hint { color: $text-muted; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Esc: close without going anywhere (while confirming: back to the list).
        Binding("escape", "cancel", "cancel", key_display="esc"),
        # Up / Down: move through the choices while typing.
        Binding("down", "move(1)", "next", show=False),
        Binding("up", "move(-1)", "previous", show=False),
    ]

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
        self.chosen: RehearsalPoint | None = None
        self._points: dict[str, RehearsalPoint] = {}

    def compose(self) -> ComposeResult:
        """The query, the choices, the confirmation (hidden until a choice), a hint."""
        with Vertical() as box:
            box.border_title = "GO TO CUE / SEGMENT (rehearsal)"
            yield Input(placeholder="segment (id or title words), or cue (12, LX 12, label words)")
            yield OptionList()
            yield Static(id="confirm")
            yield Static("⏎ choose   ↑↓ choices   esc cancel", id="hint")

    def on_mount(self) -> None:
        """Every segment, before anything is typed."""
        self._fill("")

    @on(Input.Changed)
    def _search(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        self._points = {}
        for number, (line, point) in enumerate(goto_choices(self.plan, query)):
            self._points[str(number)] = point
            options.add_option(Option(line, id=str(number)))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Submitted)
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        point = self._points.get(option_id or "")
        if point is None:
            return
        self.chosen = point
        clock = (
            f"The rehearsal clock is set to {format_time_of_day(point.clock_tod_ns)}."
            if point.clock_tod_ns is not None
            else "The clock is left as it is (the show has no planned time there)."
        )
        self.query_one("#confirm", Static).update(
            f"Take it from {point.describe()}?\n\n"
            f"Anything pending is cancelled and every cue goes back to pending; the cues before {point.cue} are "
            f"passed (not fired). {clock} Time cues are armed from there.\n\n"
            "y  take it from there     n / esc  back"
        )
        self.query_one("#hint", Static).update("")
        self.add_class("-confirming")
        self.focus()

    def on_key(self, event: events.Key) -> None:
        """While confirming, y takes it from there and n goes back to the list."""
        if not self.has_class("-confirming") or event.key not in {"y", "n"}:
            return
        event.stop()
        if event.key == "y":
            self.dismiss(self.chosen)
        else:
            self._back()

    def _back(self) -> None:
        self.chosen = None
        self.remove_class("-confirming")
        self.query_one("#hint", Static).update("⏎ choose   ↑↓ choices   esc cancel")
        self.query_one(Input).focus()

    def action_move(self, step: int) -> None:
        """Highlight the next or previous choice."""
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_cancel(self) -> None:
        """Back to the list when confirming; else close, going nowhere."""
        if self.has_class("-confirming"):
            self._back()
        else:
            self.dismiss(None)
