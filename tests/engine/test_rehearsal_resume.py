"""Crash resume of a rehearsal on a rehearsal clock, on virtual time: the clock carries on as if it had kept
running through the crash (as the real time of day does), at its speed; a rehearsal taken from a segment keeps
the cues before it passed; nothing fires twice."""

from __future__ import annotations

import json

from showcall.compile.showfile import require_plan
from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.engine.rehearsal import rehearsal_point
from showcall.engine.replay import Replay, replay
from showcall.engine.snapshot import CueState
from showcall.model.times import format_time_of_day
from showcall.runner.session import SessionOptions, _show_clock
from showcall.timing.fake import FakeClock, FakeScheduler

from support.engines import SHOWS, Rig, S, rehearsal

BOOT_NS = 7_000 * S  # the resumed run's monotonic clock: another boot, another origin


def _log(r: Rig) -> Replay:
    return replay(json.loads(e.to_json()) for e in r.events)


def _resume(show: str, crashed: Rig, downtime_s: float) -> Rig:
    """A new run of `show` resuming `crashed`'s log `downtime_s` after it stopped, as `rehearse --resume` does."""
    plan = require_plan(SHOWS / show)
    wall = crashed.clock.wall_ns() + round(downtime_s * S)
    fake = FakeClock(start_ns=BOOT_NS, wall_offset_ns=wall - BOOT_NS)
    scheduler = FakeScheduler(fake)
    scheduler.set_endpoints(plan.endpoints())
    fake.advance(0)
    replayed = _log(crashed)
    show_clock = _show_clock(fake, plan, SessionOptions(sim=True), replayed, None)
    engine = Engine(plan, scheduler, show_clock, go_lead_ns=0)
    resumed = Rig(engine, fake, scheduler, show_clock=show_clock)
    engine.subscribe(resumed.events.append)
    engine.start(replayed)
    return resumed


def test_a_faster_rehearsal_resumes_on_its_own_clock_and_fires_nothing_twice() -> None:
    crashed = rehearsal("summit.yaml", real="18:43:00", clock="08:29:30", speed=4)
    crashed.advance_to(10)  # 08:30:10 on the rehearsal clock: the walk-in's first three cues fired at 7.5 s
    assert [g[0] for g in crashed.gos()] == ["1", "2", "3"]

    r = _resume("summit.yaml", crashed, downtime_s=20)
    clocks = r.engine.snapshot().clocks
    assert (clocks.rehearsal_clock, clocks.speed) == (True, 4)
    assert format_time_of_day(clocks.time_of_day_ns) == "08:31:30"  # 30 real seconds later, ×4
    assert format_time_of_day(clocks.real_time_of_day_ns) == "18:43:30"
    loaded = r.of(ev.Loaded)[0]
    assert isinstance(loaded, ev.Loaded)
    assert (loaded.clock, loaded.speed, loaded.resumed) == ("rehearsal", 4, True)
    assert loaded.clock_note == "the rehearsal clock of the run resumed, carried on"

    r.clock.advance_to(BOOT_NS + 400 * S)
    fired = [(e.cue, e.source, (e.fire_ns - BOOT_NS) / S) for e in r.of(ev.Go)]
    assert fired == [("4", "at", 352.5), ("5", "follow", 353.25), ("6", "after", 358.25)]  # 23.5 show min / 4
    assert {w.cue for w in r.scheduler.wire if w.item_id is not None} == {"4", "6"}  # cue 5 is called, sends none
    show = r.engine.snapshot()
    assert [c.id for c in show.cues[:3] if c.state is not CueState.COMPLETE] == []


def test_a_rehearsal_taken_from_a_segment_resumes_with_the_cues_before_it_passed() -> None:
    plan = require_plan(SHOWS / "summit.yaml")
    crashed = rehearsal("summit.yaml", from_=rehearsal_point(plan, segment="open"))
    crashed.engine.go()  # LX 10 at 09:00:00; LX 11 follows 5 s later
    crashed.advance_to(2)

    r = _resume("summit.yaml", crashed, downtime_s=0)
    show = r.engine.snapshot()
    assert format_time_of_day(show.clocks.time_of_day_ns) == "09:00:02"
    assert show.clocks.show_elapsed_ns == (30 * 60 + 2) * S  # still counted from the planned 08:30
    assert [c.id for c in show.cues[:6] if not c.passed or c.state is not CueState.PENDING or c.missed] == []
    r.clock.advance_to(BOOT_NS + 10 * S)
    assert [(e.cue, (e.fire_ns - BOOT_NS) / S) for e in r.of(ev.Go)] == [("11", 3.0), ("12", 4.0)]


def test_a_run_on_the_real_clock_resumes_on_the_real_clock() -> None:
    crashed = rehearsal("summit.yaml", real="18:43:00")
    crashed.advance_to(5)
    r = _resume("summit.yaml", crashed, downtime_s=5)
    clocks = r.engine.snapshot().clocks
    assert not clocks.rehearsal_clock  # no default rehearsal clock slipped in: the run goes on as it was
    assert format_time_of_day(clocks.time_of_day_ns) == "18:43:10"
