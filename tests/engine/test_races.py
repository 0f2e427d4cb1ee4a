"""Races between the engine's commands and the timing core's sends, on virtual time.

The fake core here is as late as the real one: a command reaches it 300 µs after it is made and each report
comes back 200 µs after the core made it (slower in some tests). So a hold or a panic can reach the core after
a send it meant to stop has already gone out, and a resume can come before the core has confirmed the hold's
cancel. In every case each message is on the wire at most once, and every message on the wire is in the log.
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
  - {id: "3", dept: LX}
"""


def _late_rig(tmp_path: Path, *, report_ns: int = 200 * US) -> Rig:
    return rig(tmp_path, CHAIN, command_ns=300 * US, report_ns=report_ns, go_lead_ns=1 * MS)


def _logged_sends(r: Rig) -> list[tuple[str, int]]:
    """(cue, message number) of every `sent` event."""
    return [(e.cue, e.item) for e in r.events if isinstance(e, ev.SentEvent)]


def _wire(r: Rig) -> list[tuple[str, int]]:
    """(cue, ns after the rig started) of every message the core put on the wire."""
    return [(w.cue, w.at_ns - r.t0) for w in r.scheduler.wire if w.item_id is not None]


def test_a_hold_that_reaches_the_core_after_a_send_does_not_send_it_again_on_resume(tmp_path: Path) -> None:
    r = _late_rig(tmp_path)
    r.engine.go()  # cue 1 at 1 ms (and its second message at 3.001 s), cue 2 follows at 2.001 s
    r.clock.advance_to(r.t0 + 2_001 * MS - 100 * US)
    r.engine.hold()  # 100 µs before cue 2 is due: the cancel reaches the core 200 µs after it went out
    r.clock.advance_to(r.t0 + 10 * S)
    assert _wire(r) == [("1", 1 * MS), ("2", 2_001 * MS)]
    show = r.engine.snapshot()
    assert show.cues[1].state is CueState.COMPLETE  # the core's report says it went: it GOne, during the hold
    assert r.trace()[-3:] == ["hold", "go 2 follow", "complete 2"]
    held = r.clock.now_ns() - (r.t0 + 2_001 * MS - 100 * US)
    r.engine.resume()
    r.clock.advance_to(r.t0 + 30 * S)
    assert _wire(r) == [("1", 1 * MS), ("2", 2_001 * MS), ("1", 3_001 * MS + held)]  # each once
    assert r.engine.snapshot().cues[1].fire_ns == r.t0 + 2_001 * MS  # its record was not moved by the resume
    assert sorted(_logged_sends(r)) == [("1", 0), ("1", 1), ("2", 0)]


def test_a_resume_before_the_core_confirmed_the_hold_waits_for_the_confirmation(tmp_path: Path) -> None:
    r = _late_rig(tmp_path, report_ns=5 * MS)  # slow reports: the resume comes first
    r.engine.go()
    r.clock.advance_to(r.t0 + 1 * S)
    r.engine.hold()
    r.clock.advance_to(r.t0 + 1 * S + 2 * MS)  # the cancel reached the core; its confirmation is still coming
    assert r.scheduler.pending == []
    r.engine.resume()  # held 2 ms
    r.clock.advance_to(r.t0 + 30 * S)
    assert _wire(r) == [("1", 1 * MS), ("2", 2_003 * MS), ("1", 3_003 * MS)]
    assert [g[:2] for g in r.gos()] == [("1", "operator"), ("2", "follow")]


def test_a_panic_that_loses_the_race_still_logs_what_went_out_and_stops_the_rest(tmp_path: Path) -> None:
    r = _late_rig(tmp_path)
    r.engine.go()
    r.clock.advance_to(r.t0 + 2_001 * MS - 100 * US)
    r.engine.panic()
    r.clock.advance_to(r.t0 + 60 * S)
    assert _wire(r) == [("1", 1 * MS), ("2", 2_001 * MS)]  # cue 1's second message never goes
    assert sorted(_logged_sends(r)) == [("1", 0), ("2", 0)]  # the message that beat the panic is in the log
    assert r.engine.snapshot().cues[0].reason == "stopped by panic"


def test_go_again_while_the_first_go_is_still_sending_supersedes_it_without_losing_the_log(tmp_path: Path) -> None:
    r = _late_rig(tmp_path)
    r.engine.go()
    r.clock.advance_to(r.t0 + 500 * MS)
    r.engine.standby("1")
    r.clock.advance_to(r.t0 + 3_001 * MS - 100 * US)
    r.engine.go()  # cue 1 again, 100 µs before its first GO's second message: that cancel loses the race
    r.clock.advance_to(r.t0 + 30 * S)
    again = 3_001 * MS - 100 * US + 1 * MS
    assert [c for c, _ in _wire(r)] == ["1", "2", "1", "1", "2", "1"]
    assert _wire(r)[2] == ("1", 3_001 * MS)  # the first GO's second message went before the cancel arrived
    assert _wire(r)[3] == ("1", again)
    assert len(_logged_sends(r)) == len(r.scheduler.wire)  # everything on the wire is in the log


def test_reports_arrive_after_the_send_and_in_order(tmp_path: Path) -> None:
    r = _late_rig(tmp_path)
    r.engine.go()
    r.clock.advance_to(r.t0 + 1 * MS)  # cue 1's first message is on the wire now
    assert _wire(r) == [("1", 1 * MS)]
    assert _logged_sends(r) == []  # its report is still on its way
    r.clock.advance_to(r.t0 + 1 * MS + 200 * US)
    assert _logged_sends(r) == [("1", 0)]
    sent = r.of(ev.SentEvent)[0]
    assert isinstance(sent, ev.SentEvent) and sent.late_us == 0.0  # on time: the deadline was 1 ms out
