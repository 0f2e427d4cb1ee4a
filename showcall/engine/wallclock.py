"""Provides time-of-day arithmetic for `at` cues, correct across midnight.

Times of day in a show belong to the "show day": the 24 hours from 12 hours before the show's
planned start to 12 hours after it. So for a 22:00 show, 00:10 is ten past midnight after the
show starts, and for a 09:00 show run at 15:00, 09:30 has passed.
"""

from __future__ import annotations

from showcall.model.times import show_relative

__all__ = ["show_relative", "until"]


def until(target_tod_ns: int, now_tod_ns: int, anchor_ns: int) -> int:
    """Nanoseconds from now until `target_tod_ns` in the show day (negative when it has passed)."""
    return show_relative(target_tod_ns, anchor_ns) - show_relative(now_tod_ns, anchor_ns)
