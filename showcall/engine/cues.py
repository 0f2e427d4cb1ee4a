"""Provides each cue's runtime record: its state, when it fired, and its messages in the timing core."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from showcall.engine.clock import Timer


class CueState(enum.Enum):
    """Where a cue is in its life. `standby` is not a state: it is the playhead's cue."""

    PENDING = "pending"
    ARMED = "armed"  # scheduled to fire by itself (follow/after chain): its sends are in the timing core
    FIRED = "fired"  # GOne, its actions still going out
    COMPLETE = "complete"
    FAILED = "failed"

    @property
    def done(self) -> bool:
        """Complete or failed."""
        return self in {CueState.COMPLETE, CueState.FAILED}


@dataclass
class CueRun:
    """The runtime record of one cue (engine-private; views get snapshots)."""

    index: int
    state: CueState = CueState.PENDING
    source: str = ""
    fire_ns: int | None = None
    complete_ns: int | None = None
    reason: str = ""
    unsent: dict[int, int] = field(default_factory=dict)  # item id -> due_ns, not yet reported
    failed_sends: int = 0
    max_late_us: float | None = None
    fire_timer: Timer | None = None
    skipped: bool = False  # the caller moved the playhead past it (skip, standby): time cues then stay quiet

    def cancel_timer(self) -> None:
        """Drop the pending fire timer, if any."""
        if self.fire_timer is not None:
            self.fire_timer.cancel()
            self.fire_timer = None

    def reset(self) -> None:
        """Back to pending, as at load."""
        self.cancel_timer()
        self.state = CueState.PENDING
        self.source = ""
        self.fire_ns = None
        self.complete_ns = None
        self.reason = ""
        self.unsent.clear()
        self.failed_sends = 0
        self.max_late_us = None
        self.skipped = False


@dataclass(frozen=True)
class CueView:
    """A snapshot of one cue for views: the console's cue list and the headless status."""

    index: int
    id: str
    dept: str
    label: str
    trigger: str
    state: str
    source: str
    fire_ns: int | None
    max_late_us: float | None
    reason: str
    standby: bool
