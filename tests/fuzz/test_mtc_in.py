"""Fuzzing MIDI timecode in: the bytes a playback rig's MTC connection carries, chased by `MtcTimecode` into
an engine with timecode cues, on virtual time. Random bytes, runs of real quarter frames from random
places at random rates, full frames with values in and out of range, sysex cut short, dropouts and
jumps. Nothing raises, no cue fires twice, and the position is always a frame of the day."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from showcall.compile.plan import Plan
from showcall.compile.showfile import load_show
from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.model.times import FrameRate, Timecode
from showcall.protocols.mtc import MtcError, frames_per_day, full_frame, quarter_frames
from showcall.runner.mtcin import MtcTimecode
from showcall.timing.fake import FakeClock, FakeScheduler

from support.engines import MS, START_NS, S

SHOW = """\
showcall: 1
show: {title: Concert, fps: 25}
devices:
  lx: {driver: eos, host: 127.0.0.1}
departments: {LX: {name: Lighting}}
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}]}
  - {id: "9", dept: LX, go: {timecode: "00:00:00:00"}, actions: [{lx.fire: {cue: 9}}]}
  - {id: "10", dept: LX, go: {timecode: "01:00:02:00"}, actions: [{lx.fire: {cue: 10}}]}
  - {id: "11", dept: LX, go: {timecode: "01:00:05:00"}, actions: [{lx.fire: {cue: 11}}]}
  - {id: "12", dept: LX, go: {follow: 1s}, actions: [{lx.fire: {cue: 12}}]}
  - {id: "14", dept: LX, go: {timecode: "23:59:59:24"}, actions: [{lx.fire: {cue: 14}}]}
"""

TIMECODES = st.builds(
    Timecode,
    st.sampled_from([0, 1, 23]) | st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.integers(0, 23),
)


@st.composite
def mtc_bytes(draw: st.DrawFn) -> bytes:
    """One burst of what the connection might carry."""
    kind = draw(st.sampled_from(["random", "quarters", "quarters", "full", "bad_full", "cut"]))
    if kind == "random":
        return draw(st.binary(max_size=40))
    rate = draw(st.sampled_from(list(FrameRate)))
    timecode = draw(TIMECODES)
    try:
        if kind == "quarters":
            run = [m for _, m in quarter_frames(timecode, rate, draw(st.integers(0, 400)) * MS)]
            return b"".join(run)
        if kind == "full":
            return full_frame(timecode, rate, device_id=draw(st.sampled_from([0x7F, 0, 5])))
    except MtcError:  # a frame drop-frame skips: the generator will not make it ("bad_full" sends such frames)
        return b""
    fields = draw(st.lists(st.integers(0, 127), min_size=4, max_size=4))
    message = bytes([0xF0, 0x7F, 0x7F, 0x01, 0x01, *fields, 0xF7])
    if kind == "bad_full":  # hours with any rate bits, minutes/seconds/frames out of range
        return message
    return message[: draw(st.integers(1, len(message) - 1))]  # cut: a status byte or another message follows


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    path = tmp_path_factory.mktemp("mtc") / "show.yaml"
    path.write_text(SHOW)
    loaded = load_show(path)
    assert loaded.plan is not None, loaded.problems
    return loaded.plan


@given(
    rate=st.sampled_from(list(FrameRate)),
    traffic=st.lists(st.tuples(mtc_bytes(), st.integers(0, 2_000), st.booleans()), min_size=1, max_size=30),
    go_first=st.booleans(),
)
def test_any_mtc_stream_is_chased_without_a_fault(
    plan: Plan, rate: FrameRate, traffic: list[tuple[bytes, int, bool]], go_first: bool
) -> None:
    clock = FakeClock(start_ns=START_NS)
    source = MtcTimecode(rate, clock)
    problems: list[str] = []
    source.on_problem = problems.append
    scheduler = FakeScheduler(clock)
    scheduler.set_endpoints(plan.endpoints())
    clock.advance(0)  # the fake core's "online" reports
    engine = Engine(plan, scheduler, clock, timecode=source, go_lead_ns=0)
    events: list[ev.Event] = []
    engine.subscribe(events.append)
    engine.start()
    if go_first:
        engine.go()
    for data, advance_ms, watchdog in traffic:
        source.feed(data)
        clock.advance(advance_ms * MS)
        if watchdog:
            source.check_stopped()
        position = source.position()
        if position is not None:
            assert 0 <= position.frame < frames_per_day(rate)
    clock.run_until_idle(60 * S)
    fired = [e.cue for e in events if isinstance(e, ev.Go)]  # type: ignore[attr-defined]
    assert len(fired) == len(set(fired)), f"a cue fired twice: {fired}"
    assert len(problems) == len(set(problems)) <= len(FrameRate)  # each wrong rate said once
