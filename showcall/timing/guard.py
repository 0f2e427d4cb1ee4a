"""Provides `GuardLearner`: the spin guard widened, within bounds, to cover how late this machine wakes the core.

The core sleeps until `deadline - guard`, then spins. A wake-up later than the guard makes the send late, so
the guard must cover the wake-up tail; but every µs of guard is a µs of spinning per cue. The mode's guard is
a measured default; the learner watches each timed wake-up of this run and, when the recent tail is longer
than the guard, widens it to that tail plus a margin, never beyond `max_ns`, and narrows it again (never
below the mode's guard) once the tail has been short for a whole window. It never makes a send early: the
spin still waits for the deadline.
"""

from __future__ import annotations

from collections import deque

__all__ = ["GuardLearner"]

WINDOW = 256
"""Wake-ups remembered: at a cue every few seconds, several minutes of the show."""
MARGIN_NS = 50_000
"""Added to the longest recent wake-up delay: what the next, unseen one may add."""


class GuardLearner:
    """The guard in force (`guard_ns`), learned from `woke(late_ns)` reports (see module docstring)."""

    def __init__(self, base_ns: int, max_ns: int) -> None:
        self.base_ns = base_ns
        self.max_ns = max(base_ns, max_ns)
        self.guard_ns = base_ns
        self._late: deque[int] = deque(maxlen=WINDOW)
        self._recent_max = 0

    def woke(self, late_ns: int) -> int:
        """A timed wake-up came `late_ns` after it was asked for; returns the guard in force from now."""
        late = max(0, late_ns)
        evicted = self._late[0] if len(self._late) == self._late.maxlen else None
        self._late.append(late)
        if late >= self._recent_max:
            self._recent_max = late
        elif evicted is not None and evicted >= self._recent_max:
            self._recent_max = max(self._late)  # the longest one left the window: look again (rare)
        self.guard_ns = min(self.max_ns, max(self.base_ns, self._recent_max + MARGIN_NS))
        return self.guard_ns

    @property
    def widest_ns(self) -> int:
        """The longest wake-up delay in the window."""
        return self._recent_max
