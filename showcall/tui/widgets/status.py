"""Provides the status lines under the cue list: the segment clock line and the health line.

The segment line: current segment elapsed / planned (remaining or over), the next segment, and
timecode when the show uses it. The health line: every device's mark and the timing core's
figures. Each mark has its own symbol and, when a device is down, the reason in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from showcall.engine.snapshot import ClockSnapshot
from showcall.tui.data.feed import DeviceHealth
from showcall.tui.data.text import clock, ellipsize, lateness, signed

DEVICE_MARK = {"online": "●", "offline": "✕", "connecting": "◌"}
SIM_MARK = "◇"


def device_mark(device: DeviceHealth) -> str:
    """`●` online, `◇` simulator, `◌` connecting, `✕` offline."""
    if device.simulated and device.status != "offline":
        return SIM_MARK
    return DEVICE_MARK.get(device.status, "?")


def device_style(device: DeviceHealth) -> str:
    """Red when down, amber while connecting, green when up."""
    if device.status == "offline":
        return "bold red"
    if device.status == "connecting":
        return "yellow"
    return "green"


@dataclass(frozen=True)
class TimingState:
    """The timing figures the console shows."""

    last_cue: str | None
    last_cue_late_us: float | None
    p50_us: float | None
    p99_us: float | None
    max_us: float | None
    window: int
    priority: str
    realtime: bool
    mode: str
    late_sends: int
    last_late: str
    late_over_5ms: int = 0
    restarts: int = 0


class SegmentLine(Widget):
    """The run-of-show clock line."""

    DEFAULT_CSS = """
    SegmentLine { height: 1; background: $boost; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content = Text("")

    def show(self, clocks: ClockSnapshot, timecode: str | None) -> None:
        """Draw the segment line from `clocks` (and `timecode`, if the show uses it)."""
        text = Text(no_wrap=True, overflow="ellipsis")
        segment = clocks.segment
        if segment is None:
            text.append(" SEGMENT ", style="bold")
            text.append("show not started" if clocks.show_elapsed_ns is None else "none (this show has no run of show)")
        else:
            text.append(" SEGMENT ", style="bold")
            text.append(f"{segment.title} ")
            planned = clock(segment.planned_duration_ns) if segment.planned_duration_ns is not None else "-:--"
            text.append(f"{clock(clocks.segment_elapsed_ns)} / {planned}", style="bold")
            over = clocks.segment_over_ns
            if over is not None and over > 0:
                text.append(f" ({signed(over)} over)", style="bold red")
            elif clocks.segment_remaining_ns is not None:
                text.append(f" ({clock(clocks.segment_remaining_ns)} left)")
        if clocks.next_segment is not None:
            text.append("   NEXT ", style="bold")
            text.append(clocks.next_segment.title)
        if timecode is not None:
            tc = Text.assemble(("   TC ", "bold"), timecode)
            room = self.size.width - tc.cell_len
            if room > 10:
                text.truncate(room, overflow="ellipsis")
                text.pad_right(room - text.cell_len)
            text.append_text(tc)
        if text != self.content:
            self.content = text
            self.refresh()

    def render(self) -> Text:
        """The line."""
        return self.content


class HealthLine(Widget):
    """Devices and timing on one line (the side panel has the details when there is room)."""

    DEFAULT_CSS = """
    HealthLine { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content = Text("")

    def show(self, devices: list[DeviceHealth], timing: TimingState, web: str | None = None) -> None:
        """Draw the device marks, the connected browser views (`web 3`) and the timing figures."""
        width = self.size.width
        right = Text(no_wrap=True)
        right.append("TIMING ", style="bold")
        p99 = lateness(timing.p99_us).lstrip("+") if timing.p99_us is not None else "-"
        right.append(f"p99 {p99}")
        right.append(f"  RT {'yes' if timing.realtime else 'no'}")
        if timing.late_sends:
            right.append(f"  ⚠ {timing.late_sends} late>1ms", style="bold red")
        right.append(" ")
        left = Text(" DEVICES", style="bold", no_wrap=True, overflow="ellipsis")
        for device in devices:
            left.append(f" {device.name} ")
            left.append(device_mark(device), style=device_style(device))
            if device.status == "offline":
                left.append(" " + ellipsize(device.detail or "offline", 18), style="bold red")
        if web is not None:
            left.append(f"  {web}", style="bold")
        room = max(0, width - right.cell_len - 1)
        left.truncate(room, overflow="ellipsis")
        left.pad_right(room - left.cell_len + 1)
        text = left + right
        if text != self.content:
            self.content = text
            self.refresh()

    def render(self) -> Text:
        """The line."""
        return self.content
