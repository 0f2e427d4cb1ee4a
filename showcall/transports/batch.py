"""Provides many wires in one system call: `sendmmsg(2)` for datagram sockets, one joined write for streams.

A cue of hundreds of OSC messages is sent with a few system calls instead of one per message. Measured on
the 2-core VM this was written on: 512 loopback datagrams took ~1.2–2.5 µs each in the kernel either way,
but a Python `socket.send` per datagram added ~0.5–1 µs of interpreter each, plus the caller's own loop.

Everything a call needs is built ahead of the deadline by `prepare` (`DatagramBatcher.prepare`,
`JoinedWires`), so the send itself is one ctypes call per chunk, with no Python per datagram:

- **Datagrams**: the wires are joined into one buffer and each datagram's iovec (address, length) written
  into an array the batcher keeps; its mmsghdr array, one header per iovec, was built once when the
  array was allocated and never changes. A chunk is then `sendmmsg(fd, &msgvec[i], n, 0)`.
- **Streams**: the framed wires are joined once; a chunk is a slice of that buffer (a memoryview, no copy).

Where `sendmmsg` is not available (not Linux, or a libc without it) the batcher falls back to a tight loop
of `socket.send`, with the same results.
"""

from __future__ import annotations

import ctypes
import errno
import socket
import sys
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate
from typing import overload

__all__ = ["LIBC_SENDMMSG", "DatagramBatcher", "JoinedWires", "PreparedDatagrams", "SendMmsg"]

SendMmsg = Callable[[int, int, int, int], int]
"""`sendmmsg(fd, address of the first mmsghdr, count, flags)`: datagrams sent, or -1 with the C errno set."""


class _Iovec(ctypes.Structure):
    _fields_ = (("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t))


class _Msghdr(ctypes.Structure):
    _fields_ = (
        ("msg_name", ctypes.c_void_p),
        ("msg_namelen", ctypes.c_uint32),
        ("msg_iov", ctypes.c_void_p),
        ("msg_iovlen", ctypes.c_size_t),
        ("msg_control", ctypes.c_void_p),
        ("msg_controllen", ctypes.c_size_t),
        ("msg_flags", ctypes.c_int),
    )


class _Mmsghdr(ctypes.Structure):
    _fields_ = (("msg_hdr", _Msghdr), ("msg_len", ctypes.c_uint))


_WORD = ctypes.sizeof(ctypes.c_void_p)
_TYPECODE = next((code for code in "QLI" if array(code).itemsize == _WORD), "")
"""An array type whose items are pointer-sized, so iovec and mmsghdr arrays are written word by word."""
_HDR_WORDS = ctypes.sizeof(_Mmsghdr) // _WORD
_MSG_IOV = _Msghdr.msg_iov.offset // _WORD
_MSG_IOVLEN = _Msghdr.msg_iovlen.offset // _WORD
# Word-by-word writes need every field used to sit on a word and size_t to be a word (Linux, LP64 or ILP32).
_LAYOUT_OK = bool(_TYPECODE) and ctypes.sizeof(ctypes.c_size_t) == _WORD and ctypes.sizeof(_Iovec) == 2 * _WORD
_LAYOUT_OK = _LAYOUT_OK and not ctypes.sizeof(_Mmsghdr) % _WORD and not _Msghdr.msg_iov.offset % _WORD
_LAYOUT_OK = _LAYOUT_OK and not _Msghdr.msg_iovlen.offset % _WORD


def _load_sendmmsg() -> SendMmsg | None:
    """libc's sendmmsg on Linux (the struct layout above is Linux's; the BSDs' msghdr differs), else None."""
    if not sys.platform.startswith("linux") or not _LAYOUT_OK:
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).sendmmsg
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int)
    function.restype = ctypes.c_int
    sendmmsg: SendMmsg = function
    return sendmmsg


LIBC_SENDMMSG: SendMmsg | None = _load_sendmmsg()
"""The C library's `sendmmsg`, or None where there is none (outputs then send one datagram per call)."""


class PreparedDatagrams(Sequence[bytes]):
    """Datagrams made ready by one `DatagramBatcher.prepare`: the same bytes, in order; slices stay prepared."""

    __slots__ = ("_batcher", "_blob", "_generation", "_start", "_stop", "_wires")

    def __init__(
        self, batcher: DatagramBatcher, generation: int, wires: Sequence[bytes], blob: bytearray, start: int, stop: int
    ) -> None:
        self._batcher = batcher
        self._generation = generation
        self._wires = wires
        self._blob = blob  # the iovecs point into it: it must live as long as this batch can be sent
        self._start = start
        self._stop = stop

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> PreparedDatagrams: ...

    def __getitem__(self, index: int | slice) -> bytes | PreparedDatagrams:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("a prepared batch slices with step 1 only")
            stop = max(start, stop)
            return PreparedDatagrams(
                self._batcher, self._generation, self._wires, self._blob, self._start + start, self._start + stop
            )
        if not -len(self) <= index < len(self):
            raise IndexError("prepared batch index out of range")
        return self._wires[self._start + index % len(self)]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._wires[self._start : self._stop])


class DatagramBatcher:
    """Sends many datagrams on a connected socket with `sendmmsg`: `prepare` ahead of time, `send` at the deadline.

    It keeps one iovec array and one mmsghdr array, grown as batches need; a batch prepared later
    overwrites the iovecs of the one before, which `send` notices (a generation count) and prepares again,
    so a stale batch is slower, never wrong. `sendmmsg` is injectable for tests.
    """

    def __init__(self, sendmmsg: SendMmsg | None = LIBC_SENDMMSG, get_errno: Callable[[], int] = ctypes.get_errno):
        self._sendmmsg = sendmmsg
        self._get_errno = get_errno
        self._generation = 0
        self._capacity = 0
        self._iov = array(_TYPECODE or "Q")
        self._hdr = array(_TYPECODE or "Q")
        self._hdr_addr = 0

    def prepare(self, wires: Sequence[bytes]) -> PreparedDatagrams:
        """Join `wires` into one buffer and point an iovec at each (~0.15 µs a datagram there, 2-3× that cold)."""
        self._generation += 1
        wires = list(wires)
        n = len(wires)
        blob = bytearray().join(wires)
        if self._sendmmsg is not None and n:
            if n > self._capacity:
                self._grow(n)
            base = ctypes.addressof(ctypes.c_char.from_buffer(blob)) if blob else 0
            lengths = list(map(len, wires))
            starts = list(accumulate(lengths, initial=base))
            starts.pop()
            code = self._iov.typecode
            self._iov[0 : 2 * n : 2] = array(code, starts)
            self._iov[1 : 2 * n : 2] = array(code, lengths)
        return PreparedDatagrams(self, self._generation, wires, blob, 0, n)

    def send(self, sock: socket.socket, wires: Sequence[bytes]) -> tuple[int, int]:
        """Send `wires` in order on `sock`, now: (how many went out, errno of the one that could not or 0).

        A short count from `sendmmsg` (the kernel stopped early, and the error, if any, is lost) is followed
        at once by another call for the rest, in order, until all went out or a call fails. A failure is
        returned, never retried: the caller reports the rest failed.
        """
        n = len(wires)
        sendmmsg = self._sendmmsg
        if sendmmsg is None:
            return self._send_each(sock, wires)
        if not n:
            return 0, 0
        if not (
            isinstance(wires, PreparedDatagrams)
            and wires._batcher is self  # noqa: SLF001 - the batcher checks its own prepared batch, on the hot path
            and wires._generation == self._generation  # noqa: SLF001
        ):
            wires = self.prepare(wires)
        fd = sock.fileno()
        stride = _HDR_WORDS * _WORD
        at = self._hdr_addr + stride * wires._start  # noqa: SLF001
        done = 0
        while done < n:
            count = sendmmsg(fd, at + stride * done, n - done, 0)
            if count > 0:
                done += count
                continue
            code = self._get_errno() if count < 0 else 0
            if code == errno.EINTR:
                continue
            return done, code or errno.EIO
        return done, 0

    def _send_each(self, sock: socket.socket, wires: Sequence[bytes]) -> tuple[int, int]:
        send = sock.send
        for i, wire in enumerate(wires):
            try:
                send(wire)
            except OSError as exc:
                return i, exc.errno or errno.EIO
        return len(wires), 0

    def _grow(self, n: int) -> None:
        capacity = max(64, self._capacity)
        while capacity < n:
            capacity *= 2
        code = _TYPECODE
        iov = array(code, bytes(2 * _WORD * capacity))
        hdr = array(code, bytes(_HDR_WORDS * _WORD * capacity))
        iov_addr = iov.buffer_info()[0]
        # One header per iovec, for good: only the iovecs change from batch to batch.
        hdr[_MSG_IOV::_HDR_WORDS] = array(code, range(iov_addr, iov_addr + 2 * _WORD * capacity, 2 * _WORD))
        hdr[_MSG_IOVLEN::_HDR_WORDS] = array(code, [1]) * capacity
        self._iov, self._hdr, self._hdr_addr, self._capacity = iov, hdr, hdr.buffer_info()[0], capacity


class JoinedWires(Sequence[bytes]):
    """Framed stream wires joined once, ahead of time; a slice is a view of the same bytes (no copy)."""

    __slots__ = ("_blob", "_ends", "_start", "_stop", "_wires")

    def __init__(self, wires: Sequence[bytes]) -> None:
        self._wires = list(wires)
        self._blob = b"".join(self._wires)
        self._ends = list(accumulate(map(len, self._wires), initial=0))
        self._start = 0
        self._stop = len(self._wires)

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> JoinedWires: ...

    def __getitem__(self, index: int | slice) -> bytes | JoinedWires:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("joined wires slice with step 1 only")
            view = JoinedWires.__new__(JoinedWires)
            # a view of the same class, built without copying: its fields are set here
            view._wires, view._blob, view._ends = self._wires, self._blob, self._ends  # noqa: SLF001
            view._start, view._stop = self._start + start, self._start + max(start, stop)  # noqa: SLF001
            return view
        if not -len(self) <= index < len(self):
            raise IndexError("joined wires index out of range")
        return self._wires[self._start + index % len(self)]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._wires[self._start : self._stop])

    def data(self) -> memoryview:
        """The bytes of these wires, back to back."""
        return memoryview(self._blob)[self._ends[self._start] : self._ends[self._stop]]

    def complete_within(self, written: int) -> int:
        """How many wires are whole within the first `written` bytes of `data()`."""
        first = self._ends[self._start]
        return bisect_right(self._ends, first + written, self._start, self._stop + 1) - 1 - self._start
