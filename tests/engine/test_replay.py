"""Crash resume on virtual time: what the log says fired stays fired; holds, times and the clock carry over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from showcall.engine.replay import replay

from support.engines import START_NS, S, rig

SHOW = """\
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}, {wait: 3s}, {lx.fire: {cue: 2}}]}
  - {id: "2", dept: SND, go: {follow: 5s}, actions: [{snd.go: {}}]}
  - {id: "3", dept: LX, actions: [{lx.fire: {cue: 3}}]}
"""

WALL_OFFSET = 1_700_000_000_000_000_000  # the FakeClock's: wall = monotonic + this


def log(fire_ns: int, *more: dict[str, Any], wall_offset: int = WALL_OFFSET) -> list[dict[str, Any]]:
    """A crashed run's log: cue 1 GOne at `fire_ns`, its first message sent."""
    return [
        {"event": "loaded", "mono_ns": 0, "wall_ns": wall_offset, "path": "show.yaml"},
        {"event": "standby", "mono_ns": 0, "cue": "1"},
        {"event": "go", "mono_ns": fire_ns, "cue": "1", "source": "operator", "fire_ns": fire_ns},
        {"event": "standby", "mono_ns": fire_ns, "cue": "3"},
        {"event": "sent", "mono_ns": fire_ns, "cue": "1", "device": "lx", "item": 0},
        *more,
    ]


def test_resume_sends_only_what_had_not_gone_and_rearms_the_chain(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW, start=False)
    r.engine.start(replay(log(START_NS - S)))  # crashed one second after cue 1's GO
    r.advance_to(10)
    assert r.sends() == [(2.0, "1", "lx"), (4.0, "2", "snd")]  # cue 1's second message, then the follow
    assert r.engine.snapshot().playhead == 2


def test_a_held_show_comes_back_held_and_nothing_goes_until_resume(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW, start=False)
    r.engine.start(replay(log(START_NS - S, {"event": "hold", "mono_ns": START_NS - S // 2})))
    assert r.engine.snapshot().held
    r.advance_to(10)
    assert r.sends() == []
    r.engine.resume()  # held for 10.5 s: since the hold began, half a second before the crash
    r.advance_to(30)
    assert r.sends() == [(12.5, "1", "lx"), (14.5, "2", "snd")]


def test_a_hold_that_ended_before_the_crash_still_moves_what_was_waiting(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW, start=False)
    held = [
        {"event": "hold", "mono_ns": START_NS - S // 2},
        {"event": "resume", "mono_ns": START_NS, "held_ns": S // 2},
    ]
    r.engine.start(replay(log(START_NS - S, *held)))  # GO at -1 s, held from -0.5 s for 0.5 s, crashed at 0
    r.advance_to(10)
    assert r.sends() == [(2.5, "1", "lx"), (4.5, "2", "snd")]  # as the crashed run would have sent them


def test_a_panic_before_the_crash_is_not_undone_by_the_resume(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW, start=False)
    stopped = [
        {"event": "failed", "mono_ns": START_NS - S // 2, "cue": "1", "reason": "stopped by panic"},
        {"event": "panic", "mono_ns": START_NS - S // 2, "cancelled_cues": ["1", "2"]},
        {"event": "hold", "mono_ns": START_NS - S // 2, "reason": "panic"},
    ]
    r.engine.start(replay(log(START_NS - S, *stopped)))
    r.engine.resume()
    r.advance_to(10)
    assert r.sends() == []  # cue 1's rest and the follow behind it stay cancelled


def test_times_from_a_run_before_a_reboot_are_carried_over_by_the_wall_clock(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW, start=False)
    # the crashed run's monotonic clock was 5,000 s ahead of this one (another boot): its GO at 5,000 s
    # on its clock was one second before now on ours
    other_boot = WALL_OFFSET - 5_000 * S
    r.engine.start(replay(log(START_NS + 5_000 * S - S, wall_offset=other_boot)))
    r.advance_to(10)
    assert r.sends() == [(2.0, "1", "lx"), (4.0, "2", "snd")]


def test_a_log_not_as_showcall_writes_it_is_refused() -> None:
    with pytest.raises(ValueError, match=r"event 3 \('go'\) is not as showcall writes it"):
        replay([*log(START_NS)[:2], {"event": "go", "cue": "1", "fire_ns": "soon"}])


def test_a_resume_whose_last_fired_cue_completed_arms_the_chain_and_does_not_end(tmp_path: Path) -> None:
    chained = """\
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}]}
  - {id: "2", dept: SND, go: {follow: 5s}, actions: [{snd.go: {}}]}
"""
    r = rig(tmp_path, chained, start=False)
    events = [
        {"event": "loaded", "mono_ns": 0, "wall_ns": WALL_OFFSET, "path": "show.yaml"},
        {"event": "go", "mono_ns": START_NS - S, "cue": "1", "source": "operator", "fire_ns": START_NS - S},
        {"event": "standby", "mono_ns": START_NS - S, "cue": None},
        {"event": "sent", "mono_ns": START_NS - S, "cue": "1", "device": "lx", "item": 0},
    ]
    r.engine.start(replay(events))
    assert not r.engine.snapshot().ended
    r.advance_to(10)
    assert r.sends() == [(4.0, "2", "snd")]
    assert r.engine.snapshot().ended
