"""Fuzzing the simulators: every simulator fed through its real listener code (the UDP datagram path, the
TCP connection with SLIP or length-prefix framing, the MIDI socket-port stream) with random bytes, OSC
messages to the addresses the devices act on with arguments of every type, corrupted messages, and MIDI
(notes, controllers, MSC sysex) cut at random places. Nothing raises, every drop is counted by reason,
and the simulator's snapshot (what the console and `showcall sim` show) stays plain JSON."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pythonosc.osc_message_builder import OscMessageBuilder

from showcall.protocols.oscframe import frame
from showcall.sim.base import Listen, Simulator
from showcall.sim.listeners import StreamListener, UdpListener, _Connection
from showcall.sim.midistream import MidiStream
from showcall.sim.registry import SIMULATORS

ADDRESSES = {
    "eos": ["/eos/ping", "/eos/key/go_0", "/eos/key/stop", "/eos/key/back", "/eos/newcmd", "/eos/cmd",
            "/eos/cue/1/5/fire", "/eos/cue/5/fire", "/eos/cue/1/0.5/fire", "/eos/macro/3/fire", "/eos/sub/1"],
    "qlab": ["/go", "/stop", "/panic", "/reset", "/pause", "/resume", "/panicInTime", "/runningCues",
             "/runningOrPausedCues", "/thump", "/connect", "/version", "/alwaysReply", "/showMode",
             "/cue/playhead/number", "/cue/10/start", "/cue/10/stop", "/cue/x/number", "/playhead/10",
             "/workspace/abc/go", "/workspace/abc/cue/1/start"],
    "x32": ["/xremote", "/info", "/status", "/ch/01/mix/on", "/ch/32/mix/fader", "/ch/99/mix/on",
            "/ch/00/mix/fader", "/-action/goscene", "/-action/gocue", "/-action/gosnippet"],
    "resolume": ["/composition/layers/1/clips/2/connect", "/composition/columns/3/connect",
                 "/composition/layers/1/video/opacity", "/composition/layers/1/clear", "/composition/disconnectall",
                 "/composition/layers/99999999999999999999/clips/0/connect"],
    "millumin": ["/millumin/action/launchcolumn", "/millumin/action/stopcolumn", "/millumin/action/launchnextcolumn",
                 "/millumin/action/playtimeline", "/millumin/action/pausetimeline",
                 "/millumin/action/gototimelinesegment"],
    "disguise": ["/d3/showcontrol/play", "/d3/showcontrol/playsection", "/d3/showcontrol/loop",
                 "/d3/showcontrol/stop", "/d3/showcontrol/cue", "/d3/showcontrol/nextsection",
                 "/d3/showcontrol/previoussection", "/d3/showcontrol/returntostart"],
}  # fmt: skip
"""The addresses each simulator acts on (the generic OSC simulator gets them all)."""
ALL_ADDRESSES = sorted({address for addresses in ADDRESSES.values() for address in addresses})
ARGS = st.one_of(
    st.integers(-(2**31), 2**31 - 1).map(lambda v: (v, "i")),
    st.integers(-(2**63), 2**63 - 1).map(lambda v: (v, "h")),
    st.floats(width=32).map(lambda v: (v, "f")),
    st.floats().map(lambda v: (v, "d")),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, 1.0, 0.5, -1.0]).map(lambda v: (v, "f")),
    st.text(max_size=20).map(lambda v: (v, "s")),
    st.sampled_from(["Go_To_Cue 5#", "1/5", "", "Chan 1 @ Full#", "{}", "[1]"]).map(lambda v: (v, "s")),
    st.binary(max_size=20).map(lambda v: (v, "b")),
    st.sampled_from([(True, "T"), (False, "F"), (None, "N"), (0, "i"), (1, "i"), (2, "i")]),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda v: (v, "m")),
)


@st.composite
def osc_packets(draw: st.DrawFn, driver: str) -> bytes:
    """A message to an address the simulator acts on (or another), random bytes, or a corrupted message."""
    kind = draw(st.sampled_from(["message", "message", "bytes", "corrupt"]))
    if kind == "bytes":
        return draw(st.binary(max_size=120))
    own = st.sampled_from(ADDRESSES.get(driver, ALL_ADDRESSES))
    address = draw(own | own | st.sampled_from(ALL_ADDRESSES) | st.text(min_size=1, max_size=30).map(lambda t: "/" + t))
    builder = OscMessageBuilder(address)
    for value, tag in draw(st.lists(ARGS, max_size=4)):
        builder.add_arg(value, tag)
    try:
        packet = bytes(builder.build().dgram)
    except Exception:  # python-osc cannot write this address: send noise instead
        return draw(st.binary(max_size=60))
    if kind == "corrupt":
        data = bytearray(packet)
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        packet = bytes(data[: draw(st.integers(0, len(data)))])
    return packet


MIDI_MESSAGES = st.one_of(
    st.tuples(st.integers(0x80, 0xEF), st.integers(0, 127), st.integers(0, 127)).map(bytes),
    st.tuples(st.integers(0xC0, 0xDF), st.integers(0, 127)).map(bytes),
    st.sampled_from([b"\xf8", b"\xfa", b"\xfc", b"\xfe", b"\xf7", b"\xf9", b"\xf4"]),
    st.binary(max_size=12).map(lambda body: b"\xf0" + bytes(b & 0x7F for b in body) + b"\xf7"),
    # MIDI Show Control: F0 7F <device> 02 <format> <command> <data> F7
    st.tuples(st.integers(0, 127), st.integers(0, 127), st.integers(0, 127), st.binary(max_size=16)).map(
        lambda t: bytes([0xF0, 0x7F, t[0], 0x02, t[1], t[2]]) + bytes(b & 0x7F for b in t[3]) + b"\xf7"
    ),
    st.binary(max_size=16),
)


class FakeTransport(asyncio.Transport):
    """The asyncio transport of one TCP client, in memory: what the simulator answers is kept."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 40000) if name == "peername" else default

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def get_write_buffer_size(self) -> int:
        return 0


def chunks(data: bytes, cuts: list[int]) -> Iterator[bytes]:
    """`data` split at the given offsets (as TCP may deliver it)."""
    at = 0
    for cut in sorted({c % (len(data) + 1) for c in cuts}):
        yield data[at:cut]
        at = cut
    yield data[at:]


def check(sim: Simulator) -> None:
    """Counters add up and the snapshot is plain JSON."""
    stats = sim.stats
    assert stats.dropped == sum(stats.drop_reasons.values())
    assert min(stats.as_dict()[k] for k in ("packets", "received", "sent", "ignored")) >= 0
    json.dumps(sim.snapshot())
    for record in sim.records():
        assert isinstance(record.summary, str)


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One event loop for the module (simulators ask for the running loop, e.g. for an Eos fade)."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


OSC_SIMULATORS = sorted(name for name, cls in SIMULATORS.items() if "osc-udp" in cls.kinds)
TCP_SIMULATORS = sorted(name for name, cls in SIMULATORS.items() if "osc-tcp" in cls.kinds)
MIDI_SIMULATORS = sorted(name for name, cls in SIMULATORS.items() if "midi" in cls.kinds)


def run(loop: asyncio.AbstractEventLoop, sim: Simulator, feed: Any) -> None:
    """Feed inside the loop (as the listeners are called), then stop the simulator's timers."""

    async def go() -> None:
        try:
            feed()
        finally:
            await sim.aclose()

    loop.run_until_complete(go())
    check(sim)


@given(name=st.sampled_from(OSC_SIMULATORS), data=st.data())
def test_udp_datagrams(loop: asyncio.AbstractEventLoop, name: str, data: st.DataObject) -> None:
    datagrams = data.draw(st.lists(osc_packets(name), min_size=1, max_size=30), label="datagrams")
    sim = SIMULATORS[name](name, Listen("osc-udp", max_packet=512))
    listener = UdpListener(sim, max_packet=512)

    def feed() -> None:
        for index, datagram in enumerate(datagrams):
            listener._datagram(datagram, ("127.0.0.1", 40000 + index % 3))

    run(loop, sim, feed)
    assert sim.stats.packets + sim.stats.oversized == len(datagrams)


@given(
    name=st.sampled_from(TCP_SIMULATORS),
    framing=st.sampled_from(["slip", "length"]),
    framed=st.lists(st.booleans(), min_size=20, max_size=20),
    cuts=st.lists(st.integers(0, 10_000), max_size=10),
    hang_up=st.booleans(),
    data=st.data(),
)
def test_tcp_streams(
    loop: asyncio.AbstractEventLoop,
    name: str,
    framing: str,
    framed: list[bool],
    cuts: list[int],
    hang_up: bool,
    data: st.DataObject,
) -> None:
    garbage = st.binary(max_size=40).map(lambda b: b"\x00garbage" + b)
    parts = data.draw(st.lists(osc_packets(name) | garbage, min_size=1, max_size=20), label="parts")
    sim = SIMULATORS[name](name, Listen("osc-tcp", framing=framing, max_packet=512))  # type: ignore[arg-type]
    stream = b"".join(frame(framing, part) if framed[i] else part for i, part in enumerate(parts))  # type: ignore[arg-type]

    def feed() -> None:
        from showcall.protocols.oscframe import make_decoder

        listener = StreamListener(sim, lambda: make_decoder(framing, 512), lambda p: frame(framing, p))  # type: ignore[arg-type]
        connection = _Connection(listener)
        connection.connection_made(FakeTransport())
        for chunk in chunks(stream, cuts):
            connection.data_received(chunk)
        if hang_up:
            connection.connection_lost(None)

    run(loop, sim, feed)


@given(
    name=st.sampled_from(MIDI_SIMULATORS),
    messages=st.lists(MIDI_MESSAGES, min_size=1, max_size=30),
    cuts=st.lists(st.integers(0, 10_000), max_size=10),
)
def test_midi_streams(loop: asyncio.AbstractEventLoop, name: str, messages: list[bytes], cuts: list[int]) -> None:
    sim = SIMULATORS[name](name, Listen("midi", max_packet=64))

    def feed() -> None:
        listener = StreamListener(sim, lambda: MidiStream(64), bytes)
        connection = _Connection(listener)
        connection.connection_made(FakeTransport())
        for chunk in chunks(b"".join(messages), cuts):
            connection.data_received(chunk)
        connection.connection_lost(None)

    run(loop, sim, feed)
