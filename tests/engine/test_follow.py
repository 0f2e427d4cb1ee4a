"""A following engine (a tracking backup) on virtual time: it shows the live show, sends nothing, and takes over
from the live engine's events so that every message goes once, at the time the live engine would have sent it.

Both engines share one virtual clock here (the link's clock conversion is tested in tests/backup); the main's
events reach the backup as its listener, as the link delivers them. "The main dies" is its core fenced (nothing
more leaves) and its events no longer delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from showcall.engine import events as ev
from showcall.engine.engine import FOLLOWING
from showcall.engine.snapshot import CueState, ShowSnapshot
from showcall.timing.fake import FakeClock

from support.engines import START_NS, Rig, S, rig

US = 1_000
CHAIN = """\
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}, {wait: 3s}, {lx.fire: {cue: 2}}]}
  - {id: "2", dept: SND, go: {follow: 2s}, actions: [{snd.go: {}}]}
  - {id: "3", dept: LX, go: {follow: 2s}, actions: [{lx.fire: {cue: 3}}]}
  - {id: "4", dept: SND, actions: [{snd.go: {}}]}
"""


@dataclass
class Pair:
    """A main and its backup on one virtual clock; `cut()` is the main dying."""

    main: Rig
    backup: Rig
    cut: Callable[[], None]

    def wire(self) -> list[tuple[str, bytes, float, str]]:
        """(cue, OSC address, seconds after start, who) of every message either put on the wire, in time order."""
        both = [(w.cue, _address(w.payload), w.at_ns, "main") for w in self.main.scheduler.wire if w.item_id]
        both += [(w.cue, _address(w.payload), w.at_ns, "backup") for w in self.backup.scheduler.wire if w.item_id]
        return [(cue, payload, (at - START_NS) / S, who) for cue, payload, at, who in sorted(both, key=lambda x: x[2])]


def _address(payload: bytes) -> bytes:
    """An OSC message's address."""
    return payload.split(b"\0", 1)[0]


def pair(tmp_path: Path, body: str = CHAIN, *, report_ns: int = 0) -> Pair:
    clock = FakeClock(start_ns=START_NS)
    (tmp_path / "main").mkdir()
    (tmp_path / "backup").mkdir()
    main = rig(tmp_path / "main", body, clock=clock, start=False, report_ns=report_ns, journal=True)
    backup = rig(tmp_path / "backup", body, clock=clock, journal=True, following=True)
    unsubscribe = main.engine.subscribe(backup.engine.follow)
    main.engine.start()

    def cut() -> None:
        unsubscribe()
        main.scheduler.set_send_limit(clock.now_ns())  # its core sends nothing more: the machine is gone
        main.engine.close()

    return Pair(main, backup, cut)


def view(show: ShowSnapshot) -> tuple[object, ...]:
    """What a caller reads off either console."""
    cues = tuple((c.id, c.state, c.source, c.fire_ns, c.reason) for c in show.cues)
    lights = tuple((d.dept, d.light, d.light_cue) for d in show.departments)
    return (show.playhead, show.held, show.panicked, show.ended, show.next_auto, cues, lights)


def test_the_backup_shows_what_the_main_shows_and_sends_nothing(tmp_path: Path) -> None:
    p = pair(tmp_path)
    p.main.engine.go()
    for t in (0.5, 2.5, 4.5, 6.0):
        p.main.advance_to(t)
        assert view(p.backup.engine.snapshot()) == view(p.main.engine.snapshot()), t
    p.main.engine.hold()
    p.main.advance_to(7.0)
    p.main.engine.resume()
    p.main.engine.go()
    p.main.advance_to(9.0)
    assert view(p.backup.engine.snapshot()) == view(p.main.engine.snapshot())
    assert p.backup.engine.snapshot().following and not p.main.engine.snapshot().following
    assert p.backup.scheduler.wire == [] and p.backup.scheduler.statistics().scheduled == 0
    assert [e.name for e in p.backup.of(ev.Go)] == ["go"] * 4  # its log and console see the show


def test_the_backup_refuses_the_callers_commands_while_it_follows(tmp_path: Path) -> None:
    p = pair(tmp_path)
    engine = p.backup.engine
    refusals = [engine.go(), engine.hold(), engine.standby("3"), engine.skip(), engine.back(), engine.ack("LX")]
    engine.panic()
    assert [r.reason for r in refusals if r is not None] == [FOLLOWING] * 6
    assert [e.command for e in p.backup.of(ev.Refused)] == ["go", "hold", "standby", "skip", "back", "ack", "panic"]
    p.main.advance_to(5)
    assert p.backup.scheduler.wire == []


def test_taking_over_sends_each_message_once_at_the_mains_times(tmp_path: Path) -> None:
    p = pair(tmp_path)
    p.main.engine.go()  # 1 at 0 s (and its second message at 3 s), 2 follows at 2 s, 3 at 4 s
    p.main.advance_to(2.5)
    p.cut()  # the main dies after cue 2
    p.main.advance_to(3.5)  # half a second of silence: cue 1's second message is now overdue
    p.backup.engine.take_over()
    p.main.advance_to(10)
    assert p.wire() == [
        ("1", b"/eos/cue/1/1/fire", 0.0, "main"),
        ("2", b"/go", 2.0, "main"),
        ("1", b"/eos/cue/1/2/fire", 3.5, "backup"),  # overdue: at once, reported late
        ("3", b"/eos/cue/1/3/fire", 4.0, "backup"),  # on the main's time
    ]
    show = p.backup.engine.snapshot()
    assert not show.following and show.playhead == 3
    assert [c.state for c in show.cues] == [CueState.COMPLETE] * 3 + [CueState.PENDING]
    assert p.backup.engine.go() is None  # and it calls the show from here
    p.main.advance_to(11)
    assert p.wire()[-1] == ("4", b"/go", 10.0, "backup")


def test_a_hold_on_the_main_moves_what_the_backup_sends_as_the_main_would_have(tmp_path: Path) -> None:
    p = pair(tmp_path)
    p.main.engine.go()
    p.main.advance_to(1)
    p.main.engine.hold()
    p.main.advance_to(11)
    p.main.engine.resume()  # held 10 s: cue 2 at 12 s, cue 1's second message at 13 s, cue 3 at 14 s
    p.main.advance_to(12.5)
    p.cut()
    p.main.advance_to(12.6)
    p.backup.engine.take_over()
    p.main.advance_to(30)
    assert [(cue, at, who) for cue, _, at, who in p.wire()] == [
        ("1", 0.0, "main"),
        ("2", 12.0, "main"),
        ("1", 13.0, "backup"),
        ("3", 14.0, "backup"),
    ]


def test_a_backup_taking_over_a_held_show_stays_held_and_counts_the_hold_from_when_it_began(tmp_path: Path) -> None:
    p = pair(tmp_path)
    p.main.engine.go()
    p.main.advance_to(1)
    p.main.engine.hold()
    p.main.advance_to(3)
    p.cut()
    p.main.advance_to(4)
    p.backup.engine.take_over()
    p.main.advance_to(9)
    show = p.backup.engine.snapshot()
    assert show.held and show.held_since_ns == START_NS + 1 * S
    assert p.backup.engine.resume() is None  # held 8 s in all, 2 of them on the main
    p.main.advance_to(20)
    assert [(cue, at, who) for cue, _, at, who in p.wire()] == [
        ("1", 0.0, "main"),
        ("2", 10.0, "backup"),
        ("1", 11.0, "backup"),
        ("3", 12.0, "backup"),
    ]


def test_after_a_panic_on_the_main_the_backup_sends_nothing_it_cancelled(tmp_path: Path) -> None:
    p = pair(tmp_path)
    p.main.engine.go()
    p.main.advance_to(1)
    p.main.engine.panic()
    p.main.advance_to(1.5)
    assert view(p.backup.engine.snapshot()) == view(p.main.engine.snapshot())
    p.cut()
    p.backup.engine.take_over()
    assert p.backup.engine.snapshot().held
    p.backup.engine.resume()
    p.main.advance_to(20)
    assert [(cue, who) for cue, _, _, who in p.wire()] == [("1", "main")]


def test_a_send_whose_report_had_not_reached_the_backup_goes_twice(tmp_path: Path) -> None:
    """The one window the engines cannot close (showcall.backup decides what to do with such sends): the
    main's core sent cue 2 at 2 s, and the main died before the report of it reached the backup."""
    p = pair(tmp_path, report_ns=200 * US)
    p.main.engine.go()
    p.main.advance_to(2 + 100 * US / S)  # 100 µs after cue 2 went: its report is still on its way
    p.cut()
    p.main.advance_to(2.5)
    p.backup.engine.take_over()
    p.main.advance_to(3)
    assert [(cue, at, who) for cue, _, at, who in p.wire()][:3] == [
        ("1", 0.0, "main"),
        ("2", 2.0, "main"),
        ("2", 2.5, "backup"),
    ]


def test_a_main_that_stands_down_cancels_quietly_and_then_follows_the_backup(tmp_path: Path) -> None:
    p = pair(tmp_path)
    p.main.engine.go()
    p.main.advance_to(2.5)
    p.main.engine.stand_down()  # an orderly hand-over: the main stops, then the backup takes over
    p.main.advance_to(2.6)  # the core confirms the cancels; nothing more leaves the main
    p.cut()
    p.backup.engine.subscribe(p.main.engine.follow)  # roles swapped: the main follows now
    p.backup.engine.take_over()
    p.main.advance_to(10)
    assert [(cue, at, who) for cue, _, at, who in p.wire()] == [
        ("1", 0.0, "main"),
        ("2", 2.0, "main"),
        ("1", 3.0, "backup"),
        ("3", 4.0, "backup"),
    ]
    assert view(p.main.engine.snapshot()) == view(p.backup.engine.snapshot())
    assert p.main.engine.snapshot().following
    assert p.main.engine.go() is not None  # refused: it follows
    assert not p.main.of(ev.PanicEvent)  # devices were not told to stop


def test_a_reset_on_the_main_resets_the_backup(tmp_path: Path) -> None:
    p = pair(tmp_path)
    p.main.engine.go()
    p.main.advance_to(2.5)
    p.main.engine.reset()
    p.main.advance_to(3)
    assert view(p.backup.engine.snapshot()) == view(p.main.engine.snapshot())
    p.cut()
    p.backup.engine.take_over()
    p.main.advance_to(10)
    assert [(cue, who) for cue, _, _, who in p.wire()] == [("1", "main"), ("2", "main")]
    assert p.backup.engine.snapshot().playhead == 0


ALL_CHAINED = """\
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}]}
  - {id: "2", dept: LX, go: {follow: 1s}, actions: [{lx.fire: {cue: 2}}]}
  - {id: "3", dept: LX, go: {follow: 1s}, actions: [{lx.fire: {cue: 3}}]}
"""


def test_a_take_over_after_a_cue_went_out_is_not_the_end_of_the_show(tmp_path: Path) -> None:
    """The link carried cue 2's `sent` but not yet its `complete` when the main died: every cue left is armed
    behind it, nothing is on standby; restore completes cue 2 before it arms the chain again, which must not
    read as the end of the show."""
    (tmp_path / "backup").mkdir()
    backup = rig(tmp_path / "backup", ALL_CHAINED, journal=True, following=True)
    t = START_NS
    for event in (
        ev.Go(t, cue="1", source="operator", fire_ns=t, dept="LX"),
        ev.Standby(t, cue=None),
        ev.SentEvent(t, cue="1", device="lx", due_ns=t, sent_ns=t, late_us=0.0),
        ev.Complete(t, cue="1"),
        ev.Go(t + S, cue="2", source="follow", fire_ns=t + S, dept="LX"),
        ev.SentEvent(t + S, cue="2", device="lx", due_ns=t + S, sent_ns=t + S, late_us=0.0),
    ):
        backup.engine.follow(event)
    backup.advance_to(1.5)
    backup.engine.take_over()
    assert not backup.of(ev.End)
    backup.advance_to(5)
    assert backup.sends() == [(2.0, "3", "lx")]
    assert backup.engine.snapshot().ended
