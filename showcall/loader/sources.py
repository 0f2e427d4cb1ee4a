"""Provides the link from a validated show back to its YAML, for locating later problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from showcall.errors import Problem
from showcall.loader.nodes import Pos, YMap
from showcall.model.show import Pack

if TYPE_CHECKING:
    from showcall.loader.show import ReadShow


@dataclass
class CueSource:
    """Where a cue came from: its (expanded) mapping, and the pack use that made it, if any.

    `packs` names the packs it was expanded from, outermost first (empty when written in the show).
    """

    node: YMap
    origin: str = ""
    segment: str | None = None
    packs: tuple[str, ...] = ()

    def where(self, cue_id: str) -> str:
        """The `where` part of a problem about this cue."""
        return f"cue {cue_id}{self.origin}"

    def problem(self, pos: Pos, cue_id: str, message: str) -> Problem:
        """A problem about this cue at `pos`."""
        return pos.problem(self.where(cue_id), message)


@dataclass
class ShowSources:
    """The YAML nodes behind a show: the root, each device, each cue (in firing order), each segment.

    When the fast YAML reader made the nodes, their positions are placeholders and `reread` is set:
    a stage that finds a problem calls it (once; it is cached) and reports the problem from the
    show read again with exact positions (see `exact`).
    """

    root: YMap
    devices: dict[str, YMap] = field(default_factory=dict)
    device_keys: dict[str, Pos] = field(default_factory=dict)
    departments: dict[str, Pos] = field(default_factory=dict)
    segments: list[YMap] = field(default_factory=list)
    cues: list[CueSource] = field(default_factory=list)
    reread: Callable[[], ReadShow] | None = field(default=None, repr=False)
    broken_devices: set[str] = field(default_factory=set)  # defined but refused: their uses say nothing more
    packs: dict[str, Pack] = field(default_factory=dict)  # the packs defined (valid ones), includes merged


def exact(sources: ShowSources) -> ReadShow | None:
    """The show read again with exact positions, or None when `sources` already has them.

    The re-read has problems of its own (and no show or sources) only if the file changed on disk
    since the first read; a stage then reports those problems, which describe the file as it is.
    """
    if sources.reread is None:
        return None
    return sources.reread()
