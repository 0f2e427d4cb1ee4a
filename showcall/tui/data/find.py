"""Provides cue search for `/`: by number ("12", "LX 12"), then by words of the label."""

from __future__ import annotations

from collections.abc import Sequence

from showcall.compile.plan import CompiledCue


def find_cues(cues: Sequence[CompiledCue], query: str, limit: int = 50) -> list[int]:
    """Indexes of the cues matching `query`, best first: exact number (optionally after the
    department, "LX 12"), then numbers starting with it, then labels containing every word."""
    words = query.lower().split()
    if not words:
        return []
    number = words[-1]
    dept = words[0].upper() if len(words) == 2 else None
    exact: list[int] = []
    prefix: list[int] = []
    label: list[int] = []
    for index, compiled in enumerate(cues):
        cue_id = compiled.id.lower()
        if dept is None or compiled.cue.dept == dept:
            if cue_id == number:
                exact.append(index)
                continue
            if cue_id.startswith(number) and len(prefix) < limit:
                prefix.append(index)
                continue
        if len(label) < limit:
            text = f"{compiled.cue.dept} {compiled.cue.label} {compiled.cue.notes or ''}".lower()
            if all(word in text for word in words):
                label.append(index)
    return (exact + prefix + label)[:limit]
