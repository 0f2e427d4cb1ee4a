"""Cues the playhead passed, a standby onto a timecode cue, the end of show, reset, a failing listener."""

from __future__ import annotations

from pathlib import Path

from showcall.engine import events as ev

from support.engines import rig

LATE_SHOW = """\
showcall: 1
show: {title: Late show, start: "22:00"}
devices:
  lx: {driver: eos, host: 127.0.0.1}
departments: {LX: {name: Lighting}, FOH: {name: Front of house}}
"""
AT_BETWEEN = """\
cues:
  - {id: "1", dept: LX}
  - {id: "2", dept: FOH, go: {at: "22:05"}, actions: [{lx.fire: {cue: 2}}]}
  - {id: "3", dept: LX}
  - {id: "4", dept: LX}
"""


def test_an_at_cue_passed_over_by_go_still_fires_after_a_hold(tmp_path: Path) -> None:
    r = rig(tmp_path, AT_BETWEEN, header=LATE_SHOW, time_of_day="22:00:00")
    r.engine.go()  # cue 1; the playhead passes the armed at cue 2 and stands on cue 3
    assert r.engine.snapshot().playhead == 2
    r.advance_to(10)
    r.engine.hold()
    r.advance_to(20)
    r.engine.resume()
    r.engine.skip()  # skipping cue 3 must not take cue 2 with it
    r.advance_to(400)
    assert r.gos() == [("1", "operator", 0.0), ("2", "at", 300.0)]


def test_a_jump_past_an_at_cue_skips_it_and_a_jump_back_brings_it_back(tmp_path: Path) -> None:
    r = rig(tmp_path, AT_BETWEEN, header=LATE_SHOW, time_of_day="22:00:00")
    r.engine.standby("4")  # the caller jumps past cue 2: it stays quiet
    r.advance_to(301)
    assert r.gos() == []
    r.engine.standby("1")  # and back: cue 2 is armed again, its time now passed: missed, waits for GO
    assert r.engine.snapshot().cues[1].missed


def test_standby_onto_a_timecode_cue_fires_nothing(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        """\
        cues:
          - {id: "1", dept: LX}
          - {id: "2", dept: LX}
          - {id: "3", dept: LX, go: {timecode: "01:00:00:00"}, actions: [{lx.fire: {cue: 3}}]}
        """,
    )
    r.engine.standby("3")
    r.advance_to(60)
    assert r.gos() == []
    assert r.sends() == []


def test_back_after_the_end_of_the_show_puts_it_back_in_play(tmp_path: Path) -> None:
    r = rig(tmp_path, 'cues:\n  - {id: "1", dept: LX}\n  - {id: "2", dept: LX, go: {follow: 1s}}\n')
    r.engine.go()
    r.advance_to(2)
    assert r.engine.snapshot().ended
    r.engine.back()
    r.engine.back()
    assert not r.engine.snapshot().ended
    r.engine.go()
    r.advance_to(2.5)
    assert not r.engine.snapshot().ended  # cue 2 is armed again
    r.advance_to(4)
    assert r.engine.snapshot().ended
    assert [e.name for e in r.events].count("end") == 2


def test_reset_cancels_quietly_without_the_devices_stop_messages(tmp_path: Path) -> None:
    r = rig(tmp_path, 'cues:\n  - {id: "1", dept: LX, actions: [{wait: 5s}, {lx.fire: {cue: 1}}]}\n')
    r.engine.go()
    r.engine.reset()
    assert r.scheduler.panics == 0
    assert r.scheduler.pending == []
    r.advance_to(10)
    assert r.sends() == []


def test_a_failing_listener_is_reported_and_the_show_stays_whole(tmp_path: Path) -> None:
    r = rig(tmp_path, 'cues:\n  - {id: "1", dept: LX}\n  - {id: "2", dept: LX}\n  - {id: "3", dept: LX}\n')

    def disk_full(event: ev.Event) -> None:
        if isinstance(event, ev.Go):
            raise OSError(28, "No space left on device")

    r.engine.subscribe(disk_full)
    r.engine.go()
    r.advance_to(1)
    r.engine.go()
    assert [g[0] for g in r.gos()] == ["1", "2"]  # no cue fired twice, none skipped
    errors = [e.message for e in r.events if isinstance(e, ev.ErrorEvent)]
    assert errors[0] == "a listener failed on 'go': OSError: [Errno 28] No space left on device"


def test_a_log_that_cannot_be_written_says_so_once_and_the_show_goes_on(tmp_path: Path) -> None:
    from showcall.engine.log import EventLog

    r = rig(tmp_path, 'cues:\n  - {id: "1", dept: LX}\n  - {id: "2", dept: LX}\n')
    full = EventLog(Path("/dev/full"))
    r.engine.subscribe(full)
    r.engine.go()
    r.advance_to(1)
    r.engine.go()
    assert [g[0] for g in r.gos()] == ["1", "2"]
    errors = [e.message for e in r.events if isinstance(e, ev.ErrorEvent)]
    assert errors == [
        "a listener failed on 'go': cannot write the event log /dev/full (No space left on device): no more events"
        " are logged"
    ]
