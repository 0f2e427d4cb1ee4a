"""Provides the checks beyond the schema: mistakes a valid-looking show file can still hold.

Duplicate cue and segment ids, cues of undeclared departments, `at` cues out of time order,
segments whose planned times overlap, a follow/after on the first cue, timecodes that do not
exist at the show's frame rate, and a show with no cues. (Unknown devices, verbs and parameters,
and cue numbers an MSC device cannot address, are found by the compiler.)
"""

from __future__ import annotations

from showcall.errors import Problem
from showcall.loader.sources import ShowSources
from showcall.model.show import After, At, AtTimecode, Follow, Show
from showcall.model.times import format_time_of_day, show_relative


def lint_show(show: Show, sources: ShowSources) -> list[Problem]:
    """Every lint problem in `show`, located."""
    problems: list[Problem] = []
    cues = show.all_cues()
    if not cues and not _has_cue_entries(sources):
        problems.append(sources.root.pos.problem("", "the show has no cues: add segments with cues, or a cues list"))
    _duplicates(show, sources, problems)
    _departments(show, sources, problems)
    _triggers(show, sources, problems)
    _segments(show, sources, problems)
    return problems


def _has_cue_entries(sources: ShowSources) -> bool:
    """True when the file has cue entries that failed validation (they are reported already)."""
    root = sources.root
    segments = root.get("segments")
    if isinstance(segments, list):
        return any(isinstance(s, dict) and s.get("cues") for s in segments)
    return bool(root.get("cues"))


def _duplicates(show: Show, sources: ShowSources, problems: list[Problem]) -> None:
    seen: dict[str, str] = {}
    for cue, src in zip(show.all_cues(), sources.cues, strict=True):
        pos = src.node.pos_of("id")
        if cue.id in seen:
            problems.append(src.problem(pos, cue.id, f"duplicate cue id '{cue.id}' (first at {seen[cue.id]})"))
        else:
            seen[cue.id] = str(pos)
    seen_segments: dict[str, str] = {}
    for segment, node in zip(show.segments, sources.segments, strict=True):
        pos = node.pos_of("id")
        if segment.id in seen_segments:
            problems.append(
                pos.problem(
                    f"segment {segment.id}",
                    f"duplicate segment id '{segment.id}' (first at {seen_segments[segment.id]})",
                )
            )
        else:
            seen_segments[segment.id] = str(pos)


def _departments(show: Show, sources: ShowSources, problems: list[Problem]) -> None:
    declared = ", ".join(show.departments) or "none"
    for cue, src in zip(show.all_cues(), sources.cues, strict=True):
        if cue.dept not in show.departments:
            problems.append(
                src.problem(
                    src.node.pos_of("dept"),
                    cue.id,
                    f"department '{cue.dept}' is not declared under departments: (declared: {declared})",
                )
            )


def _triggers(show: Show, sources: ShowSources, problems: list[Problem]) -> None:
    base = show.info.start.ns if show.info.start is not None else None
    previous_at: tuple[int, str, str] | None = None
    previous_tc: tuple[int, str, str, str | None] | None = None  # frame, cue, timecode, segment
    for index, (cue, src) in enumerate(zip(show.all_cues(), sources.cues, strict=True)):
        go = cue.go
        pos = src.node.pos_of("go")
        if index == 0 and isinstance(go, Follow | After):
            kind = "follow" if isinstance(go, Follow) else "after"
            problems.append(
                src.problem(pos, cue.id, f"the first cue cannot be '{kind}': there is no previous cue to count from")
            )
        if isinstance(go, AtTimecode):
            reason = go.timecode.check_rate(show.info.fps)
            if reason:
                problems.append(src.problem(pos, cue.id, reason))
            frame = go.timecode.frame_number(show.info.fps)
            # each song may have its own timecode hour, in any set order: only within a segment must it rise
            if previous_tc is not None and previous_tc[3] == src.segment and frame < previous_tc[0]:
                problems.append(
                    src.problem(
                        pos,
                        cue.id,
                        f"timecode {go.timecode} comes before cue {previous_tc[1]} (TC {previous_tc[2]}), which is"
                        " earlier in the cue list: timecode cues in a segment must be in time order",
                    )
                )
            previous_tc = (frame, cue.id, str(go.timecode), src.segment)
        if isinstance(go, At):
            if base is None:
                base = go.at.ns
            relative = show_relative(go.at.ns, base)
            if previous_at is not None and relative < previous_at[0]:
                problems.append(
                    src.problem(
                        pos,
                        cue.id,
                        f"at {go.at} comes before cue {previous_at[1]} (at {previous_at[2]}), which is earlier in the"
                        " cue list: at cues must be in time order",
                    )
                )
            previous_at = (relative, cue.id, str(go.at))


def _segments(show: Show, sources: ShowSources, problems: list[Problem]) -> None:
    base = show.info.start.ns if show.info.start is not None else None
    planned_end: int | None = None  # relative to base
    previous = ""
    for segment, node in zip(show.segments, sources.segments, strict=True):
        start: int | None
        if segment.start is not None:
            if base is None:
                base = segment.start.ns
            start = show_relative(segment.start.ns, base)
            if planned_end is not None and start < planned_end:
                problems.append(
                    node.pos_of("start").problem(
                        f"segment {segment.id}",
                        f"starts at {segment.start} but segment {previous} is planned to run until "
                        f"{format_time_of_day(base + planned_end)}: the planned times overlap",
                    )
                )
        else:
            start = planned_end if planned_end is not None else (0 if base is not None else None)
        planned_end = start + segment.duration.ns if start is not None and segment.duration is not None else None
        previous = segment.id
