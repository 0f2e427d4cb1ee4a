"""The calling sequence on virtual time: standby, GO, follow/after chains, refusals, exact times."""

from __future__ import annotations

from pathlib import Path

from showcall.engine import events as ev

from support.engines import MS, S, rig

THREE = """\
cues:
  - {id: "1", dept: LX, label: House to half, actions: [{lx.fire: {cue: 1}}]}
  - {id: "2", dept: SND, label: Walk-in off, actions: [{snd.go: {}}, {wait: 1s}, {snd.stop: {}}]}
  - {id: "3", dept: LX, label: Stage up, actions: [{lx.fire: {cue: 3}}]}
"""


def test_go_fires_the_standby_cue_and_moves_the_playhead(tmp_path: Path) -> None:
    r = rig(tmp_path, THREE)
    assert r.trace() == ["loaded", "standby 1"]
    assert r.engine.go() is None
    r.advance_to(0.5)
    assert r.engine.go() is None
    r.advance_to(5)
    assert r.engine.go() is None
    r.advance_to(6)
    assert r.trace() == [
        "loaded",
        "standby 1",
        "go 1 operator",
        "standby 2",
        "complete 1",
        "go 2 operator",
        "standby 3",
        "complete 2",
        "go 3 operator",
        "standby None",
        "complete 3",
        "end",
    ]
    assert r.sends() == [(0.0, "1", "lx"), (0.5, "2", "snd"), (1.5, "2", "snd"), (5.0, "3", "lx")]


def test_standby_names_the_text_and_each_departments_next_cue(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        """\
        cues:
          - {id: "10", dept: LX, standby: "Standby lights 10 and sound 10"}
          - {id: "10.5", dept: SND, go: {follow: 1s}}
          - {id: "11", dept: VID}
          - {id: "12", dept: LX}
        """,
    )
    (standby,) = r.of(ev.Standby)
    assert isinstance(standby, ev.Standby)
    assert standby.cue == "10"
    assert standby.text == "Standby lights 10 and sound 10"
    assert standby.departments == {"LX": "10", "SND": "10.5", "VID": "11"}
    lights = {light.dept: (light.light.value, light.light_cue) for light in r.engine.snapshot().departments}
    assert lights == {"LX": ("standby", "10"), "SND": ("standby", "10.5"), "VID": ("idle", None)}


def test_follow_and_after_chains_fire_at_exact_times(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        """\
        cues:
          - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}, {wait: 2s}, {lx.fire: {cue: 2}}]}
          - {id: "2", dept: SND, go: {follow: 500ms}, actions: [{snd.go: {}}]}
          - {id: "3", dept: SND, go: {after: 1s}, actions: [{snd.go: {}}, {wait: 250ms}, {snd.stop: {}}]}
          - {id: "4", dept: LX, go: {after: 0s}, actions: [{lx.fire: {cue: 4}}]}
          - {id: "5", dept: LX}
        """,
    )
    r.advance_to(10)
    assert r.engine.go() is None
    # the whole chain's sends reach the timing core the moment cue 1 is GOne (its first one is due at once)
    r.settle()
    assert r.sends() == [(10.0, "1", "lx")]
    assert [(i.deadline_ns - r.at(10)) / S for i in r.scheduler.pending] == [0.5, 1.5, 1.75, 1.75, 2.0]
    assert r.engine.snapshot().playhead == 4  # armed chain cues are skipped: GO next fires cue 5
    r.advance_to(20)
    assert r.gos() == [("1", "operator", 10.0), ("2", "follow", 10.5), ("3", "after", 11.5), ("4", "after", 11.75)]
    assert r.sends() == [
        (10.0, "1", "lx"),
        (10.5, "2", "snd"),
        (11.5, "3", "snd"),
        (11.75, "3", "snd"),
        (11.75, "4", "lx"),
        (12.0, "1", "lx"),
    ]
    # at 11.75 the engine's own timer marks cue 4 fired before the core's report of cue 3's last send
    # comes back (reports always arrive after the send, as from the real core)
    assert r.trace()[-4:] == ["go 4 after", "complete 3", "complete 4", "complete 1"]


def test_refused_gos_say_why(tmp_path: Path) -> None:
    r = rig(tmp_path, THREE)
    r.engine.go()
    r.advance_to(0.12)
    refusal = r.engine.go()
    assert refusal is not None
    assert refusal.reason == "GO refused: 0.12 s after the last GO, guard is 0.25 s"
    r.engine.hold()
    assert r.engine.go() is not None
    r.engine.resume()
    r.advance_to(1)
    r.engine.go()
    r.advance_to(2)
    r.engine.go()
    r.advance_to(3)
    refused = [e for e in r.of(ev.Refused) if isinstance(e, ev.Refused)]
    assert [(e.command, e.reason) for e in refused] == [
        ("go", "GO refused: 0.12 s after the last GO, guard is 0.25 s"),
        ("go", "the show is held: resume first"),
    ]
    assert r.engine.go() is not None
    assert r.of(ev.Refused)[-1].reason == "end of show: there is no cue on standby"  # type: ignore[attr-defined]
    assert [g[0] for g in r.gos()] == ["1", "2", "3"]


def test_back_skip_and_standby_move_the_playhead_without_firing(tmp_path: Path) -> None:
    r = rig(tmp_path, THREE)
    assert r.engine.skip() is None
    assert r.engine.snapshot().playhead == 1
    assert r.engine.standby("3") is None
    assert r.engine.snapshot().playhead == 2
    assert r.engine.back() is None
    assert r.engine.snapshot().playhead == 1
    assert r.engine.standby("99") is not None
    assert r.sends() == []
    r.engine.go()
    r.advance_to(2)
    assert r.gos() == [("2", "operator", 0.0)]
    assert r.engine.snapshot().playhead == 2


def test_back_then_go_fires_a_cue_again(tmp_path: Path) -> None:
    r = rig(tmp_path, THREE)
    r.engine.go()
    r.advance_to(1)
    r.engine.back()
    r.engine.go()
    r.advance_to(2)
    assert [g[0] for g in r.gos()] == ["1", "1"]
    assert r.engine.snapshot().playhead == 1


def test_acknowledge_per_department(tmp_path: Path) -> None:
    r = rig(tmp_path, THREE)
    assert r.engine.ack("lx") is None
    assert r.engine.ack("SND") is not None  # SND has nothing on standby yet
    assert r.engine.ack("CAM") is not None
    lights = {light.dept: light.light.value for light in r.engine.snapshot().departments}
    assert lights["LX"] == "acked"
    r.engine.go()
    lights = {light.dept: (light.light.value, light.light_cue) for light in r.engine.snapshot().departments}
    assert lights["LX"] == ("go", "1")
    assert lights["SND"] == ("standby", "2")
    assert [e.to_dict()["event"] for e in r.of(ev.Ack)] == ["ack"]


def test_a_device_that_fails_marks_its_cue_failed_with_the_reason(tmp_path: Path) -> None:
    r = rig(tmp_path, THREE)
    r.scheduler.fail_device("snd", "device offline")
    r.engine.go()
    r.advance_to(1)
    r.engine.go()
    r.advance_to(3)
    failed = [e for e in r.of(ev.CueFailed) if isinstance(e, ev.CueFailed)]
    assert [(e.cue, e.reason) for e in failed] == [("2", "2 of 2 messages failed: device offline")]
    assert r.engine.snapshot().cues[1].state == "failed"
    assert r.engine.snapshot().cues[0].state == "complete"
    r.engine.go()  # the show goes on
    r.advance_to(4)
    assert r.engine.snapshot().cues[2].state == "complete"


def test_event_lines_have_event_and_mono_ns(tmp_path: Path) -> None:
    r = rig(tmp_path, THREE)
    r.engine.go()
    r.advance_to(0.001)
    lines = [e.to_dict() for e in r.events]
    assert all(set(line) >= {"event", "mono_ns"} for line in lines)
    sent = next(line for line in lines if line["event"] == "sent")
    assert sent == {
        "event": "sent",
        "mono_ns": r.at(0),
        "cue": "1",
        "device": "lx",
        "due_ns": r.at(0),
        "sent_ns": r.at(0),
        "late_us": 0.0,
        "item": 0,
        "item_id": 1,
    }
    armed = next(line for line in lines if line["event"] == "armed")
    assert armed == {
        "event": "armed",
        "mono_ns": r.at(0),
        "cues": [{"cue": "1", "source": "operator", "fire_ns": r.at(0), "items": [[1, 0, r.at(0)]]}],
    }
    assert lines.index(armed) < lines.index(sent)
    go = next(line for line in lines if line["event"] == "go")
    assert go == {"event": "go", "mono_ns": r.at(0), "cue": "1", "source": "operator", "fire_ns": r.at(0), "dept": "LX"}
    assert MS == 1_000_000
