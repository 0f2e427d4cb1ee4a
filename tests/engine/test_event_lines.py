"""Event lines read back into typed events (a tracking backup reads the live engine's this way)."""

from __future__ import annotations

import pytest

from showcall.engine import events as ev


@pytest.mark.parametrize(
    "event",
    [
        ev.Loaded(1, show="S", path="/s.yaml", cues=3, devices=("lx", "snd"), wall_ns=7, resumed=True),
        ev.Standby(2, cue="12.5", text="Standby lights", departments={"LX": "12.5"}),
        ev.Standby(2, cue=None),
        ev.Go(3, cue="1", source="follow", fire_ns=4, dept="LX"),
        ev.SentEvent(5, cue="1", device="lx", due_ns=4, sent_ns=5, late_us=1.0, item=2),
        ev.SendFailedEvent(5, cue="1", device="lx", due_ns=4, reason="down", item=1),
        ev.Complete(6, cue="1", failed=1),
        ev.CueFailed(6, cue="1", reason="stopped by panic"),
        ev.Hold(7, reason="talent"),
        ev.Resume(8, held_ns=9),
        ev.PanicEvent(9, cancelled_cues=("1", "2")),
        ev.DeviceEvent(10, device="lx", status="offline", detail="refused"),
        ev.Refused(11, command="go", reason="held"),
        ev.Ack(12, dept="LX", cue="1"),
        ev.ErrorEvent(13, message="x"),
        ev.End(14, reason="complete"),
        ev.TimingInfo(15, mode="precise", priority="SCHED_OTHER", realtime=False, notes=("a",)),
        ev.Reset(16),
        ev.FeedbackEvent(17, device="lx", report="cue", detail="1/12"),
        ev.Go(18, cue="1", source="at", fire_ns=18, dept="LX", show_tod_ns=30_600_000_000_000),
        ev.RehearseFrom(19, cue="20", segment="awards", clock_tod_ns=70_200_000_000_000),
    ],
    ids=lambda e: e.name + ("-stamped" if e.show_tod_ns is not None else ""),
)
def test_every_event_line_reads_back_as_the_event(event: ev.Event) -> None:
    assert ev.from_dict(event.to_dict()) == event


def test_a_late_us_written_as_a_whole_number_is_still_a_float() -> None:
    line = {"event": "sent", "mono_ns": 1, "cue": "1", "device": "lx", "due_ns": 1, "sent_ns": 1, "late_us": 0}
    assert ev.from_dict(line) == ev.SentEvent(1, cue="1", device="lx", due_ns=1, sent_ns=1, late_us=0)


def test_an_event_of_a_newer_showcall_is_passed_over() -> None:
    assert ev.from_dict({"event": "armed", "mono_ns": 1}) is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"event": "go", "mono_ns": 1, "cue": "1", "source": "operator"}, "go: fire_ns is missing"),
        ({"event": "go", "mono_ns": 1, "cue": 1, "source": "x", "fire_ns": 2}, "go: cue is not str: 1"),
        ({"event": "hold", "mono_ns": "soon"}, "hold: mono_ns is not int: 'soon'"),
        ({"event": "resume", "mono_ns": 1, "held_ns": True}, "resume: held_ns is not int: True"),
        ({"event": "panic", "mono_ns": 1, "cancelled_cues": "1"}, "panic: cancelled_cues is not tuple[str, ...]: '1'"),
    ],
)
def test_a_line_not_as_showcall_writes_it_is_refused_saying_which_field(line: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        ev.from_dict(line)
    assert str(raised.value) == message
