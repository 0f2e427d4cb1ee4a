"""Provides the OSC stream framings used over TCP: SLIP (OSC 1.1) and a 32-bit length prefix (OSC 1.0).

SLIP frames are written `C0 <escaped packet> C0` (the double-END form QLab and Eos use); the decoder also
takes the single-END form. Both decoders are incremental and bounded: a frame larger than `max_frame`, or
one that is malformed, is dropped and counted (`dropped`, `drop_reasons`), never raised, and memory held
never grows past about twice `max_frame`.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Literal, Protocol

__all__ = [
    "DEFAULT_MAX_FRAME",
    "END",
    "ESC",
    "ESC_END",
    "ESC_ESC",
    "FrameDecoder",
    "Framing",
    "LengthPrefixDecoder",
    "SlipDecoder",
    "frame",
    "length_encode",
    "make_decoder",
    "slip_encode",
]

Framing = Literal["slip", "length"]

END = 0xC0
ESC = 0xDB
ESC_END = 0xDC
ESC_ESC = 0xDD
DEFAULT_MAX_FRAME = 64 * 1024

_BAD_ESCAPE = re.compile(rb"\xdb(?![\xdc\xdd])")


def slip_encode(packet: bytes) -> bytes:
    """`C0 <packet with C0 -> DB DC and DB -> DB DD> C0`."""
    return b"\xc0" + packet.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


def length_encode(packet: bytes) -> bytes:
    """The packet after its length as a 32-bit big-endian integer."""
    return len(packet).to_bytes(4, "big") + packet


def frame(framing: Framing, packet: bytes) -> bytes:
    """The packet framed by `framing` (`slip` or `length`)."""
    return slip_encode(packet) if framing == "slip" else length_encode(packet)


class FrameDecoder(Protocol):
    """An incremental deframer: bytes in as they arrive, whole packets out."""

    max_frame: int
    dropped: int
    drop_reasons: Counter[str]

    def feed(self, data: bytes) -> list[bytes]:
        """Packets completed by `data` (possibly none); never raises."""
        ...

    @property
    def buffered(self) -> int:
        """Bytes held for a frame not yet complete."""
        ...


class _Counting:
    def __init__(self, max_frame: int, osc_only: bool) -> None:
        if max_frame < 4:
            raise ValueError("max_frame must be at least 4")
        self.max_frame = max_frame
        self.osc_only = osc_only
        self.dropped = 0
        self.drop_reasons: Counter[str] = Counter()

    def _drop(self, reason: str) -> None:
        self.dropped += 1
        self.drop_reasons[reason] += 1

    def _misaligned(self, size: int) -> bool:
        """Every OSC packet is a multiple of 4 bytes; anything else is a broken frame."""
        if self.osc_only and size % 4:
            self._drop("not a multiple of 4 bytes")
            return True
        return False


class SlipDecoder(_Counting):
    """Incremental SLIP decoder; `osc_only` also drops frames whose size cannot be an OSC packet."""

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME, *, osc_only: bool = True) -> None:
        super().__init__(max_frame, osc_only)
        self._partial = bytearray()
        self._overflow = False

    @property
    def buffered(self) -> int:
        """Bytes held for a frame not yet ended."""
        return len(self._partial)

    def feed(self, data: bytes) -> list[bytes]:
        """Packets ended by `data`; empty frames (the double END) are skipped silently."""
        if END not in data:
            self._hold(data)
            return []
        parts = data.split(b"\xc0")
        first = bytes(self._partial) + parts[0] if self._partial else parts[0]
        self._partial.clear()
        packets: list[bytes] = []
        for index, part in enumerate((first, *parts[1:-1])):
            if index == 0 and self._overflow:
                self._overflow = False
                self._drop("oversized")
                continue
            packet = self._unescape(part)
            if packet is not None:
                packets.append(packet)
        self._hold(parts[-1])
        return packets

    def _hold(self, data: bytes) -> None:
        if self._overflow:
            return
        self._partial += data
        # An escaped frame is at most twice its packet; past that, stop holding bytes until the next END.
        if len(self._partial) > 2 * self.max_frame:
            self._partial.clear()
            self._overflow = True

    def _unescape(self, part: bytes) -> bytes | None:
        if not part:
            return None
        if ESC in part:
            if _BAD_ESCAPE.search(part):
                self._drop("bad escape")
                return None
            # In valid SLIP every DB starts a pair, so DB DC is never the tail of another pair.
            part = part.replace(b"\xdb\xdc", b"\xc0").replace(b"\xdb\xdd", b"\xdb")
        if len(part) > self.max_frame:
            self._drop("oversized")
            return None
        if self._misaligned(len(part)):
            return None
        return part


class LengthPrefixDecoder(_Counting):
    """Incremental decoder for 32-bit big-endian length-prefixed packets.

    A frame whose length is over `max_frame`, zero, or (with `osc_only`) not a multiple of 4 is skipped
    byte for byte without being held, so the stream stays in step if the sender was merely wrong.
    """

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME, *, osc_only: bool = True) -> None:
        super().__init__(max_frame, osc_only)
        self._buffer = bytearray()
        self._need: int | None = None
        self._skip = 0

    @property
    def buffered(self) -> int:
        """Bytes held for a frame not yet complete."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        """Packets completed by `data`."""
        if self._skip:
            taken = min(self._skip, len(data))
            self._skip -= taken
            data = data[taken:]
        self._buffer += data
        buf = self._buffer
        packets: list[bytes] = []
        pos = 0
        while True:
            if self._need is None:
                if len(buf) - pos < 4:
                    break
                size = int.from_bytes(buf[pos : pos + 4], "big")
                pos += 4
                if size > self.max_frame or size == 0 or self._misaligned(size):
                    if size > self.max_frame:
                        self._drop("oversized")
                    elif size == 0:
                        self._drop("empty frame")
                    taken = min(size, len(buf) - pos)
                    pos += taken
                    self._skip = size - taken
                    if self._skip:
                        break
                    continue
                self._need = size
            if len(buf) - pos < self._need:
                break
            packets.append(bytes(buf[pos : pos + self._need]))
            pos += self._need
            self._need = None
        del buf[:pos]
        return packets


def make_decoder(framing: Framing, max_frame: int = DEFAULT_MAX_FRAME) -> SlipDecoder | LengthPrefixDecoder:
    """A fresh decoder for `framing`."""
    return SlipDecoder(max_frame) if framing == "slip" else LengthPrefixDecoder(max_frame)
