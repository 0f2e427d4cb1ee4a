"""Provides small facts about triggers: how a view writes one, and which are chained to the cue before."""

from __future__ import annotations

from showcall.model.show import After, At, AtTimecode, Follow, Trigger


def describe_trigger(go: Trigger) -> str:
    """`manual`, `follow 2s`, `after 0.3s`, `at 09:30:00`, `TC 01:00:10:00`."""
    if isinstance(go, Follow):
        return f"follow {go.follow}"
    if isinstance(go, After):
        return f"after {go.after}"
    if isinstance(go, At):
        return f"at {go.at}"
    if isinstance(go, AtTimecode):
        return f"TC {go.timecode}"
    return "manual"


def is_chained(go: Trigger) -> bool:
    """True for follow and after: the cue fires from the cue before it."""
    return isinstance(go, Follow | After)
