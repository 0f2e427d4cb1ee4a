"""Provides `StallWatch`: how a stream output tells a device that has stopped reading.

A device that stops reading (hung, or busy) does not close its connection: the bytes sent to it wait, first in
its own receive buffer, then in this machine's send queue (TIOCOUTQ: bytes it has not acknowledged), then in
the output's own queue. The watch looks every `CHECK_NS` while anything waits: when bytes wait and none was
taken for `STALL_NS`, the device is not reading. It is reading again the moment the waiting bytes shrink. Until
its own receive buffer is full the device acknowledges everything, so a device that stopped reading shows only
once that buffer is full; nothing is lost before then either.
"""

from __future__ import annotations

import contextlib
import fcntl
import socket
import struct
import termios

__all__ = ["CHECK_NS", "STALL_NS", "StallWatch", "unacknowledged"]

STALL_NS = 1_000_000_000
"""Bytes waiting this long with none taken: the device is not reading."""
CHECK_NS = 250_000_000
"""How often the waiting bytes are looked at while any wait (one ioctl; away from deadlines)."""

_TIOCOUTQ = getattr(termios, "TIOCOUTQ", None)


def unacknowledged(sock: socket.socket) -> int:
    """Bytes in the kernel's send queue the peer has not acknowledged (0 where the system cannot tell)."""
    if _TIOCOUTQ is None:
        return 0
    with contextlib.suppress(OSError):
        value: int = struct.unpack("i", fcntl.ioctl(sock.fileno(), _TIOCOUTQ, b"\0\0\0\0"))[0]
        return value
    return 0


class StallWatch:
    """Counts the bytes handed to a connection and tells, when asked, whether the peer stopped taking them."""

    def __init__(self) -> None:
        self.accepted = 0  # bytes the output took to send (into the kernel or its own queue): added on each write
        self._seen = 0
        self._waiting = 0
        self._progress_ns = 0
        self._checked_ns = 0

    def reset(self, now_ns: int) -> None:
        """A new connection: nothing waits."""
        self.accepted = self._seen = self._waiting = 0
        self._progress_ns = self._checked_ns = now_ns

    def next_check_ns(self) -> int | None:
        """When to look next: while bytes waited at the last look, or were written since."""
        if self._waiting or self.accepted != self._seen:
            return self._checked_ns + CHECK_NS
        return None

    def check(self, waiting: int, now_ns: int) -> bool:
        """`waiting` bytes wait now (kernel queue plus the output's): True when none was taken for STALL_NS."""
        new = self.accepted - self._seen
        # Nothing waited at the last look: any wait started since (counted from now, at most CHECK_NS late).
        # Otherwise the wait goes on unless the device took some of what waited or of what was sent since.
        if not self._waiting or waiting < self._waiting + new:
            self._progress_ns = now_ns
        self._seen, self._waiting, self._checked_ns = self.accepted, waiting, now_ns
        return waiting > 0 and now_ns - self._progress_ns >= STALL_NS
