"""Fuzzing OSC control input: random bytes, well-formed OSC with random addresses and arguments of every
type, and corrupted commands, from allowed and strange sources, with and without a passcode. Every packet
is carried out or dropped and counted by one of the fixed kinds; a dropped one changes nothing in the engine;
nothing raises."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pythonosc.osc_message_builder import OscMessageBuilder

from showcall.engine import events as ev
from showcall.runner.calls import CALLS
from showcall.runner.control import KINDS, ControlInput
from showcall.runner.controlguard import ControlPolicy, parse_allow

from support.engines import MS, Rig, rig

SHOW = """\
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}]}
  - {id: "2", dept: SND, go: {follow: 100ms}, actions: [{snd.start: {cue: "2"}}]}
  - {id: "3", dept: LX, actions: [{lx.fire: {cue: 3}}, {wait: 1s}, {lx.fire: {cue: 4}}]}
  - {id: "4", dept: SND}
"""
PASSCODE = "fuzz-pass-1"
POLICIES = {
    "loopback": ControlPolicy(),
    "allow": ControlPolicy("0.0.0.0", parse_allow("10.0.0.0/8,fe80::/10")),
    "passcode": ControlPolicy(allow=parse_allow("10.0.0.0/8"), passcode=PASSCODE),
}
SOURCES = st.sampled_from(["127.0.0.1", "127.0.0.2", "10.1.2.3", "192.168.1.9", "::1", "fe80::1", "::ffff:10.0.0.1"])
SOURCES = SOURCES | st.text(max_size=50)

VERBS = [*CALLS, "GO", "Standby", "fire", "", "go/", "go/go"]
ADDRESSES = st.one_of(
    st.sampled_from(VERBS).map(lambda verb: f"/showcall/{verb}"),
    st.sampled_from(VERBS).map(lambda verb: f"/showcall/{PASSCODE}/{verb}"),
    st.sampled_from(VERBS).map(lambda verb: f"/showcall/wrong-pass/{verb}"),
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=40).map(lambda t: "/" + t),
)
ARGS = st.one_of(
    st.integers(-(2**31), 2**31 - 1).map(lambda v: (v, "i")),
    st.integers(-(2**63), 2**63 - 1).map(lambda v: (v, "h")),
    st.floats(width=32).map(lambda v: (v, "f")),
    st.floats().map(lambda v: (v, "d")),
    st.text(max_size=30).map(lambda v: (v, "s")),
    st.sampled_from(["1", "3", "LX", "snd", "", "12.5", "nope"]).map(lambda v: (v, "s")),
    st.binary(max_size=30).map(lambda v: (v, "b")),
    st.sampled_from([(True, "T"), (False, "F"), (None, "N"), (0, "i"), (1, "i"), (0.0, "f"), (1.0, "f")]),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda v: (v, "m")),
    st.integers(0, 2**32 - 1).map(lambda v: (v, "r")),
)


def osc(address: str, args: list[tuple[object, str]]) -> bytes:
    builder = OscMessageBuilder(address)
    for value, kind in args:
        builder.add_arg(value, kind)
    return bytes(builder.build().dgram)


@st.composite
def packets(draw: st.DrawFn) -> bytes:
    """Random bytes, a well-formed message, or a well-formed message corrupted."""
    kind = draw(st.sampled_from(["bytes", "osc", "corrupt"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200) | st.binary(min_size=8000, max_size=9000))
    try:
        packet = osc(draw(ADDRESSES), draw(st.lists(ARGS, max_size=4)))
    except Exception:  # python-osc cannot write this (a string it cannot encode): send bytes instead
        return draw(st.binary(max_size=64))
    if kind == "corrupt" and packet:
        data = bytearray(packet)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(data) - 1))
            data[at] = draw(st.integers(0, 255))
        packet = bytes(data[: draw(st.integers(1, len(data)))] if draw(st.booleans()) else data)
    return packet


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("control")


def state(r: Rig) -> list[str]:
    """What the engine did, less the refusals a dropped packet announces."""
    return [line for line in r.trace() if not line.startswith("refused control")]


@given(
    policy=st.sampled_from(list(POLICIES)),
    traffic=st.lists(st.tuples(packets(), SOURCES, st.integers(0, 400)), min_size=1, max_size=25),
)
def test_every_control_packet_is_carried_out_or_dropped_and_counted(
    folder: Path, policy: str, traffic: list[tuple[bytes, str, int]]
) -> None:
    r = rig(folder, SHOW)
    control = ControlInput(r.engine, POLICIES[policy])
    for handled, (packet, source, advance_ms) in enumerate(traffic, start=1):
        before = state(r)
        drop = control.handle(packet, source)
        if drop is not None:
            assert drop.kind in KINDS, drop
            assert state(r) == before, f"a dropped packet changed the show: {drop}"
            if POLICIES[policy].passcode:
                assert PASSCODE not in drop.reason
        assert control.stats.accepted + control.stats.dropped_total == 2 * handled - 1
        control.datagram_received(packet, (source, 9))  # again, by the path with its (rate-limited) report
        r.clock.advance(advance_ms * MS)
    assert set(control.stats.dropped) <= set(KINDS)
    control.finish()
    assert isinstance(r.of(ev.ControlReport)[-1], ev.ControlReport)
