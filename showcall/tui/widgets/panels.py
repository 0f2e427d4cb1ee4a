"""Provides the side panels for larger screens: device health and timing health in detail.

Their heights are fixed (three lines a device, four of timing), so new figures only repaint
them: in Textual a height that follows the content re-lays out the whole screen on every change.

A device's block: its mark and state (and the reason when it is down), where it is, the last
message sent to it and how long ago, and the last feedback it sent back. Timing: the last cue's
lateness, the running p50/p99/max, what priority the core got, and late sends called out.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from showcall.tui.data.feed import DeviceHealth
from showcall.tui.data.text import clock, ellipsize, lateness
from showcall.tui.widgets.status import TimingState, device_mark, device_style


def _ago(now_ns: int, then_ns: int | None) -> str:
    if then_ns is None:
        return ""
    return f"{clock(now_ns - then_ns)} ago"


class DevicePanel(Widget):
    """Every device, three lines each."""

    DEFAULT_CSS = """
    DevicePanel {
        max-height: 50%;
        border-top: solid $primary;
        border-title-align: left;
        padding: 0 1;
    }
    """

    def __init__(self, devices: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "DEVICES"
        self.content = Text("")
        self.styles.height = 3 * devices + 1  # + the title rule

    def show(self, devices: list[DeviceHealth], now_ns: int) -> None:
        """Draw `devices` (ages are measured to `now_ns`)."""
        width = max(20, self.content_region.width)
        text = Text(no_wrap=True, overflow="ellipsis")
        for n, device in enumerate(devices):
            if n:
                text.append("\n")
            state = "simulator" if device.simulated and device.status == "online" else device.status
            if device.status == "offline" and device.detail:
                state += f": {device.detail}"
            text.append(f"{device.name:<8}", style="bold")
            text.append(f"{device_mark(device)} {state}", style=device_style(device))
            text.append(f"  {device.where}", style="dim")
            if device.failed:
                text.append(f"  {device.failed} failed", style="bold red")
            sent = ellipsize(device.last_sent, width - 26) if device.last_sent else "nothing yet"
            text.append(f"\n  sent     {sent}  ")
            text.append(_ago(now_ns, device.last_sent_ns), style="dim")
            feedback = ellipsize(device.last_feedback, width - 26) if device.last_feedback else "none"
            text.append(f"\n  feedback {feedback}  ")
            text.append(_ago(now_ns, device.last_feedback_ns), style="dim")
        if text != self.content:
            self.content = text
            self.refresh()

    def render(self) -> Text:
        """The blocks."""
        return self.content


class TimingPanel(Widget):
    """The timing core's figures."""

    DEFAULT_CSS = """
    TimingPanel {
        height: 5;
        border-top: solid $primary;
        border-title-align: left;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "TIMING"
        self.content = Text("")

    def show(self, timing: TimingState) -> None:
        """Draw `timing`."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("last cue ", style="bold")
        if timing.last_cue is None:
            text.append("none yet")
        else:
            text.append(f"{timing.last_cue} {lateness(timing.last_cue_late_us) or 'not sent yet'}")
        text.append("\np50 ", style="bold")
        text.append(lateness(timing.p50_us).lstrip("+") or "-")
        text.append("  p99 ", style="bold")
        text.append(lateness(timing.p99_us).lstrip("+") or "-")
        text.append("  max ", style="bold")
        text.append(lateness(timing.max_us).lstrip("+") or "-")
        text.append(f"  (last {timing.window} sends)", style="dim")
        text.append("\ncore ", style="bold")
        text.append(f"{timing.priority or 'starting'}  real-time {'yes' if timing.realtime else 'no'}  {timing.mode}")
        if timing.restarts:
            text.append(f"  restarted {timing.restarts}×", style="bold red")
        text.append("\n")
        if timing.late_sends:
            text.append(f"⚠ {timing.late_sends} sends late by more than 1 ms", style="bold red")
            if timing.last_late:
                text.append(f" (last: {timing.last_late})", style="red")
        else:
            text.append("no send late by more than 1 ms", style="green")
        if text != self.content:
            self.content = text
            self.refresh()

    def render(self) -> Text:
        """The figures."""
        return self.content
