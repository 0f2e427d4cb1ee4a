"""MIDI timecode: exact bytes, drop-frame numbering, generator timing, and the reader fed by the generator."""

from __future__ import annotations

from fractions import Fraction

import mido
import pytest
from hypothesis import given
from hypothesis import strategies as st

from showcall.model.times import NS_PER_S, FrameRate, Timecode
from showcall.protocols import mtc
from showcall.protocols.mtc import MtcError, MtcReader, frame_to_timecode, timecode_to_frame

DF = FrameRate.FPS_2997DF


def tc(text: str) -> Timecode:
    return Timecode.parse(text)


def test_public_names_are_what_was_meant() -> None:
    assert set(mtc.__all__) == {
        "QUARTER_FRAME", "MtcError", "MtcReader", "MtcReaderStats", "decode_full_frame", "frame_offset_ns",
        "frame_to_timecode", "frames_per_day", "full_frame", "quarter_frame", "quarter_frame_offset_ns",
        "quarter_frame_set", "quarter_frames", "timecode_to_frame",
    }  # fmt: skip


def test_full_frame_bytes_carry_the_rate_in_the_hours_byte() -> None:
    assert mtc.full_frame(tc("01:02:03:04"), FrameRate.FPS_24) == bytes.fromhex("F0 7F 7F 01 01 01 02 03 04 F7")
    assert mtc.full_frame(tc("01:02:03:04"), FrameRate.FPS_25) == bytes.fromhex("F0 7F 7F 01 01 21 02 03 04 F7")
    assert mtc.full_frame(tc("23:59:59:29"), DF) == bytes.fromhex("F0 7F 7F 01 01 57 3B 3B 1D F7")
    assert mtc.full_frame(tc("10:00:00:00"), FrameRate.FPS_30, device_id=1) == bytes.fromhex(
        "F0 7F 01 01 01 6A 00 00 00 F7"
    )
    assert mtc.decode_full_frame(bytes.fromhex("F0 7F 7F 01 01 57 3B 3B 1D F7")) == (tc("23:59:59:29"), DF)


def test_quarter_frame_pieces() -> None:
    # 01:37:52:16 at 30 fps: frame 16 = 0x10, seconds 52 = 0x34, minutes 37 = 0x25, hours 1 | rate 3 << 5 = 0x61
    pieces = mtc.quarter_frame_set(tc("01:37:52:16"), FrameRate.FPS_30)
    assert b"".join(pieces) == bytes.fromhex("F1 00 F1 11 F1 24 F1 33 F1 45 F1 52 F1 61 F1 76")
    assert mtc.quarter_frame(7, tc("01:37:52:16"), FrameRate.FPS_25) == bytes.fromhex("F1 72")
    with pytest.raises(MtcError, match=r"^piece must be in range 0\.\.7$"):
        mtc.quarter_frame(8, tc("00:00:00:00"), FrameRate.FPS_25)


def test_timecodes_that_do_not_exist_are_refused() -> None:
    with pytest.raises(MtcError, match="drop-frame skips frames 00 and 01"):
        mtc.full_frame(tc("00:01:00:00"), DF)
    with pytest.raises(MtcError, match=r"has frame 24, but at 24 fps frames run 00-23"):
        mtc.quarter_frame_set(tc("00:00:00:24"), FrameRate.FPS_24)
    assert mtc.full_frame(tc("00:10:00:00"), DF)[5:9] == bytes((0x40, 10, 0, 0))


@pytest.mark.parametrize(
    ("rate", "frame", "text"),
    [
        (DF, 1799, "00:00:59:29"),
        (DF, 1800, "00:01:00:02"),
        (DF, 17981, "00:09:59:29"),
        (DF, 17982, "00:10:00:00"),
        (DF, 17982 + 1800, "00:11:00:02"),
        (DF, 107892, "01:00:00:00"),
        (FrameRate.FPS_25, 90000, "01:00:00:00"),
        (FrameRate.FPS_24, 24 * 86400 + 5, "00:00:00:05"),
    ],
)
def test_frame_numbers_and_drop_frame(rate: FrameRate, frame: int, text: str) -> None:
    assert str(frame_to_timecode(frame, rate)) == text
    assert timecode_to_frame(tc(text), rate) == frame % mtc.frames_per_day(rate)


@given(rate=st.sampled_from(list(FrameRate)), data=st.data())
def test_frame_number_round_trips(rate: FrameRate, data: st.DataObject) -> None:
    frame = data.draw(st.integers(0, mtc.frames_per_day(rate) - 1))
    timecode = frame_to_timecode(frame, rate)
    assert timecode.check_rate(rate) is None
    assert timecode_to_frame(timecode, rate) == frame


@pytest.mark.parametrize(
    ("rate", "per_second"), [(FrameRate.FPS_24, 96), (FrameRate.FPS_25, 100), (FrameRate.FPS_30, 120)]
)
def test_generator_timing(rate: FrameRate, per_second: int) -> None:
    sent = list(mtc.quarter_frames(tc("00:00:00:00"), rate, NS_PER_S))
    assert len(sent) == per_second
    # Offsets are exact to the nanosecond: within half a ns of k / (4 * fps) seconds.
    assert all(abs(offset - Fraction(k * NS_PER_S, per_second)) <= Fraction(1, 2) for k, (offset, _) in enumerate(sent))


def test_generator_timing_at_29_97() -> None:
    sent = list(mtc.quarter_frames(tc("00:00:00:00"), DF, NS_PER_S))
    # 4 * 29.97 = 119.88 quarter frames a second, each 1001/120000 s = 8341666.67 ns
    assert len(sent) == 120
    assert sent[1][0] == 8_341_667
    assert sent[119][0] == 992_658_333
    assert mtc.quarter_frame_offset_ns(120_000 * 4, DF) == 4004 * NS_PER_S


def test_generator_sequences_step_two_frames_across_a_drop_frame_minute() -> None:
    sent = [msg for _, msg in mtc.quarter_frames(tc("00:00:59:26"), DF, mtc.frame_offset_ns(8, DF))]
    assert len(sent) == 32
    sets = [sent[i : i + 8] for i in range(0, 32, 8)]
    assert sets[0] == list(mtc.quarter_frame_set(tc("00:00:59:26"), DF))
    assert sets[1] == list(mtc.quarter_frame_set(tc("00:00:59:28"), DF))
    assert sets[2] == list(mtc.quarter_frame_set(tc("00:01:00:02"), DF))
    assert sets[3] == list(mtc.quarter_frame_set(tc("00:01:00:04"), DF))


def _chase(start: Timecode, rate: FrameRate, quarters: int, via_mido: bool) -> None:
    """Feed the generator into a reader and check the reported frame after every quarter frame."""
    span = mtc.quarter_frame_offset_ns(quarters, rate) - 1
    reader = MtcReader()
    parser = mido.Parser()
    first = timecode_to_frame(start, rate)
    for k, (_, message) in enumerate(mtc.quarter_frames(start, rate, span)):
        if via_mido:
            parser.feed(message)
            for parsed in parser:
                reader.feed_message(parsed)
        else:
            reader.feed(message)
        if k < 7:
            assert not reader.locked
            assert reader.timecode is None
        else:
            # After quarter frame k the frame that begins with quarter frame k + 1 is reported.
            assert reader.locked
            assert reader.rate is rate
            assert reader.timecode == frame_to_timecode(first + (k + 1) // 4, rate), k
    assert reader.stats.quarter_frames == quarters
    assert reader.stats.dropouts == 0


@pytest.mark.parametrize("via_mido", [False, True], ids=["bytes", "mido-parser"])
@pytest.mark.parametrize(
    ("start", "rate"),
    [
        ("00:59:59:20", FrameRate.FPS_24),
        ("10:00:00:00", FrameRate.FPS_25),
        ("00:00:59:24", DF),
        ("00:09:59:24", DF),
        ("23:59:59:25", FrameRate.FPS_30),
    ],
)
def test_reader_chases_the_generator(start: str, rate: FrameRate, via_mido: bool) -> None:
    _chase(tc(start), rate, 48, via_mido)


def test_reader_lands_on_the_first_frame_after_a_drop_frame_minute() -> None:
    reader = MtcReader()
    for _, message in mtc.quarter_frames(tc("00:00:59:28"), DF, mtc.quarter_frame_offset_ns(8, DF)):
        reader.feed(message)
    assert str(reader.timecode) == "00:01:00:02"


def test_full_frame_sets_time_at_once_and_unlocks() -> None:
    reader = MtcReader()
    stream = b"".join(m for _, m in mtc.quarter_frames(tc("01:00:00:00"), FrameRate.FPS_25, 80_000_000))
    reader.feed(stream)
    assert reader.locked
    # A jump: real-time clock bytes interleaved in the sysex must not disturb it.
    reader.feed(bytes.fromhex("F0 7F 7F 01 F8 01 22 03 04 05 F7"))
    assert (str(reader.timecode), reader.rate, reader.locked) == ("02:03:04:05", FrameRate.FPS_25, False)
    assert reader.stats.full_frames == 1


def test_reader_skips_other_midi_and_survives_split_feeds() -> None:
    reader = MtcReader()
    noise = bytes.fromhex("90 3C 64 3C 00 B0 07 7F F0 43 10 4C F7 F8")
    stream = bytearray()
    for _, message in mtc.quarter_frames(tc("00:00:10:00"), FrameRate.FPS_30, mtc.frame_offset_ns(2, FrameRate.FPS_30)):
        stream += message + noise
    for byte in stream:  # one byte at a time
        reader.feed(bytes((byte,)))
    assert str(reader.timecode) == "00:00:10:02"
    assert reader.locked


def test_out_of_order_pieces_unlock_until_the_next_complete_set() -> None:
    reader = MtcReader()
    messages = [m for _, m in mtc.quarter_frames(tc("00:00:10:00"), FrameRate.FPS_25, 240_000_000)]
    assert len(messages) == 24
    reader.feed(b"".join(messages[:8]))
    assert reader.locked
    reader.feed(messages[8] + messages[10])  # piece 1 lost
    assert not reader.locked
    assert reader.stats.dropouts == 1
    reader.feed(b"".join(messages[11:16]))  # the rest of the broken set does not lock
    assert not reader.locked
    reader.feed(b"".join(messages[16:24]))
    assert reader.locked
    assert str(reader.timecode) == "00:00:10:06"


def test_reverse_running_never_locks() -> None:
    reader = MtcReader()
    messages = [m for _, m in mtc.quarter_frames(tc("00:00:10:00"), FrameRate.FPS_25, 200_000_000)]
    reader.feed(b"".join(reversed(messages)))
    assert not reader.locked
    assert reader.timecode is None


def test_undecodable_sets_are_counted() -> None:
    reader = MtcReader()
    # frames 0x1F = 31 at 25 fps does not exist
    reader.feed(bytes.fromhex("F1 0F F1 11 F1 20 F1 30 F1 40 F1 50 F1 60 F1 72"))
    assert (reader.locked, reader.timecode, reader.stats.errors) == (False, None, 1)
    with pytest.raises(MtcError, match="not an MTC full-frame message"):
        mtc.decode_full_frame(bytes.fromhex("F0 7F 7F 01 02 00 00 00 00 F7"))
