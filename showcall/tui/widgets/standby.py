"""Provides `StandbyPanel`: what is on standby, what to read out, who is standing by, and GO's outcome.

The box's title and colour say what happened to the last GO: amber STANDBY, green GO taken, red
GO REFUSED with the reason in words, red HOLD, red PANIC. Under the cue: the standby text to read
out, each department's cue light, the countdown to the next automatic cue, then as many extra
lines as fit, most urgent first: a refusal, a hold, a device down that the standby cue uses, the
acknowledge prompt, the cue's notes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from showcall.engine.snapshot import CueSnapshot, Light
from showcall.tui.data.feed import Indicator

LIGHT_MARK = {Light.STANDBY: "▣", Light.ACKED: "■", Light.GO: "●", Light.IDLE: "·"}
LIGHT_WORD = {Light.STANDBY: "standby", Light.ACKED: "acked", Light.GO: "GO", Light.IDLE: ""}


@dataclass(frozen=True)
class LightState:
    """One department's cue light and its acknowledge key."""

    dept: str
    light: Light
    key: str | None = None


@dataclass(frozen=True)
class StandbyState:
    """Everything the box shows."""

    indicator: Indicator
    cue: CueSnapshot | None
    standby_text: str = ""
    lights: tuple[LightState, ...] = ()
    next_auto: str = ""
    notes: str = ""
    refused_command: str = ""
    refused_reason: str = ""
    go_text: str = ""
    devices_down: tuple[str, ...] = ()
    ack_prompt: str = ""
    flash_on: bool = True


class StandbyPanel(Widget):
    """The standby box (see module docstring)."""

    DEFAULT_CSS = """
    StandbyPanel {
        height: 6;
        border: round $warning;
        border-title-align: left;
        border-title-style: bold;
        border-title-color: $warning;
        padding: 0 1;
        &.-go { border: heavy $success; border-title-color: $success; background: $success 15%; }
        &.-refused { border: heavy $error; border-title-color: $error; background: $error 15%; }
        &.-held { border: heavy $error; border-title-color: $error; }
        &.-end { border: round $primary; border-title-color: $primary; }
        .-dim { color: $text-muted; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state: StandbyState | None = None

    def show(self, state: StandbyState) -> None:
        """Draw `state` (only when something changed)."""
        if state == self.state:
            return
        self.state = state
        indicator = state.indicator
        self.set_class(indicator is Indicator.GO, "-go")
        self.set_class(indicator is Indicator.REFUSED, "-refused")
        self.set_class(indicator in {Indicator.HELD, Indicator.PANIC}, "-held")
        self.set_class(indicator is Indicator.END, "-end")
        self.border_title = self._title(state)
        self.refresh()

    @staticmethod
    def _title(state: StandbyState) -> str:
        indicator = state.indicator
        if indicator is Indicator.GO:
            return f" GO ▸ {state.go_text.removeprefix('GO ')} "
        if indicator is Indicator.REFUSED:
            return f" {state.refused_command.upper()} REFUSED "
        if indicator is Indicator.PANIC:
            return " PANIC · ALL STOP SENT · HOLD "
        if indicator is Indicator.HELD:
            return " HOLD "
        if indicator is Indicator.END:
            return " END OF SHOW "
        return " STANDBY "

    def render(self) -> Text:
        """The cue line, the standby text, the lights, then the extras that fit."""
        state = self.state
        if state is None:
            return Text("")
        width = max(10, self.content_region.width)
        rows = max(1, self.content_region.height)
        lines = [self._cue_line(state, width), self._read_out(state), self._lights(state, width)]
        lines += self._extras(state)
        return Text("\n").join(line for line in lines[:rows])

    @staticmethod
    def _cue_line(state: StandbyState, width: int) -> Text:
        cue = state.cue
        if cue is None:
            return Text("■ End of show: nothing on standby", style="bold")
        left = Text.assemble(("▶ ", "bold"), (f"{cue.dept} {cue.id}", "bold reverse"), "  ", cue.label)
        right = cue.trigger
        room = width - len(right) - 1
        left.truncate(room, overflow="ellipsis")
        left.pad_right(room - left.cell_len)
        return Text.assemble(left, " ", right, no_wrap=True)

    @staticmethod
    def _read_out(state: StandbyState) -> Text:
        if state.cue is None:
            return Text("")
        return Text(f'  "{state.standby_text}"', style="italic", no_wrap=True, overflow="ellipsis")

    @staticmethod
    def _lights(state: StandbyState, width: int) -> Text:
        lights = sorted(state.lights, key=lambda light: light.light is Light.IDLE)  # the ones that matter first
        text = Text("  ", no_wrap=True, overflow="ellipsis")
        tail = f" │ next auto: {state.next_auto}" if state.next_auto else ""
        for light in lights:
            mark, word = LIGHT_MARK[light.light], LIGHT_WORD[light.light]
            style = ""
            if light.light is Light.STANDBY:
                style = "bold red reverse" if state.flash_on else "bold red"
            elif light.light is Light.ACKED:
                style = "bold red"
            elif light.light is Light.GO:
                style = "bold green"
            else:
                style = "dim"
            piece = Text.assemble((f"{light.dept} {mark}", style), f" {word}" if word else "", "  ")
            if text.cell_len + piece.cell_len + len(tail) > width and light.light is Light.IDLE:
                break
            text.append_text(piece)
        text.rstrip()
        if tail:
            text.pad_right(max(0, width - text.cell_len - len(tail)))
            text.append(tail, style="bold" if state.next_auto else "")
        return text

    @staticmethod
    def _extras(state: StandbyState) -> list[Text]:
        extras: list[Text] = []
        if state.indicator is Indicator.REFUSED:
            extras.append(Text(f"✕ {state.refused_command.upper()} REFUSED: {state.refused_reason}", style="bold"))
        if state.ack_prompt:
            extras.append(Text(state.ack_prompt, style="bold reverse"))
        if state.indicator is Indicator.PANIC:
            extras.append(Text("■ PANIC: every pending send cancelled, stop messages sent. h resumes.", style="bold"))
        elif state.indicator in {Indicator.HELD} or (
            state.indicator is Indicator.REFUSED and "held" in state.refused_reason
        ):
            extras.append(Text("■ HELD: countdowns stopped, nothing automatic fires. h resumes.", style="bold"))
        for down in state.devices_down:
            extras.append(Text(f"✕ DEVICE DOWN {down}", style="bold red"))
        if state.notes:
            extras.append(Text(f"  notes: {state.notes}", no_wrap=True, overflow="ellipsis"))
        return extras
