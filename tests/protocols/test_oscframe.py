"""OSC stream framings: exact SLIP and length-prefix bytes, and decoders that survive any input."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import build_msg

from showcall.protocols import oscframe
from showcall.protocols.oscframe import LengthPrefixDecoder, SlipDecoder, length_encode, slip_encode


def test_public_names_are_what_was_meant() -> None:
    assert set(oscframe.__all__) == {
        "DEFAULT_MAX_FRAME", "END", "ESC", "ESC_END", "ESC_ESC", "FrameDecoder", "Framing",
        "LengthPrefixDecoder", "SlipDecoder", "frame", "length_encode", "make_decoder", "slip_encode",
    }  # fmt: skip


def test_slip_escapes_end_and_esc() -> None:
    assert slip_encode(bytes.fromhex("01 C0 02 DB 03 DB DC")) == bytes.fromhex("C0 01 DB DC 02 DB DD 03 DB DD DC C0")
    assert oscframe.frame("slip", b"abcd") == b"\xc0abcd\xc0"


def test_length_prefix_is_32_bit_big_endian() -> None:
    assert length_encode(b"abcdefgh") == bytes.fromhex("00 00 00 08") + b"abcdefgh"
    assert oscframe.frame("length", b"") == bytes(4)


def test_a_real_osc_message_survives_both_framings() -> None:
    dgram = build_msg("/eos/cue/1/12.5/fire", [1, 0.5, "x", b"\xc0\xdb"]).dgram
    for framing in ("slip", "length"):
        decoder = oscframe.make_decoder(framing)
        (packet,) = decoder.feed(oscframe.frame(framing, dgram))
        assert OscMessage(packet).params == [1, 0.5, "x", b"\xc0\xdb"]


def test_slip_decoder_takes_single_and_double_end_forms() -> None:
    decoder = SlipDecoder()
    assert decoder.feed(b"abcd\xc0\xc0efgh\xc0\xc0\xc0ijkl\xc0") == [b"abcd", b"efgh", b"ijkl"]
    assert decoder.dropped == 0


def test_slip_bad_escape_and_misaligned_frames_are_dropped_with_reasons() -> None:
    decoder = SlipDecoder()
    stream = b"\xc0ab\xdbXcd\xc0" + b"\xc0abc\xc0" + b"\xc0good\xc0"
    assert decoder.feed(stream) == [b"good"]
    assert decoder.dropped == 2
    assert decoder.drop_reasons == {"bad escape": 1, "not a multiple of 4 bytes": 1}


def test_slip_truncated_frame_is_dropped_and_the_next_one_read() -> None:
    decoder = SlipDecoder()
    # The sender died mid-frame (6 of 8 bytes), reconnected, and started a new double-END frame.
    assert decoder.feed(b"\xc0abcdef") == []
    assert decoder.feed(b"\xc0\xc0wxyz\xc0") == [b"wxyz"]
    assert decoder.drop_reasons == {"not a multiple of 4 bytes": 1}


def test_slip_oversized_frames_are_dropped_without_holding_them() -> None:
    decoder = SlipDecoder(max_frame=16)
    assert decoder.feed(b"\xc0" + b"A" * 20 + b"\xc0") == []
    assert decoder.drop_reasons == {"oversized": 1}
    for _ in range(100):  # a frame that never ends
        decoder.feed(b"B" * 10)
        assert decoder.buffered <= 2 * 16
    assert decoder.feed(b"B\xc0\xc0ok!!\xc0") == [b"ok!!"]
    assert decoder.drop_reasons == {"oversized": 2}


def test_length_decoder_skips_oversized_and_bad_lengths_and_stays_in_step() -> None:
    decoder = LengthPrefixDecoder(max_frame=16)
    stream = (
        length_encode(b"x" * 20) + length_encode(b"abc") + bytes(4) + length_encode(b"good") + length_encode(b"y" * 16)
    )
    assert decoder.feed(stream) == [b"good", b"y" * 16]
    assert decoder.drop_reasons == {"oversized": 1, "not a multiple of 4 bytes": 1, "empty frame": 1}


def test_length_decoder_skips_an_oversized_frame_across_feeds() -> None:
    decoder = LengthPrefixDecoder(max_frame=16)
    assert decoder.feed((1000).to_bytes(4, "big") + b"z" * 10) == []
    for _ in range(99):
        assert decoder.feed(b"z" * 10) == []
        assert decoder.buffered == 0
    assert decoder.feed(length_encode(b"next")) == [b"next"]


def test_length_decoder_holds_a_truncated_frame_without_emitting_it() -> None:
    decoder = LengthPrefixDecoder()
    assert decoder.feed(length_encode(b"abcdefgh")[:-3]) == []
    assert decoder.buffered == 5
    assert decoder.dropped == 0


def test_max_frame_must_hold_a_packet() -> None:
    with pytest.raises(ValueError, match="max_frame must be at least 4"):
        SlipDecoder(max_frame=3)


packets = st.lists(st.binary(min_size=0, max_size=64).map(lambda b: b + bytes(-len(b) % 4)).filter(bool), max_size=12)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@given(packets=packets, cuts=st.lists(st.integers(0, 10_000), max_size=40))
def test_slip_frames_split_anywhere_come_back_whole(packets: list[bytes], cuts: list[int]) -> None:
    decoder = SlipDecoder()
    out: list[bytes] = []
    for chunk in _split(b"".join(slip_encode(p) for p in packets), cuts):
        out += decoder.feed(chunk)
    assert out == packets
    assert (decoder.dropped, decoder.buffered) == (0, 0)


@given(packets=packets, cuts=st.lists(st.integers(0, 10_000), max_size=40))
def test_length_frames_split_anywhere_come_back_whole(packets: list[bytes], cuts: list[int]) -> None:
    decoder = LengthPrefixDecoder()
    out: list[bytes] = []
    for chunk in _split(b"".join(length_encode(p) for p in packets), cuts):
        out += decoder.feed(chunk)
    assert out == packets
    assert (decoder.dropped, decoder.buffered) == (0, 0)


@given(garbage=st.lists(st.binary(max_size=200), max_size=20), framing=st.sampled_from(["slip", "length"]))
def test_garbage_never_raises_and_memory_stays_bounded(garbage: list[bytes], framing: str) -> None:
    decoder = oscframe.make_decoder(framing, max_frame=64)  # type: ignore[arg-type]
    for chunk in garbage:
        for packet in decoder.feed(chunk):
            assert 4 <= len(packet) <= 64
            assert len(packet) % 4 == 0
        # SLIP holds at most one escaped frame (twice max_frame); the length decoder at most one frame.
        assert decoder.buffered <= (2 * 64 if framing == "slip" else 64)
    if framing == "slip":
        # After garbage, one END resynchronises: the next double-END frame is read whatever came before.
        assert decoder.feed(b"\xc0\xc0okay\xc0")[-1:] == [b"okay"]
