"""Simulators fed malformed, truncated and oversized input over real sockets: dropped, counted by reason,
and the simulator keeps working (a good message afterwards is still acted on)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pythonosc.osc_message_builder import build_msg

from showcall.devices.oscmsg import MalformedOscError, decode_osc
from showcall.protocols.oscframe import length_encode, slip_encode
from showcall.sim.base import Listen
from showcall.sim.eos import EosSimulator
from showcall.sim.midi import MidiSimulator
from showcall.sim.midistream import MidiStream
from showcall.sim.osc import GenericOscSimulator

GOOD = build_msg("/still/alive", [1]).dgram


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 5.0
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


async def test_udp_malformed_and_oversized_datagrams_are_counted() -> None:
    gfx = GenericOscSimulator("gfx", Listen("osc-udp", max_packet=512))
    await gfx.start()
    bad = [
        b"abc",  # not a multiple of 4 bytes
        b"/x\x00\x00,Q\x00\x00",  # unknown type tag (python-osc would log and accept it)
        build_msg("/x", [1, 2]).dgram[:-4],  # an int argument cut off
        b"#bundle\x00" + b"\x00" * 4,  # a bundle without its time tag
        b"\x00\x01\x02\x03",  # neither a message nor a bundle
        b"/\xff\xfe\x00",  # an address that is not ASCII
        build_msg("/big", ["x" * 1000]).dgram,  # well formed, but larger than the device takes
    ]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for datagram in [*bad, GOOD]:
            sock.sendto(datagram, ("127.0.0.1", gfx.port))
        await until(lambda: gfx.stats.received == 1, "the good message after the bad ones")
    await gfx.aclose()
    assert dict(gfx.stats.drop_reasons) == {
        "not a multiple of 4 bytes": 1,
        "unknown type tag": 1,
        "truncated or malformed arguments": 1,
        "malformed bundle": 1,
        "not an OSC message or bundle": 1,
        "address is not ASCII": 1,
        "oversized": 1,
    }
    assert (gfx.stats.malformed, gfx.stats.oversized, gfx.stats.packets) == (6, 1, 7)
    assert gfx.state()["last"] == ["/still/alive 1"]
    assert [r.summary for r in gfx.records("dropped")][-1] == "oversized (1016 bytes)"


async def test_tcp_length_framing_oversized_misaligned_and_truncated_frames() -> None:
    gfx = GenericOscSimulator("gfx", Listen("osc-tcp", framing="length", max_packet=512))
    await gfx.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", gfx.port)
    writer.write(length_encode(b"\x00" * 1024))  # larger than 512: skipped byte for byte, stream stays in step
    writer.write((6).to_bytes(4, "big") + b"/abcde")  # a length that cannot be an OSC packet
    writer.write(length_encode(b"/x\x00\x00,Q\x00\x00"))  # framed fine, but not valid OSC inside
    writer.write(length_encode(GOOD))
    writer.write(length_encode(GOOD)[:7])  # then hang up half-way through a frame
    await writer.drain()
    await until(lambda: gfx.stats.received == 1, "the good frame")
    writer.close()
    await writer.wait_closed()
    await until(lambda: gfx.stats.truncated == 1, "the truncated frame to be counted")
    await gfx.aclose()
    assert dict(gfx.stats.drop_reasons) == {
        "oversized": 1,
        "not a multiple of 4 bytes": 1,
        "unknown type tag": 1,
        "truncated": 1,
    }
    assert await reader.read() == b""  # the simulator never answered garbage with garbage


async def test_tcp_slip_bad_escape_and_oversized_frame() -> None:
    gfx = GenericOscSimulator("gfx", Listen("osc-tcp", framing="slip", max_packet=64))
    await gfx.start()
    _, writer = await asyncio.open_connection("127.0.0.1", gfx.port)
    writer.write(b"\xc0/x\xdb\x01\x00\xc0")  # DB not followed by DC or DD
    writer.write(slip_encode(b"/" + b"y" * 127 + b"\x00" * 4))  # 132 bytes > 64
    writer.write(slip_encode(GOOD))
    await writer.drain()
    await until(lambda: gfx.stats.received == 1, "the good frame")
    writer.close()
    await writer.wait_closed()
    await gfx.aclose()
    assert dict(gfx.stats.drop_reasons) == {"bad escape": 1, "oversized": 1}


async def test_eos_hangs_up_on_an_invalid_tcp_packet_as_the_console_does() -> None:
    eos = EosSimulator("lx", Listen("osc-tcp", framing="length", max_packet=512))
    await eos.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", eos.port)
    writer.write(length_encode(b"\x00\x00\x00\x00") + length_encode(build_msg("/eos/cue/1/1/fire").dgram))
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 5) == b""  # closed: the fire behind it was not acted on
    writer.close()
    await writer.wait_closed()
    assert eos.active is None and eos.stats.malformed == 1
    assert any(r.summary.endswith("after an invalid packet, as Eos does") for r in eos.records("link"))
    # A new connection works.
    reader, writer = await asyncio.open_connection("127.0.0.1", eos.port)
    writer.write(length_encode(build_msg("/eos/cue/1/2/fire").dgram))
    await writer.drain()
    await until(lambda: eos.active == ("1", "2"), "the fire on a fresh connection")
    writer.close()
    await writer.wait_closed()
    await eos.aclose()


async def test_midi_socket_port_stray_interrupted_oversized_and_truncated() -> None:
    keys = MidiSimulator("keys", Listen("midi", max_packet=16))
    await keys.start()
    _, writer = await asyncio.open_connection("127.0.0.1", keys.port)
    writer.write(bytes([0x10, 0x20, 0x30]))  # data bytes with no status: one drop for the run
    writer.write(bytes([0x90, 0x3C]))  # a note on cut short by the next status byte
    writer.write(bytes([0xF0, *range(20), 0xF7]))  # a sysex longer than 16 bytes
    writer.write(bytes([0xF4]))  # an undefined status byte
    writer.write(bytes([0x99, 36, 100, 0xFE]))  # a good note on, then active sensing
    writer.write(bytes([0xB0, 7]))  # and a controller cut off by the hang-up
    await writer.drain()
    await until(lambda: keys.stats.received == 2, "the good note and the active sensing")
    writer.close()
    await writer.wait_closed()
    await until(lambda: keys.stats.truncated == 1, "the truncated message")
    await keys.aclose()
    assert dict(keys.stats.drop_reasons) == {
        "stray data bytes": 1,
        "interrupted message": 1,
        "oversized": 1,
        "undefined status byte": 1,
        "truncated": 1,
    }
    assert keys.state()["notes"] == {"10": [36]}


def test_midi_stream_keeps_real_time_bytes_inside_a_sysex() -> None:
    stream = MidiStream()
    assert stream.feed(bytes([0xF0, 0x7F, 0xF8, 0x01, 0xF7])) == [b"\xf8", b"\xf0\x7f\x01\xf7"]
    assert stream.feed(bytes([0x80, 60])) == [] and stream.buffered == 2
    assert stream.feed(bytes([0])) == [b"\x80\x3c\x00"] and stream.dropped == 0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_decode_osc_raises_only_its_own_error(data: bytes) -> None:
    try:
        messages = decode_osc(data)
    except MalformedOscError:
        return
    assert all(message.address.startswith("/") for message in messages)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_decode_osc_survives_corrupted_messages(data: st.DataObject) -> None:
    packet = bytearray(build_msg("/lower3/on", [1, "Jane Doe", 0.25, b"\x01\x02"]).dgram)
    for _ in range(data.draw(st.integers(1, 4))):
        packet[data.draw(st.integers(0, len(packet) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(packet)))
    with contextlib.suppress(MalformedOscError):  # any other exception fails the test
        decode_osc(bytes(packet[:cut]))
