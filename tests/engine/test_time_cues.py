"""`at` and `timecode` cues on virtual time: exact fire times, across midnight, missed times, holds."""

from __future__ import annotations

from pathlib import Path

from support.engines import S, rig

LATE_SHOW = """\
showcall: 1
show: {title: Late show, start: "22:00"}
devices:
  lx: {driver: eos, host: 127.0.0.1}
departments: {LX: {name: Lighting}, FOH: {name: Front of house}}
"""


def test_at_cues_fire_at_their_time_of_day_across_midnight(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        """\
        cues:
          - {id: "1", dept: FOH, go: {at: "23:59:30"}, actions: [{lx.fire: {cue: 1}}]}
          - {id: "2", dept: LX, go: {at: "00:00:30"}, actions: [{lx.fire: {cue: 2}}]}
          - {id: "3", dept: LX}
        """,
        header=LATE_SHOW,
        time_of_day="23:59:00",
    )
    r.advance_to(200)
    assert r.gos() == [("1", "at", 30.0), ("2", "at", 90.0)]
    assert r.sends() == [(30.0, "1", "lx"), (90.0, "2", "lx")]
    assert r.engine.snapshot().playhead == 2


def test_an_at_cue_whose_time_has_passed_waits_for_go(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        """\
        cues:
          - {id: "1", dept: FOH, go: {at: "21:30"}, actions: [{lx.fire: {cue: 1}}]}
          - {id: "2", dept: LX}
        """,
        header=LATE_SHOW,
        time_of_day="21:45:00",
    )
    r.advance_to(100)
    assert r.gos() == []
    assert r.engine.snapshot().cues[0].reason == "missed: 21:30 had passed; GO fires it"
    r.engine.go()
    assert r.gos() == [("1", "operator", 100.0)]


def test_an_at_cue_fires_even_while_the_playhead_waits_on_an_earlier_manual_cue(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        """\
        cues:
          - {id: "1", dept: LX}
          - {id: "2", dept: FOH, go: {at: "22:01"}, actions: [{lx.fire: {cue: 2}}]}
          - {id: "3", dept: LX}
        """,
        header=LATE_SHOW,
        time_of_day="22:00:00",
    )
    r.advance_to(61)
    assert r.gos() == [("2", "at", 60.0)]
    assert r.engine.snapshot().playhead == 0
    r.engine.go()
    assert r.engine.snapshot().playhead == 2  # cue 2 has fired: GO next fires cue 3


def test_hold_over_an_at_time_leaves_the_at_cue_for_go(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        """\
        cues:
          - {id: "1", dept: FOH, go: {at: "22:01"}}
          - {id: "2", dept: LX}
        """,
        header=LATE_SHOW,
        time_of_day="22:00:00",
    )
    r.advance_to(30)
    r.engine.hold()
    r.advance_to(90)
    r.engine.resume()
    r.advance_to(200)
    assert r.gos() == []
    assert r.engine.snapshot().cues[0].missed


TC_SHOW = """\
showcall: 1
show: {title: Concert, fps: 25}
devices:
  lx: {driver: eos, host: 127.0.0.1}
departments: {LX: {name: Lighting}, SPOT: {name: Spots}}
"""


def test_timecode_cues_fire_as_the_internal_timecode_passes_their_frames(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        """\
        cues:
          - {id: "1", dept: LX}
          - {id: "10", dept: LX, go: {timecode: "01:00:00:00"}, actions: [{lx.fire: {cue: 10}}]}
          - {id: "11", dept: SPOT}
          - {id: "12", dept: LX, go: {timecode: "01:00:10:12"}, actions: [{lx.fire: {cue: 12}}]}
          - {id: "13", dept: LX, go: {timecode: "01:01:00:00"}, actions: [{lx.fire: {cue: 13}}]}
        """,
        header=TC_SHOW,
    )
    r.advance_to(5)
    r.engine.go()  # cue 1; the playhead reaches cue 10, a timecode cue: internal timecode rolls from 01:00:00:00
    r.advance_to(200)
    # 12 frames at 25 fps = 0.48 s; cue 12 fires on timecode although spot cue 11 has not been called
    assert r.gos() == [
        ("1", "operator", 5.0),
        ("10", "timecode", 5.0),
        ("12", "timecode", 15.48),
        ("13", "timecode", 65.0),
    ]
    assert r.engine.snapshot().playhead == 2
    timecode = r.engine.snapshot().timecode
    assert timecode is not None and not timecode.external


def test_hold_pauses_internal_timecode_and_its_cues(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        """\
        cues:
          - {id: "10", dept: LX, go: {timecode: "01:00:00:00"}}
          - {id: "11", dept: LX, go: {timecode: "01:00:10:00"}}
        """,
        header=TC_SHOW,
    )
    r.advance_to(1)
    assert r.gos() == []  # loading a show starts no timecode: the caller's GO does
    r.engine.go()  # GO on the first timecode cue starts internal timecode at its frame
    r.advance_to(5)
    r.engine.hold()
    r.advance_to(15)
    r.engine.resume()
    r.advance_to(100)
    assert r.gos() == [("10", "operator", 1.0), ("11", "timecode", 21.0)]
    assert S == 1_000_000_000


def test_go_on_an_at_cue_ahead_of_its_time_brings_its_follow_chain_along(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        """\
        cues:
          - {id: "1", dept: FOH, go: {at: "22:10"}, actions: [{lx.fire: {cue: 1}}]}
          - {id: "2", dept: LX, go: {follow: 5s}, actions: [{lx.fire: {cue: 2}}]}
          - {id: "3", dept: LX}
        """,
        header=LATE_SHOW,
        time_of_day="22:00:00",
    )
    r.advance_to(10)
    r.engine.standby("1")
    r.engine.go()  # the caller fires the 22:10 cue early, at 22:00:10
    r.advance_to(1000)
    assert r.gos() == [("1", "operator", 10.0), ("2", "follow", 15.0)]
    assert r.sends() == [(10.0, "1", "lx"), (15.0, "2", "lx")]


def test_hold_over_an_at_time_takes_its_follow_chain_with_it(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        """\
        cues:
          - {id: "1", dept: FOH, go: {at: "22:01"}}
          - {id: "2", dept: LX, go: {follow: 5s}, actions: [{lx.fire: {cue: 2}}]}
          - {id: "3", dept: LX}
        """,
        header=LATE_SHOW,
        time_of_day="22:00:00",
    )
    upcoming = r.engine.snapshot().next_auto
    assert upcoming is not None and (upcoming.cue, upcoming.fire_ns) == ("1", r.at(60))
    r.advance_to(30)
    r.engine.hold()
    assert r.engine.snapshot().next_auto is None  # an at cue's time of day does not wait for a hold
    r.advance_to(90)
    r.engine.resume()
    r.advance_to(500)
    assert r.gos() == []  # the at cue was missed in the hold, and its follow waits with it
    assert r.sends() == []
