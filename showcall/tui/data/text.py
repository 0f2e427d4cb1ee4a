"""Provides the console's ways of writing times, lateness and timecode, in the caller's units."""

from __future__ import annotations

from showcall.model.times import DAY_NS, NS_PER_S, FrameRate
from showcall.protocols.mtc import frame_to_timecode

MINUS = "−"
"""A real minus sign: a hyphen is easy to miss on a dark screen at a glance."""


def clock(ns: int | None) -> str:
    """An elapsed time: `2:13`, `1:02:13`; `-:--` when unknown. Negative values are clamped to 0."""
    if ns is None:
        return "-:--"
    secs = max(0, ns) // NS_PER_S
    hours, rest = divmod(secs, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def signed(ns: int | None) -> str:
    """A signed difference: `+0:42`, `−2:47`, `±0:00` (whole seconds)."""
    if ns is None:
        return "-:--"
    whole = abs(ns) // NS_PER_S
    if whole == 0:
        return "±0:00"
    return ("+" if ns > 0 else MINUS) + clock(whole * NS_PER_S)


def over_under(ns: int | None) -> str:
    """How the show runs against plan, in words: `OVER +0:42`, `UNDER −1:05`, `ON TIME`."""
    if ns is None:
        return ""
    if abs(ns) < NS_PER_S:
        return "ON TIME"
    return f"{'OVER' if ns > 0 else 'UNDER'} {signed(ns)}"


def time_of_day(ns: int) -> str:
    """`19:31:07`."""
    secs = (ns % DAY_NS) // NS_PER_S
    return f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"


def time_of_day_ms(ns: int) -> str:
    """`19:31:07.123`, for the event log."""
    return f"{time_of_day(ns)}.{(ns % NS_PER_S) // 1_000_000:03d}"


def countdown(ns: int) -> str:
    """A countdown with tenths: `0:01.0`, `12:04.5`, `1:02:03.4` (the tenths matter in the last seconds)."""
    tenths = max(0, ns) // 100_000_000
    minutes, rest = divmod(tenths, 600)
    hours, minutes = divmod(minutes, 60)
    head = f"{hours}:{minutes:02d}" if hours else f"{minutes}"
    return f"{head}:{rest // 10:02d}.{rest % 10}"


def lateness(us: float | None) -> str:
    """A send's lateness: `+14µs`, `+1.2ms`, `+2.0s`; empty when unknown."""
    if us is None:
        return ""
    if us < 1000:
        return f"+{us:.0f}µs"
    if us < 1_000_000:
        return f"+{us / 1000:.1f}ms"
    return f"+{us / 1_000_000:.1f}s"


def timecode(frame: int, rate: FrameRate) -> str:
    """`01:00:10:12` for a frame number at `rate`."""
    return str(frame_to_timecode(frame, rate))


def ellipsize(text: str, width: int) -> str:
    """`text` cut to `width` cells with an ellipsis when it does not fit."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: width - 1] + "…"
