"""Provides `MidiStream`: a MIDI byte stream split into complete messages, bounded, counting what it drops.

mido's Parser skips stray bytes silently and holds a sysex of any length; a simulator must count bad
input and keep memory bounded, so the splitting is done here by status-byte lengths and each complete
message is then decoded with mido (`mido.Message.from_bytes`). Running status is not taken: mido socket
ports, the only MIDI a simulator receives, always send whole messages.
"""

from __future__ import annotations

from collections import Counter

__all__ = ["DEFAULT_MAX_SYSEX", "MidiStream"]

DEFAULT_MAX_SYSEX = 64 * 1024

# Message lengths by status byte (system real-time ones are handled on their own).
_LENGTHS = {**dict.fromkeys(range(0x80, 0xC0), 3), **dict.fromkeys(range(0xC0, 0xE0), 2)}
_LENGTHS |= dict.fromkeys(range(0xE0, 0xF0), 3)
_LENGTHS |= {0xF1: 2, 0xF2: 3, 0xF3: 2, 0xF6: 1}
_REALTIME = frozenset({0xF8, 0xFA, 0xFB, 0xFC, 0xFE, 0xFF})


class MidiStream:
    """Incremental MIDI splitter with the same counters as the OSC stream decoders (`dropped`, `drop_reasons`).

    `max_frame` bounds a sysex message; a longer one is dropped as `oversized` and skipped up to its F7.
    """

    def __init__(self, max_frame: int = DEFAULT_MAX_SYSEX) -> None:
        self.max_frame = max_frame
        self.dropped = 0
        self.drop_reasons: Counter[str] = Counter()
        self._message = bytearray()
        self._need = 0  # bytes the message in progress still needs; -1 inside a sysex
        self._skipping_sysex = False
        self._stray = False

    @property
    def buffered(self) -> int:
        """Bytes held for a message not yet complete."""
        return len(self._message)

    def _drop(self, reason: str) -> None:
        self.dropped += 1
        self.drop_reasons[reason] += 1

    def feed(self, data: bytes) -> list[bytes]:
        """Messages completed by `data`; never raises."""
        out: list[bytes] = []
        for byte in data:
            if byte >= 0xF8:
                # Real-time bytes may appear anywhere, even inside a sysex, and do not disturb it.
                if byte in _REALTIME:
                    out.append(bytes((byte,)))
                else:
                    self._drop("undefined status byte")
                continue
            if byte < 0x80:
                self._data_byte(byte, out)
                continue
            self._stray = False
            if byte == 0xF7:
                self._end_sysex(out)
                continue
            if self._message:
                self._drop("interrupted message")
                self._message.clear()
            self._skipping_sysex = False
            if byte == 0xF0:
                self._message.append(byte)
                self._need = -1
                continue
            length = _LENGTHS.get(byte)
            if length is None:
                self._drop("undefined status byte")
                continue
            if length == 1:
                out.append(bytes((byte,)))
                continue
            self._message.append(byte)
            self._need = length - 1
        return out

    def _data_byte(self, byte: int, out: list[bytes]) -> None:
        if self._skipping_sysex:
            return
        if not self._message:
            if not self._stray:  # one drop per run of stray bytes, not one per byte
                self._drop("stray data bytes")
                self._stray = True
            return
        self._message.append(byte)
        if self._need < 0:
            if len(self._message) > self.max_frame:
                self._drop("oversized")
                self._message.clear()
                self._skipping_sysex = True
            return
        self._need -= 1
        if self._need == 0:
            out.append(bytes(self._message))
            self._message.clear()

    def _end_sysex(self, out: list[bytes]) -> None:
        if self._skipping_sysex:
            self._skipping_sysex = False
            return
        if self._message and self._need < 0:
            self._message.append(0xF7)
            out.append(bytes(self._message))
        else:
            self._drop("stray F7" if not self._message else "interrupted message")
        self._message.clear()
