"""Hold, resume and panic on virtual time: exact shifts, nothing lost, nothing sent twice."""

from __future__ import annotations

from pathlib import Path

from showcall.engine import events as ev

from support.engines import S, rig

CHAIN = """\
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}, {wait: 3s}, {lx.fire: {cue: 2}}]}
  - {id: "2", dept: SND, go: {follow: 2s}, actions: [{snd.go: {}}]}
  - {id: "3", dept: SND, go: {after: 1s}, actions: [{snd.stop: {}}]}
  - {id: "4", dept: LX}
"""


def test_hold_and_resume_shift_pending_automatic_cues_by_exactly_the_held_time(tmp_path: Path) -> None:
    r = rig(tmp_path, CHAIN)
    r.engine.go()  # t=0: cue 1 now and at +3 s, cue 2 at +2 s, cue 3 at +3 s
    r.advance_to(1)
    assert r.engine.hold() is None
    r.settle()
    assert r.scheduler.pending == []  # nothing automatic is left in the timing core
    r.advance_to(11)  # held 10 s: nothing fires
    assert r.gos() == [("1", "operator", 0.0)]
    assert r.engine.snapshot().clocks.held_ns == 10 * S
    assert r.engine.resume() is None
    r.advance_to(30)
    assert r.gos() == [("1", "operator", 0.0), ("2", "follow", 12.0), ("3", "after", 13.0)]
    assert r.sends() == [(0.0, "1", "lx"), (12.0, "2", "snd"), (13.0, "1", "lx"), (13.0, "3", "snd")]
    assert [e.held_ns for e in r.of(ev.Resume)] == [10 * S]  # type: ignore[attr-defined]


def test_hold_refuses_go_and_second_hold_resume_without_hold(tmp_path: Path) -> None:
    r = rig(tmp_path, CHAIN)
    assert r.engine.resume() is not None
    r.engine.hold()
    assert r.engine.hold() is not None
    assert r.engine.go() is not None
    assert [e.reason for e in r.of(ev.Refused)] == [  # type: ignore[attr-defined]
        "the show is not held",
        "the show is already held",
        "the show is held: resume first",
    ]


def test_panic_cancels_every_pending_send_at_once_and_holds(tmp_path: Path) -> None:
    r = rig(tmp_path, CHAIN)
    r.engine.go()
    r.advance_to(0.5)
    r.engine.panic()
    r.settle()
    assert r.scheduler.pending == []
    assert r.scheduler.panics == 1
    r.advance_to(60)
    assert r.sends() == [(0.0, "1", "lx")]
    panic = r.of(ev.PanicEvent)[0]
    assert isinstance(panic, ev.PanicEvent)
    assert panic.cancelled_cues == ("1", "2", "3")
    assert r.engine.snapshot().held
    assert [r.engine.snapshot().cues[i].state for i in range(4)] == ["failed", "pending", "pending", "pending"]
    assert r.engine.snapshot().cues[0].reason == "stopped by panic"
    # after panic the caller resumes and carries on from the standby cue
    assert r.engine.snapshot().playhead == 3
    r.engine.resume()
    r.engine.go()
    r.advance_to(61)
    assert r.gos()[-1] == ("4", "operator", 60.0)


def test_reset_puts_everything_back(tmp_path: Path) -> None:
    r = rig(tmp_path, CHAIN)
    r.engine.go()
    r.advance_to(0.5)
    r.engine.reset()
    assert r.engine.snapshot().playhead == 0
    assert all(r.engine.snapshot().cues[i].state == "pending" for i in range(4))
    r.settle()
    assert r.scheduler.pending == []
    assert r.trace()[-2:] == ["reset", "standby 1"]
