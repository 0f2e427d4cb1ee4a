"""Provides how the report writes times, durations, over/under and lateness, the same in text and HTML."""

from __future__ import annotations

import time

from showcall.model.times import NS_PER_S


def clock(wall_ns: int) -> str:
    """A wall time as the local time of day, `HH:MM:SS`."""
    return time.strftime("%H:%M:%S", time.localtime(wall_ns // NS_PER_S))


def date_time(wall_ns: int) -> str:
    """A wall time as the local date and time, `YYYY-MM-DD HH:MM:SS`."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(wall_ns // NS_PER_S))


def time_of_day(tod_ns: int) -> str:
    """A time of day (ns after midnight), `HH:MM:SS`."""
    secs = (tod_ns // NS_PER_S) % 86400
    return f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"


def duration(ns: int) -> str:
    """A duration as a caller reads it: `0.35s`, `12.3s`, `4:05`, `1:04:05`."""
    ns = abs(ns)
    if ns < 10 * NS_PER_S:
        return f"{ns / NS_PER_S:.2f}s"
    if ns < 60 * NS_PER_S:
        return f"{ns / NS_PER_S:.1f}s"
    secs = round(ns / NS_PER_S)
    if secs < 3600:
        return f"{secs // 60}:{secs % 60:02d}"
    return f"{secs // 3600}:{secs // 60 % 60:02d}:{secs % 60:02d}"


def signed(ns: int) -> str:
    """Over/under with its sign: `+0:42` over (behind the plan), `-12.3s` under (ahead), `0.00s` on time."""
    if ns == 0:
        return duration(0)
    return ("+" if ns > 0 else "-") + duration(ns)


def over_under(ns: int) -> str:
    """Over/under in words: `0:42 over`, `12.3s under`."""
    if ns == 0:
        return "on time"
    return f"{duration(ns)} {'over' if ns > 0 else 'under'}"


def micros(us: float) -> str:
    """Lateness: `5µs`, `63µs`, `1.2ms`, `350ms`, `2.5s`."""
    if abs(us) < 1000:
        return f"{us:.0f}µs"
    if abs(us) < 10_000:
        return f"{us / 1000:.1f}ms"
    if abs(us) < 1_000_000:
        return f"{us / 1000:.0f}ms"
    return f"{us / 1_000_000:.1f}s"


def fit(text: str, width: int) -> str:
    """`text` cut to `width` characters, with an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 1] + "…"
