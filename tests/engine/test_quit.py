"""Quit drains, on virtual time: nothing more fires, every send the core was handed is settled, then `end`.

The fake core is as late as the real one (a command reaches it 300 µs after it is made, each report comes back
200 µs after the core made it), so a quit can come while a GO's first message is on its way to the core, or
while a cancel is racing a send. In every case: what went out is logged before `end`, what did not go is never
logged as sent, and `end` is the last event.
"""

from __future__ import annotations

from pathlib import Path

from showcall.engine import events as ev
from showcall.engine.snapshot import CueState

from support.engines import MS, Rig, S, rig

US = 1_000
CHAIN = """\
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}, {wait: 3s}, {lx.fire: {cue: 2}}]}
  - {id: "2", dept: SND, go: {follow: 2s}, actions: [{snd.go: {}}]}
  - {id: "3", dept: LX, actions: [{lx.fire: {cue: 3}}]}
"""


def _late_rig(tmp_path: Path, *, command_ns: int = 300 * US) -> Rig:
    return rig(tmp_path, CHAIN, command_ns=command_ns, report_ns=200 * US, go_lead_ns=1 * MS)


def _wire(r: Rig) -> list[tuple[str, int]]:
    """(cue, ns after the rig started) of every message the core put on the wire."""
    return [(w.cue, w.at_ns - r.t0) for w in r.scheduler.wire if w.item_id is not None]


def _logged_sends(r: Rig) -> list[tuple[str, int]]:
    return [(e.cue, e.item) for e in r.events if isinstance(e, ev.SentEvent)]


def test_quit_with_nothing_in_flight_ends_at_once(tmp_path: Path) -> None:
    r = _late_rig(tmp_path)
    r.engine.quit()
    assert r.names()[-1] == "end"
    end = r.events[-1]
    assert isinstance(end, ev.End) and (end.reason, end.unconfirmed) == ("quit", 0)
    assert r.engine.snapshot().ended


def test_a_go_then_quit_before_its_fire_time_still_goes_out_and_is_logged_before_end(tmp_path: Path) -> None:
    r = _late_rig(tmp_path)
    r.engine.go()  # cue 1's first message due at 1 ms: the deadline is still on its way to the core
    r.clock.advance(100 * US)
    r.engine.quit()
    assert "end" not in r.names()  # the core has not settled the GO's send yet
    assert r.engine.snapshot().quitting
    assert r.trace()[-3:] == ["go 1 operator", "standby 2", "failed 1"]  # a GO taken goes out: logged now
    r.clock.advance_to(r.t0 + 10 * S)
    assert _wire(r) == [("1", 1 * MS)]  # the first message went; the second (at 3 s) and cue 2's were cancelled
    assert _logged_sends(r) == [("1", 0)]
    assert r.names()[-1] == "end"
    go, sent = r.of(ev.Go)[0], r.of(ev.SentEvent)[0]
    assert r.events.index(go) < r.events.index(sent) < len(r.events) - 1
    failed = r.of(ev.CueFailed)
    assert [(e.cue, e.reason) for e in failed if isinstance(e, ev.CueFailed)] == [
        ("1", "stopped by quit: 1 of 2 messages not sent")
    ]
    show = r.engine.snapshot()
    assert [c.state for c in show.cues] == [CueState.FAILED, CueState.PENDING, CueState.PENDING]
    assert r.scheduler.unsettled == 0


def test_end_waits_for_the_core_to_confirm_the_cancels(tmp_path: Path) -> None:
    r = _late_rig(tmp_path)
    r.engine.go()
    r.advance_to(0.5)  # cue 1 went; its second message and cue 2 (a follow) wait in the core
    r.engine.quit("SIGTERM")
    assert "end" not in r.names()
    r.clock.advance(300 * US)  # the cancel reaches the core
    assert "end" not in r.names()
    r.clock.advance(200 * US)  # its confirmation comes back
    end = r.events[-1]
    assert isinstance(end, ev.End) and end.reason == "SIGTERM"
    assert end.mono_ns == r.at(0.5) + 500 * US
    cancelled = r.of(ev.CancelledEvent)
    assert len(cancelled) == 1 and r.events.index(cancelled[0]) == len(r.events) - 2
    r.clock.advance_to(r.t0 + 10 * S)
    assert _wire(r) == [("1", 1 * MS)]
    assert r.names()[-1] == "end"  # nothing after it


def test_a_cancel_that_loses_the_race_is_logged_as_sent_before_end(tmp_path: Path) -> None:
    r = _late_rig(tmp_path, command_ns=3 * MS)  # a slow link: the quit's cancel arrives after the send
    r.engine.go()
    r.clock.advance_to(r.t0 + 2_001 * MS - 2 * MS)  # cue 2 is due in 2 ms: later than the GO lead, so cancelled
    r.engine.quit()
    r.clock.advance_to(r.t0 + 10 * S)
    assert _wire(r) == [("1", 3 * MS), ("2", 2_001 * MS)]  # the cancel came too late: it went out
    assert sorted(_logged_sends(r)) == [("1", 0), ("2", 0)]  # and the log says so, before end
    assert r.names()[-1] == "end"


def test_quit_while_held_ends_once_the_hold_is_settled(tmp_path: Path) -> None:
    r = _late_rig(tmp_path)
    r.engine.go()
    r.advance_to(0.5)
    r.engine.hold()
    r.advance_to(1.0)  # the hold's cancels were confirmed: those sends are parked, not in the core
    r.engine.quit()
    assert r.names()[-1] == "end"
    r.clock.advance_to(r.t0 + 10 * S)
    assert _wire(r) == [("1", 1 * MS)]


def test_quit_while_a_hold_is_being_confirmed_waits_for_it(tmp_path: Path) -> None:
    r = _late_rig(tmp_path)
    r.engine.go()
    r.advance_to(0.5)
    r.engine.hold()
    r.engine.quit()  # the hold's cancel has not reached the core yet
    assert "end" not in r.names()
    r.clock.advance(500 * US)
    assert r.names()[-1] == "end"


def test_commands_are_refused_while_quitting_but_panic_still_stops(tmp_path: Path) -> None:
    r = _late_rig(tmp_path)
    r.engine.go()
    r.clock.advance(100 * US)
    r.engine.quit()
    refusal = r.engine.go()
    assert refusal is not None and refusal.reason.startswith("the run is ending (quit)")
    assert r.engine.hold() is not None and r.engine.standby("3") is not None
    r.engine.panic()  # safety first: still works
    r.clock.advance_to(r.t0 + 10 * S)
    assert r.names()[-1] == "end"
    assert r.names().count("end") == 1


def test_force_end_names_the_sends_the_core_never_confirmed(tmp_path: Path) -> None:
    r = _late_rig(tmp_path, command_ns=60 * S)  # a core that takes a minute to hear anything: hung
    r.engine.go()
    r.clock.advance(100 * US)
    r.engine.quit()
    r.clock.advance(2 * S)  # the runner's bound
    assert "end" not in r.names()
    assert r.engine.force_end() == 3
    error, end = r.events[-2:]
    assert isinstance(error, ev.ErrorEvent)
    assert error.message == (
        "3 sends not confirmed by the timing core at exit (they may or may not have gone out): 1 #0, 1 #1, 2 #0"
    )
    assert isinstance(end, ev.End) and end.unconfirmed == 3
    assert r.engine.force_end() == 0  # once
