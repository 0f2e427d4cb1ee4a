"""Taking a rehearsal from a segment or a cue, on virtual time, on every example show.

Each segment (each cue that starts a chain, in a show without segments) is rehearsed from there, unattended
(--auto 1s), and compared with the full run of the same show from an hour before its start: from that point
on, every cue fires once, by the same trigger; `at` cues at the same time on the show clock; follow and
after cues at the same offset from the cue before; timecode cues at the same offset from their song's first
timecode cue; and every message at the same offset from its cue's GO, with the same bytes. The cues before
the point are passed: never fired, never missed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from showcall.compile.showfile import require_plan
from showcall.engine import events as ev
from showcall.engine.rehearsal import rehearsal_point
from showcall.engine.snapshot import CueState
from showcall.model.show import After, At, Follow
from showcall.model.times import NS_PER_S, format_time_of_day

from support.engines import SHOWS, Rig, rehearsal, rig

Profile = list[tuple[str, str, int | None, tuple[tuple[str, bytes, int], ...]]]


def _profile(r: Rig, first: int) -> Profile:
    """From cue `first` on: (cue, source, when by its trigger, its messages relative to its GO)."""
    assert r.show_clock is not None
    plan = r.engine.plan
    gos: dict[str, ev.Go] = {}
    for e in r.events:
        if isinstance(e, ev.Go):
            assert e.cue not in gos, f"cue {e.cue} fired twice"
            gos[e.cue] = e
    song_start: dict[str | None, int] = {}
    out: Profile = []
    for cue in plan.cues[first:]:
        go = gos.get(cue.id)
        if go is None:
            out.append((cue.id, "never fired", None, ()))
            continue
        when: int | None = None
        if go.source == "at":
            when = r.show_clock.time_of_day_at(go.fire_ns)
        elif go.source in {"follow", "after"}:
            when = go.fire_ns - gos[plan.cues[cue.index - 1].id].fire_ns
        elif go.source == "timecode":
            when = go.fire_ns - song_start.setdefault(cue.segment, go.fire_ns)
        sends = tuple(sorted((w.device, w.payload, w.at_ns - go.fire_ns) for w in r.scheduler.wire if w.cue == cue.id))
        out.append((cue.id, go.source, when, sends))
    return out


def _full_run(show: str) -> Rig:
    plan = require_plan(SHOWS / show)
    info = plan.show.info
    first_at = next((c.cue.go.at.ns for c in plan.cues if isinstance(c.cue.go, At)), None)
    start = info.start.ns if info.start is not None else first_at
    clock = format_time_of_day(start - 3600 * NS_PER_S) if start is not None else None
    r = rehearsal(show, clock=clock, auto_gap_s=1)
    r.clock.run_until_idle()
    assert isinstance(r.events[-1], ev.End)
    return r


FULL: dict[str, Profile] = {}


def _points() -> list[tuple[str, str | None, str | None]]:
    """(show, segment, cue): each segment of a show with segments, else each cue that starts a chain."""
    points: list[tuple[str, str | None, str | None]] = []
    for path in sorted(SHOWS.glob("*.yaml")):
        plan = require_plan(path)
        if plan.show.segments:
            points += [(path.name, s.id, None) for s in plan.show.segments]
        else:
            points += [(path.name, None, c.id) for c in plan.cues if not isinstance(c.cue.go, Follow | After)]
    return points


POINTS = _points()


@pytest.mark.parametrize(
    ("show", "segment", "cue"), POINTS, ids=[f"{Path(s).stem}-{seg or cue}" for s, seg, cue in POINTS]
)
def test_a_segment_rehearsed_on_its_own_fires_as_in_the_full_run(
    show: str, segment: str | None, cue: str | None
) -> None:
    plan = require_plan(SHOWS / show)
    point = rehearsal_point(plan, segment=segment, cue=cue)
    if show not in FULL:
        FULL[show] = _profile(_full_run(show), 0)
    r = rehearsal(show, from_=point, auto_gap_s=1)
    r.clock.run_until_idle()

    assert isinstance(r.events[-1], ev.End)
    assert _profile(r, point.index) == FULL[show][point.index :]
    cues = r.engine.snapshot().cues
    assert [c.id for c in cues[: point.index] if c.state is not CueState.PENDING or not c.passed or c.missed] == []
    gone = {e.cue for e in r.events if isinstance(e, ev.Go)}
    assert gone.isdisjoint(c.id for c in plan.cues[: point.index])
    assert not [e for e in r.events if isinstance(e, ev.Refused | ev.CueFailed | ev.SendFailedEvent)]


def test_the_start_is_announced_with_the_clock_before_anything_fires() -> None:
    plan = require_plan(SHOWS / "summit.yaml")
    r = rehearsal("summit.yaml", from_=rehearsal_point(plan, segment="awards"))
    assert r.trace() == ["loaded", "rehearse_from", "standby 60"]
    taken = r.of(ev.RehearseFrom)[0]
    assert isinstance(taken, ev.RehearseFrom)
    assert (taken.cue, taken.segment, format_time_of_day(taken.clock_tod_ns)) == ("60", "awards", "10:35:00")
    loaded = r.of(ev.Loaded)[0]
    assert isinstance(loaded, ev.Loaded)
    assert (loaded.clock, loaded.show_tod_ns) == ("rehearsal", taken.clock_tod_ns)  # loaded already on that clock


def test_the_run_of_show_reads_against_the_plan_from_there() -> None:
    plan = require_plan(SHOWS / "summit.yaml")
    r = rehearsal("summit.yaml", from_=rehearsal_point(plan, segment="awards"))
    clocks = r.engine.snapshot().clocks
    assert format_time_of_day(clocks.time_of_day_ns) == "10:35:00"
    assert clocks.show_elapsed_ns == (2 * 3600 + 5 * 60) * NS_PER_S  # 08:30 to 10:35, as if it started on time
    r.advance_to(90)
    r.engine.go()  # VOG 60 called a minute and a half into the segment's planned time
    clocks = r.engine.snapshot().clocks
    assert clocks.segment is not None and clocks.segment.id == "awards"
    assert clocks.show_over_ns == 90 * NS_PER_S  # OVER +1:30: the awards started 90 s after 10:35
    assert clocks.segment_remaining_ns == 20 * 60 * NS_PER_S


def test_internal_timecode_starts_at_the_first_timecode_cue_from_there() -> None:
    plan = require_plan(SHOWS / "concert.yaml")
    song = rehearsal("concert.yaml", from_=rehearsal_point(plan, segment="song2"))
    timecode = song.engine.snapshot().timecode
    assert timecode is not None and timecode.rolling  # song2 opens on its timecode cue: playback starts there
    assert [g[:2] for g in song.gos()] == [("20", "timecode"), ("20.5", "timecode")]
    encore = rehearsal("concert.yaml", from_=rehearsal_point(plan, segment="encore"))
    timecode = encore.engine.snapshot().timecode
    assert timecode is not None and not timecode.rolling  # encore opens on a called cue: standing at 53's frame
    assert timecode.frame == 25 * (3600 + 25 * 60)  # 01:25:00:00 at 25 fps
    encore.advance_to(60)
    assert encore.gos() == []


def test_a_flat_show_has_no_segment_to_take_it_from() -> None:
    with pytest.raises(
        ValueError, match=r"^this show has no segments \(a flat cue list\): take it from a cue instead$"
    ):
        rehearsal_point(require_plan(SHOWS / "theatre.yaml"), segment="act1")


def test_going_to_a_segment_mid_rehearsal_starts_it_afresh_on_its_planned_time() -> None:
    plan = require_plan(SHOWS / "summit.yaml")
    r = rehearsal("summit.yaml", clock="08:29:30")
    r.advance_to(40)  # the walk-in is on; its five-minute call waits behind the 08:55 cue
    assert not r.engine.snapshot().running  # waiting for 08:55 is not running: nothing is going out
    assert r.engine.rehearse_from(rehearsal_point(plan, segment="awards")) is None
    show = r.engine.snapshot()
    assert format_time_of_day(show.clocks.time_of_day_ns) == "10:35:00"
    assert show.standby is not None and show.standby.id == "60"
    assert [c.id for c in show.cues if c.state is not CueState.PENDING] == []  # the walk-in's 08:55 chain too
    assert all(c.passed and not c.missed for c in show.cues[: show.standby.index])
    assert r.trace()[-2:] == ["rehearse_from", "standby 60"]
    r.advance_to(400)
    assert [g[0] for g in r.gos()] == ["1", "2", "3"]  # nothing of the walk-in fired at 08:55 any more
    assert r.scheduler.wire[-1].cue == "3"


def test_going_to_a_segment_is_refused_while_a_cue_is_running() -> None:
    plan = require_plan(SHOWS / "summit.yaml")
    r = rehearsal("summit.yaml", clock="09:00:00")
    r.engine.go()  # LX 10: LX 11 follows 5 s later, then the open video
    refusal = r.engine.rehearse_from(rehearsal_point(plan, segment="awards"))
    assert refusal is not None
    assert (refusal.command, refusal.reason) == (
        "go to",
        "a cue is running: wait for it to complete (or panic)",
    )
    r.engine.panic()
    assert r.engine.rehearse_from(rehearsal_point(plan, segment="awards")) is None
    show = r.engine.snapshot()
    assert not show.held and not show.panicked  # a fresh start there, not a held show
    assert show.standby is not None and show.standby.id == "60"


def test_a_show_on_the_real_devices_cannot_go_to_a_segment(tmp_path: Path) -> None:
    r = rig(tmp_path, 'cues:\n  - {id: "1", dept: LX}\n  - {id: "2", dept: LX}\n')
    refusal = r.engine.rehearse_from(rehearsal_point(r.engine.plan, cue="2"))
    assert refusal is not None and refusal.reason.startswith("going to a cue or segment is for rehearsals")
    assert r.engine.snapshot().playhead == 0
