"""Provides the link from a validated show back to its YAML, for locating later problems."""

from __future__ import annotations

from dataclasses import dataclass, field

from showcall.errors import Problem
from showcall.loader.yamlsource import Pos, YMap


@dataclass
class CueSource:
    """Where a cue came from: its (expanded) mapping, and the pack use that made it, if any."""

    node: YMap
    origin: str = ""
    segment: str | None = None

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
