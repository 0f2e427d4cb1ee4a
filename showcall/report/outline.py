"""Provides what the show file planned, as the report needs it: segments with their planned times, and
each cue's department, label, trigger and segment.

A run's show is kept beside its log (showcall.diff.store, named by the digest in its `loaded` event), so the
report measures a run against the show as it ran, even after the file changed. A show file (`--show`, or
the logged path when nothing was kept) is read and validated (packs expanded) but not compiled: the report
needs no wire bytes, and compiling a 10,000-cue show would cost a quarter of a second for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from showcall.loader.show import read_show
from showcall.model.show import After, At, AtTimecode, Follow, Show, WaitAction, planned_segments


@dataclass(frozen=True, slots=True)
class PlannedCue:
    """A cue as the show file has it."""

    id: str
    dept: str
    label: str
    trigger: str  # manual, follow, after, at, timecode
    segment: str | None
    messages: int  # the device messages among its actions (a `wait` is not one)


@dataclass(frozen=True, slots=True)
class PlannedSegment:
    """A segment of the run of show: planned offset from the show's planned start and duration (ns), its cues."""

    id: str
    title: str
    offset_ns: int | None
    duration_ns: int | None
    cues: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ShowOutline:
    """The plan a run is measured against; `start_tod_ns` is the planned start's time of day (None: none given)."""

    title: str
    path: str
    start_tod_ns: int | None
    segments: tuple[PlannedSegment, ...]
    cues: dict[str, PlannedCue]

    @property
    def order(self) -> list[str]:
        """Cue ids in firing order."""
        return list(self.cues)


def _trigger(cue_go: object) -> str:
    tags: dict[type, str] = {Follow: "follow", After: "after", At: "at", AtTimecode: "timecode"}
    return tags.get(type(cue_go), "manual")


def outline_of(show: Show, path: str) -> ShowOutline:
    """The outline of a validated show."""
    anchor, planned = planned_segments(show)
    segments = tuple(
        PlannedSegment(s.id, s.title, offset, duration, tuple(c.id for c in s.cues))
        for s, (offset, duration) in zip(show.segments, planned, strict=True)
    )
    owner = {cue_id: s.id for s in segments for cue_id in s.cues}
    cues = {
        c.id: PlannedCue(
            c.id,
            c.dept,
            c.label,
            _trigger(c.go),
            owner.get(c.id),
            sum(1 for a in c.actions if not isinstance(a, WaitAction)),
        )
        for c in show.all_cues()
    }
    return ShowOutline(show.info.title, path, anchor, segments, cues)


def kept_outline(log: Path, digest: str) -> tuple[ShowOutline | None, str]:
    """The outline of the show a run ran, as kept beside its log (named by the `loaded` event's digest), or
    None and why not ("" when none was kept: a run from before shows were kept)."""
    from showcall.diff import kept_path, read_kept
    from showcall.errors import KeptShowError

    try:
        record = read_kept(log, digest)
    except KeptShowError as exc:
        return None, str(exc)
    if record is None:
        return None, ""
    return outline_of(record.show, str(kept_path(log, digest))), ""


def load_outline(path: Path) -> tuple[ShowOutline | None, str]:
    """The outline of the show at `path`, or None and why it could not be read (one line)."""
    if not path.is_file():
        return None, f"the show file {path} is not there"
    read = read_show(path, str(path))
    errors = [p for p in read.problems if p.severity == "error"]
    if read.show is None or errors:
        first = errors[0] if errors else None
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return None, f"the show file {path} cannot be loaded: {first}{more}"
    return outline_of(read.show, str(path)), ""
