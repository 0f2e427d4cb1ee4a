"""Provides MIDI timecode: frame numbers, full-frame and quarter-frame messages, a generator and `MtcReader`.

Rates are `showcall.model.times.FrameRate` (24, 25, 29.97 drop-frame, 30). A quarter-frame sequence is eight
`F1 0nnn dddd` messages sent over two frames; it carries the timecode of the frame in which its piece 0 was
sent, so a reader that has just received piece 7 adds two frames (the sequence's own latency).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from showcall.errors import ShowcallError
from showcall.model.times import NS_PER_S, FrameRate, Timecode

__all__ = [
    "QUARTER_FRAME",
    "MtcError",
    "MtcReader",
    "MtcReaderStats",
    "decode_full_frame",
    "frame_offset_ns",
    "frame_to_timecode",
    "frames_per_day",
    "full_frame",
    "quarter_frame",
    "quarter_frame_offset_ns",
    "quarter_frame_set",
    "quarter_frames",
    "timecode_to_frame",
]

QUARTER_FRAME = 0xF1

_RATE_BY_CODE = {rate.mtc_code: rate for rate in FrameRate}
# Drop-frame counts: 10 minutes hold 17982 frames (the first minute 1800, the nine others 1798 each).
_DF_TEN_MINUTES = 17_982
_DF_MINUTE = 1_798


class MtcError(ShowcallError, ValueError):
    """A timecode cannot be sent at a rate, or bytes are not the MTC message they claim to be."""


def _rate_fraction(rate: FrameRate) -> tuple[int, int]:
    """Frames per second as numerator, denominator (30000/1001 for drop-frame)."""
    return (30_000, 1_001) if rate.drop_frame else (rate.nominal, 1)


def frames_per_day(rate: FrameRate) -> int:
    """How many frames 24 hours of timecode hold at `rate` (timecode wraps after that)."""
    return _DF_TEN_MINUTES * 6 * 24 if rate.drop_frame else rate.nominal * 86_400


def timecode_to_frame(timecode: Timecode, rate: FrameRate) -> int:
    """Frames since 00:00:00:00; MtcError when the timecode does not exist at `rate`."""
    problem = timecode.check_rate(rate)
    if problem:
        raise MtcError(problem)
    return timecode.frame_number(rate)


def frame_to_timecode(frame: int, rate: FrameRate) -> Timecode:
    """The timecode of frame number `frame` (wrapped to one day), drop-frame numbering honoured."""
    frame %= frames_per_day(rate)
    if rate.drop_frame:
        tens, rest = divmod(frame, _DF_TEN_MINUTES)
        # Two frame numbers are skipped at every minute after the first of each ten.
        skipped = 18 * tens + (2 * ((rest - 2) // _DF_MINUTE) if rest >= 2 else 0)
        frame += skipped
    nominal = rate.nominal
    seconds, frames = divmod(frame, nominal)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return Timecode(hours, minutes, seconds, frames)


def frame_offset_ns(frames: int, rate: FrameRate) -> int:
    """Wall-clock nanoseconds that `frames` frames last at `rate`, rounded to the nearest ns."""
    num, den = _rate_fraction(rate)
    return (2 * frames * NS_PER_S * den + num) // (2 * num)


def quarter_frame_offset_ns(quarters: int, rate: FrameRate) -> int:
    """Wall-clock nanoseconds that `quarters` quarter frames last at `rate`, rounded to the nearest ns."""
    num, den = _rate_fraction(rate)
    return (2 * quarters * NS_PER_S * den + 4 * num) // (8 * num)


def _fields(timecode: Timecode, rate: FrameRate) -> tuple[int, int, int, int]:
    timecode_to_frame(timecode, rate)  # refuses a timecode that does not exist at this rate
    return rate.mtc_code << 5 | timecode.hours, timecode.minutes, timecode.seconds, timecode.frames


def full_frame(timecode: Timecode, rate: FrameRate, *, device_id: int = 0x7F) -> bytes:
    """The full-frame message `F0 7F <device_id> 01 01 hh mm ss ff F7` (send one whenever time jumps)."""
    if not 0 <= device_id <= 0x7F:
        raise MtcError("device_id must be in range 0..127")
    return bytes((0xF0, 0x7F, device_id, 0x01, 0x01, *_fields(timecode, rate), 0xF7))


def quarter_frame_set(timecode: Timecode, rate: FrameRate) -> tuple[bytes, ...]:
    """The eight quarter-frame messages (pieces 0-7) that carry `timecode`."""
    hh, mm, ss, ff = _fields(timecode, rate)
    values = (ff & 0xF, ff >> 4, ss & 0xF, ss >> 4, mm & 0xF, mm >> 4, hh & 0xF, hh >> 4)
    return tuple(bytes((QUARTER_FRAME, piece << 4 | value)) for piece, value in enumerate(values))


def quarter_frame(piece: int, timecode: Timecode, rate: FrameRate) -> bytes:
    """Quarter-frame message number `piece` (0-7) of the sequence that carries `timecode`."""
    if not 0 <= piece <= 7:
        raise MtcError("piece must be in range 0..7")
    return quarter_frame_set(timecode, rate)[piece]


def quarter_frames(
    start: Timecode, rate: FrameRate, span_ns: int, *, full_frame_first: bool = False
) -> Iterator[tuple[int, bytes]]:
    """(offset_ns, message) for every quarter frame sent in `span_ns` from `start`, running forward.

    Quarter frame k goes out k/4 of a frame after `start`; sequence s carries frame `start + 2s`. With
    `full_frame_first`, a full frame of `start` leads at offset 0 (the time jumped there).
    """
    first = timecode_to_frame(start, rate)
    if full_frame_first:
        yield 0, full_frame(start, rate)
    quarter = 0
    pieces: tuple[bytes, ...] = ()
    while (offset := quarter_frame_offset_ns(quarter, rate)) < span_ns:
        sequence, piece = divmod(quarter, 8)
        if piece == 0:
            pieces = quarter_frame_set(frame_to_timecode(first + 2 * sequence, rate), rate)
        yield offset, pieces[piece]
        quarter += 1


def decode_full_frame(message: bytes) -> tuple[Timecode, FrameRate]:
    """The timecode and rate a full-frame message carries; MtcError when it is not one."""
    if len(message) != 10 or message[:2] != b"\xf0\x7f" or message[3:5] != b"\x01\x01" or message[-1] != 0xF7:
        raise MtcError(f"not an MTC full-frame message: {message.hex(' ')}")
    return _checked(message[5], message[6], message[7], message[8])


def _checked(hh: int, mm: int, ss: int, ff: int) -> tuple[Timecode, FrameRate]:
    rate = _RATE_BY_CODE[hh >> 5 & 0x3]
    timecode = Timecode(hh & 0x1F, mm, ss, ff)
    if timecode.hours > 23 or mm > 59 or ss > 59:
        raise MtcError(f"timecode {timecode} is out of range")
    problem = timecode.check_rate(rate)
    if problem:
        raise MtcError(problem)
    return timecode, rate


@dataclass
class MtcReaderStats:
    """What an `MtcReader` has seen: messages, broken sequences and undecodable values."""

    quarter_frames: int = 0
    full_frames: int = 0
    dropouts: int = 0
    errors: int = 0


class MtcReader:
    """Chases MIDI timecode from raw bytes (`feed`) or mido messages (`feed_message`).

    A full frame sets `timecode` and `rate` at once and leaves the reader unlocked (time jumped). Quarter
    frames lock it after a complete in-order set 0-7; from then on, at pieces 3 and 7 (the last quarter of
    each frame), `timecode` moves to the frame that begins with the next quarter frame. Only forward
    running is followed: a piece out of order unlocks the reader until the next complete set.
    """

    def __init__(self) -> None:
        self.timecode: Timecode | None = None
        self.rate: FrameRate | None = None
        self.locked = False
        self.stats = MtcReaderStats()
        self._values = [0] * 8
        self._next_piece = 0
        self._set_frame: int | None = None  # frame number carried by the last complete set
        self._sysex: bytearray | None = None
        self._awaiting_quarter = False

    def feed(self, data: bytes | bytearray | Iterable[int]) -> None:
        """Feed raw MIDI bytes (any split); everything but quarter frames and full frames is skipped."""
        for byte in data:
            if byte >= 0xF8:  # real-time bytes may interleave anywhere and change nothing
                continue
            if self._sysex is not None:
                if byte == 0xF7:
                    self._on_sysex(bytes(self._sysex))
                    self._sysex = None
                    continue
                if byte < 0x80:
                    if len(self._sysex) < 16:  # a full frame is short; ignore long sysex
                        self._sysex.append(byte)
                    continue
                self._sysex = None  # a status byte ends an unterminated sysex
            if self._awaiting_quarter and byte < 0x80:
                self._awaiting_quarter = False
                self.quarter_frame(byte >> 4, byte & 0xF)
                continue
            self._awaiting_quarter = byte == QUARTER_FRAME
            if byte == 0xF0:
                self._sysex = bytearray()

    def feed_message(self, message: object) -> None:
        """Feed one mido message; quarter frames and full-frame sysex count, others are ignored."""
        kind = getattr(message, "type", None)
        if kind == "quarter_frame":
            self.quarter_frame(int(getattr(message, "frame_type", 0)), int(getattr(message, "frame_value", 0)))
        elif kind == "sysex":
            self._on_sysex(bytes(getattr(message, "data", ())))

    def quarter_frame(self, piece: int, value: int) -> None:
        """Take one quarter frame: piece 0-7 and its 4-bit value."""
        self.stats.quarter_frames += 1
        if piece != self._next_piece:
            if self.locked or self._next_piece:
                self.stats.dropouts += 1
            self.locked = False
            self._next_piece = 0
            if piece != 0:
                return
        self._values[piece] = value
        self._next_piece = (piece + 1) % 8
        if piece == 3 and self.locked and self._set_frame is not None and self.rate is not None:
            self.timecode = frame_to_timecode(self._set_frame + 3, self.rate)
        elif piece == 7:
            self._complete()

    def _complete(self) -> None:
        v = self._values
        try:
            timecode, rate = _checked(v[6] | v[7] << 4, v[4] | v[5] << 4, v[2] | v[3] << 4, v[0] | v[1] << 4)
        except MtcError:
            self.stats.errors += 1
            self.locked = False
            return
        self._set_frame = timecode.frame_number(rate)
        self.rate = rate
        self.timecode = frame_to_timecode(self._set_frame + 2, rate)
        self.locked = True

    def _on_sysex(self, body: bytes) -> None:
        """A sysex body without F0/F7; acts only on a full-frame message."""
        if len(body) != 8 or body[0] != 0x7F or body[2:4] != b"\x01\x01":
            return
        try:
            timecode, rate = _checked(body[4], body[5], body[6], body[7])
        except MtcError:
            self.stats.errors += 1
            return
        self.stats.full_frames += 1
        self.timecode, self.rate = timecode, rate
        self.locked = False
        self._next_piece = 0
        self._set_frame = None
