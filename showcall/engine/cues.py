"""Provides each cue's runtime record (engine-private: only `CueBook` changes it), its states and what fired it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from showcall.engine.clock import Timer


class CueState(enum.StrEnum):
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


class Source(enum.StrEnum):
    """What fired a cue (the `source` of its `go` event): a person, or one of its triggers."""

    OPERATOR = "operator"  # the caller's GO
    AUTO = "auto"  # an unattended rehearsal's GO (--auto)
    CONTROL = "control"  # a GO from OSC control (Stream Deck, Companion)
    WEB = "web"  # a GO from a browser view allowed to call the show
    FOLLOW = "follow"
    AFTER = "after"
    AT = "at"
    TIMECODE = "timecode"

    @property
    def timed(self) -> bool:
        """True for `at` and timecode: the cue fires on a clock, not from the cue before it."""
        return self in {Source.AT, Source.TIMECODE}


@dataclass
class CueRun:
    """The runtime record of one cue (engine-private; views get `CueSnapshot`s)."""

    index: int
    state: CueState = CueState.PENDING
    source: Source | None = None
    fire_ns: int | None = None
    complete_ns: int | None = None
    reason: str = ""
    unsent: dict[int, int] = field(default_factory=dict)  # item id -> due_ns, not yet reported
    failed_sends: int = 0
    max_late_us: float | None = None
    fire_timer: Timer | None = None
    skipped: bool = False  # the caller moved the playhead past it (skip, standby): time cues then stay quiet
    missed: bool = False  # an `at` cue whose time had passed when it was armed: it waits for GO

    def cancel_timer(self) -> None:
        """Drop the pending fire timer, if any."""
        if self.fire_timer is not None:
            self.fire_timer.cancel()
            self.fire_timer = None

    def reset(self) -> None:
        """Back to pending, as at load."""
        self.cancel_timer()
        self.state = CueState.PENDING
        self.source = None
        self.fire_ns = None
        self.complete_ns = None
        self.reason = ""
        self.unsent.clear()
        self.failed_sends = 0
        self.max_late_us = None
        self.skipped = False
        self.missed = False
