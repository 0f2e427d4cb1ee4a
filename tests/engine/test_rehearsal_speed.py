"""A faster rehearsal (--speed) on virtual time: the show clock, follows, afters, waits and internal timecode
run N times faster, exactly; `at` cues fire at their times on the faster clock; the timing core is handed
the scaled deadlines, so its lateness is measured against them."""

from __future__ import annotations

from pathlib import Path

from showcall.compile.showfile import require_plan
from showcall.engine import events as ev
from showcall.engine.rehearsal import rehearsal_point
from showcall.model.times import format_time_of_day

from support.engines import SHOWS, S, rehearsal, rig, tod


def test_speed_4_runs_the_summit_30_minute_walk_in_in_7_5_minutes() -> None:
    walkin = rehearsal_point(require_plan(SHOWS / "summit.yaml"), segment="walkin")
    r = rehearsal("summit.yaml", speed=4, from_=walkin)
    r.advance_to(450)  # 7.5 minutes
    assert r.gos() == [
        ("1", "at", 0.0),  # 08:30:00, at once: the clock was set to the walk-in's planned start
        ("2", "follow", 0.125),  # follow 500ms / 4
        ("3", "follow", 0.25),
        ("4", "at", 375.0),  # 08:55:00: 25 show minutes / 4
        ("5", "follow", 375.75),  # follow 3s / 4
        ("6", "after", 380.75),  # after 20s / 4 (cue 5 sends nothing: it completes as it fires)
    ]
    assert r.of(ev.Go)[3].show_tod_ns == tod("08:55:00")
    clocks = r.engine.snapshot().clocks
    assert format_time_of_day(clocks.time_of_day_ns) == "09:00:00"  # the open video's planned start
    assert (clocks.speed, clocks.rehearsal_clock) == (4, True)
    assert clocks.segment is not None and clocks.segment.id == "walkin"
    assert (clocks.segment_elapsed_ns, clocks.segment_remaining_ns) == (30 * 60 * S, 0)
    assert clocks.show_over_ns == 0


def test_follows_afters_and_waits_run_faster_and_the_core_gets_the_scaled_deadlines(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        """\
        cues:
          - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}, {wait: 1s}, {lx.fire: {cue: 2}}]}
          - {id: "2", dept: SND, go: {after: 2s}, actions: [{snd.go: {}}]}
          - {id: "3", dept: LX, go: {follow: 500ms}, actions: [{lx.fire: {cue: 3}}, {wait: 200ms}, {lx.go: {}}]}
        """,
        speed=4,
        command_ns=200_000,
    )
    r.engine.go()
    r.advance_to(5)
    assert r.gos() == [("1", "operator", 0.0), ("2", "after", 0.75), ("3", "follow", 0.875)]
    sent = [(e.cue, (e.due_ns - r.t0) / S, e.late_us) for e in r.of(ev.SentEvent)]
    assert sent == [
        ("1", 0.0, 200.0),  # a GO with no lead reaches the core 0.2 ms late, and says so
        ("1", 0.25, 0.0),  # wait 1s / 4
        ("2", 0.75, 0.0),
        ("3", 0.875, 0.0),
        ("3", 0.925, 0.0),  # wait 200ms / 4: the Eos GO key, pressed
        ("3", 0.925, 0.0),  # and released
    ]


def test_a_hold_at_speed_moves_what_is_pending_by_the_real_time_held(tmp_path: Path) -> None:
    r = rig(tmp_path, 'cues:\n  - {id: "1", dept: LX}\n  - {id: "2", dept: LX, go: {follow: 8s}}\n', speed=4)
    r.engine.go()
    r.advance_to(1)
    r.engine.hold()
    r.advance_to(11)
    r.engine.resume()
    r.advance_to(20)
    assert r.gos() == [("1", "operator", 0.0), ("2", "follow", 12.0)]  # 8s / 4 = 2 s, plus 10 s held


def test_internal_timecode_runs_faster() -> None:
    song1 = rehearsal_point(require_plan(SHOWS / "concert.yaml"), segment="song1")
    r = rehearsal("concert.yaml", speed=4, from_=song1)
    r.advance_to(20)
    assert [g for g in r.gos() if g[1] == "timecode"] == [
        ("10", "timecode", 0.0),
        ("10.5", "timecode", 0.0),
        ("11", "timecode", 3.75),  # 01:00:15:00 / 4
        ("12", "timecode", 11.87),  # 01:00:47:12 = 47.48 s / 4
    ]
    timecode = r.engine.snapshot().timecode
    assert timecode is not None and timecode.frame == 25 * (3600 + 80)  # 01:01:20:00: 80 s in 20 s


def test_a_go_is_still_guarded_in_real_time(tmp_path: Path) -> None:
    r = rig(tmp_path, 'cues:\n  - {id: "1", dept: LX}\n  - {id: "2", dept: LX}\n', speed=8)
    r.engine.go()
    r.advance_to(0.2)
    refusal = r.engine.go()  # go_guard 250ms protects against a double press: a person's time, not the show's
    assert refusal is not None and refusal.reason == "GO refused: 0.20 s after the last GO, guard is 0.25 s"
