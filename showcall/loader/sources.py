"""Provides the link from a validated show back to its YAML, for locating later problems."""

from __future__ import annotations

from dataclasses import dataclass, field

from showcall.errors import Problem
from showcall.loader.nodes import Pos, YMap
from showcall.model.show import Pack


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
    """The YAML nodes behind a show: the root, each device, each cue (in firing order), each segment."""

    root: YMap
    devices: dict[str, YMap] = field(default_factory=dict)
    device_keys: dict[str, Pos] = field(default_factory=dict)
    departments: dict[str, Pos] = field(default_factory=dict)
    segments: list[YMap] = field(default_factory=list)
    cues: list[CueSource] = field(default_factory=list)
    broken_devices: set[str] = field(default_factory=set)  # defined but refused: their uses say nothing more
    packs: dict[str, Pack] = field(default_factory=dict)  # the packs defined (valid ones), includes merged
