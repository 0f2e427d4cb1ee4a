"""Fuzzing device feedback: what an Eos, a QLab or an X32 on the show network sends back reaches the engine
through the timing core as raw packets, and anything on that network can send them. Random bytes, and OSC
to the feedback addresses the profiles read (`/eos/out/active/cue/1/5`, `/reply/...` with JSON or not,
`/ch/01/mix/fader`) with arguments of every type, become `feedback` events or are counted; nothing raises,
and no listener of the engine fails on them."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pythonosc.osc_message_builder import OscMessageBuilder

from showcall.compile.plan import Plan
from showcall.compile.showfile import load_show
from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.timing import protocol as p
from showcall.timing.fake import FakeClock, FakeScheduler

from support.engines import START_NS

SHOW = """\
showcall: 1
show: {title: Feedback fuzz}
devices:
  lx: {driver: eos, host: 127.0.0.1}
  snd: {driver: qlab, host: 127.0.0.1}
  mix: {driver: x32, host: 127.0.0.1}
departments: {LX: {name: Lighting}}
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}]}
"""
ADDRESSES = [
    "/eos/out/active/cue/1/5",
    "/eos/out/active/cue/{}/{}",
    "/eos/out/pending/cue/1/0.5",
    "/eos/out/ping",
    "/reply/cue/12/start",
    "/reply/{}",
    "/reply",
    "/ch/01/mix/on",
    "/ch/{}/mix/fader",
    "/ch/99/mix/fader",
]
PARTS = st.sampled_from(["1", "0", "-1", "x", "", "99999999999999999999", "1.5", "%", "{"]) | st.text(max_size=6)
ARGS = st.one_of(
    st.integers(-(2**31), 2**31 - 1).map(lambda v: (v, "i")),
    st.floats(width=32).map(lambda v: (v, "f")),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, 0.5, 1.0, 2.0]).map(lambda v: (v, "f")),
    st.text(max_size=20).map(lambda v: (v, "s")),
    st.sampled_from(
        [
            '{"workspace_id":"w","address":"/go","status":"ok","data":{}}',
            '{"status":"error"}',
            "[1,2]",
            "null",
            '{"data":' * 3000 + "1" + "}" * 3000,
            '{"n":' + "9" * 5000 + "}",
            "NaN",
            "{",
        ]
    ).map(lambda v: (v, "s")),
    st.binary(max_size=12).map(lambda v: (v, "b")),
    st.sampled_from([(True, "T"), (False, "F"), (None, "N")]),
)


@st.composite
def feedback_packets(draw: st.DrawFn) -> tuple[str, bytes]:
    device = draw(st.sampled_from(["lx", "snd", "mix", "nobody"]))
    if draw(st.integers(0, 3)) == 0:
        return device, draw(st.binary(max_size=100))
    template = draw(st.sampled_from(ADDRESSES))
    address = template.format(*(draw(PARTS) for _ in range(template.count("{}"))))
    builder = OscMessageBuilder(address)
    for value, tag in draw(st.lists(ARGS, max_size=3)):
        builder.add_arg(value, tag)
    try:
        return device, bytes(builder.build().dgram)
    except Exception:  # python-osc cannot write this address
        return device, draw(st.binary(max_size=40))


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    path = tmp_path_factory.mktemp("feedback") / "show.yaml"
    path.write_text(SHOW)
    loaded = load_show(path)
    assert loaded.plan is not None, loaded.problems
    return loaded.plan


@given(packets=st.lists(feedback_packets(), min_size=1, max_size=20))
def test_any_feedback_is_reported_or_counted(plan: Plan, packets: list[tuple[str, bytes]]) -> None:
    clock = FakeClock(start_ns=START_NS)
    scheduler = FakeScheduler(clock)
    scheduler.set_endpoints(plan.endpoints())
    clock.advance(0)  # the fake core's "online" reports
    engine = Engine(plan, scheduler, clock, go_lead_ns=0)
    events: list[ev.Event] = []
    engine.subscribe(events.append)
    engine.subscribe(lambda event: event.to_json())  # the log and stdout write every event as JSON
    engine.start()
    for device, packet in packets:
        scheduler.emit(p.Feedback(device, packet, clock.now_ns()))
        clock.advance(0)  # the fake core delivers reports when virtual time moves
    errors = [e for e in events if isinstance(e, ev.ErrorEvent)]
    assert not errors, errors
    assert all(isinstance(e, ev.FeedbackEvent | ev.Loaded | ev.Standby | ev.DeviceEvent) for e in events), events
