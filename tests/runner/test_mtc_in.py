"""Timecode cues chasing MIDI timecode in, on virtual time: fed by showcall's own MTC generator."""

from __future__ import annotations

from pathlib import Path

from showcall.compile.showfile import load_show
from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.model.times import FrameRate, Timecode
from showcall.protocols.mtc import quarter_frames
from showcall.runner.mtcin import MtcTimecode
from showcall.timing.fake import FakeClock, FakeScheduler

from support.engines import START_NS, S

SHOW = """\
showcall: 1
show: {title: Concert, fps: 25}
devices:
  lx: {driver: eos, host: 127.0.0.1}
departments: {LX: {name: Lighting}}
cues:
  - {id: "10", dept: LX, go: {timecode: "01:00:02:00"}, actions: [{lx.fire: {cue: 10}}]}
  - {id: "11", dept: LX, go: {timecode: "01:00:05:00"}, actions: [{lx.fire: {cue: 11}}]}
  - {id: "12", dept: LX, go: {timecode: "01:00:30:00"}, actions: [{lx.fire: {cue: 12}}]}
"""


def test_timecode_cues_fire_as_mtc_passes_their_frames(tmp_path: Path) -> None:
    path = tmp_path / "show.yaml"
    path.write_text(SHOW)
    plan = load_show(path).plan
    assert plan is not None
    clock = FakeClock(start_ns=START_NS)
    scheduler = FakeScheduler(clock)
    scheduler.set_endpoints(plan.endpoints())
    source = MtcTimecode(FrameRate.FPS_25, clock)
    engine = Engine(plan, scheduler, clock, timecode=source, go_lead_ns=0)
    events: list[ev.Event] = []
    engine.subscribe(events.append)
    engine.start()
    # the playback rig starts at 01:00:00:00, one second in, and plays 8 seconds, then stops
    start = START_NS + S
    for offset, message in quarter_frames(Timecode(1, 0, 0, 0), FrameRate.FPS_25, 8 * S, full_frame_first=True):
        clock.call_at(start + offset, lambda message=message: source.feed(message))  # type: ignore[misc]
    for _ in range(2000):  # the stop watchdog, as the listener runs it
        clock.call_at(start + _ * 40_000_000, source.check_stopped)
    clock.run_until_idle(60 * S)
    gos = [(e.cue, (e.fire_ns - start) / S) for e in events if isinstance(e, ev.Go)]
    # the reader locks after a full set of quarter frames (two frames) plus its two-frame latency
    assert [cue for cue, _ in gos] == ["10", "11"]
    assert gos == [("10", 2.0), ("11", 5.0)]  # exactly on the rig's frames
    position = source.position()
    assert position is not None and not position.rolling  # it stopped: cue 12 (at 30 s) never fires
    assert engine.snapshot().cues[2].state == "pending"


def test_mtc_at_the_wrong_rate_is_reported_not_chased(tmp_path: Path) -> None:
    clock = FakeClock()
    source = MtcTimecode(FrameRate.FPS_25, clock)
    problems: list[str] = []
    source.on_problem = problems.append
    for _, message in quarter_frames(Timecode(1, 0, 0, 0), FrameRate.FPS_30, S, full_frame_first=True):
        source.feed(message)
    assert problems == ["MIDI timecode arrives at 30 fps but the show is 25 fps"]
    assert source.position() is None
