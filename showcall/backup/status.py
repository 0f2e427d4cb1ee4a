"""Provides what a linked console says about the link: `LinkEvent` (log, stdout, views) and `LinkStatus` (screen).

Roles: `live` (this console sends to the devices), `following` (muted, a copy of the live show), `waiting`
(muted and following no one: a main's first second, or a console that stood down and has no live peer).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from showcall.backup.gate import Doubt
from showcall.engine import events as ev


class Role(enum.StrEnum):
    """What a linked console is doing (see module docstring)."""

    LIVE = "live"
    FOLLOWING = "following"
    WAITING = "waiting"


@dataclass(frozen=True, slots=True)
class LinkEvent(ev.Event):
    """Something happened on the link: `what` in a word (connected, synced, lost, took_over, stood_down,
    holding, refused, doubt, ...), `detail` in words, this console's `role` after it, and the other console's
    address. `doubts` lists sends in doubt at a take-over as [cue, device, due_ns] (this machine's clock)."""

    name: ClassVar[str] = "link"
    role: str
    what: str
    detail: str = ""
    peer: str = ""
    doubts: tuple[tuple[str, str, int], ...] = ()


@dataclass(frozen=True)
class LinkStatus:
    """The link as the console draws it.

    `side` is how this console was started (main, backup); `heard_ns` how long since the live console was last
    heard (following) or the backup last answered (live, with a backup); `lag_ns` how far behind the live
    console's events are applied here, and `offset_error_ns` the clock conversion's bound; `takeover_in_ns`
    when a following console will take over by itself if still nothing is heard (None: it will not: not
    armed); `holding` means a live console stopped sending because its backup stopped answering.
    """

    side: str
    role: Role
    term: int
    peer: str
    connected: bool
    peer_role: str | None
    heard_ns: int | None
    lag_ns: int | None
    offset_error_ns: int | None
    armed: bool
    takeover_in_ns: int | None
    holding: bool
    doubts: tuple[Doubt, ...]
    note: str

    @property
    def label(self) -> str:
        """LIVE, BACKUP (following), HOLDING (live, sends held back), MUTED (waiting)."""
        if self.role is Role.LIVE:
            return "HOLDING" if self.holding else "LIVE"
        return "BACKUP" if self.role is Role.FOLLOWING else "MUTED"
