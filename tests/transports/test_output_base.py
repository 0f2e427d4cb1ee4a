"""The send bookkeeping every output inherits (OutputBase, BatchOutputBase): what is counted, what is raised.

The real outputs are tested on real sockets (test_udp, test_tcp, test_batch, test_midi); this pins the rules
they share on an output whose writes are a list, so each rule is seen apart.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence

import pytest

from showcall.transports.base import BatchOutputBase, DeviceDownError, Endpoint


class ListOutput(BatchOutputBase):
    """Writes to a list; `refuse` makes the next write fail with that errno, `connected` False refuses all."""

    def __init__(self) -> None:
        super().__init__(Endpoint("gfx", "osc-udp", host="127.0.0.1", port=9))
        self.written: list[bytes] = []
        self.connected = True
        self.refuse_after: int | None = None
        self.downs: list[Exception] = []

    def prepare_many(self, wires: Sequence[bytes]) -> Sequence[bytes]:
        return wires

    def _send(self, wire: bytes) -> None:
        if not self.connected:
            raise DeviceDownError("gfx", "not open")
        if self.refuse_after is not None and len(self.written) >= self.refuse_after:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        self.written.append(wire)

    def _send_many(self, wires: Sequence[bytes]) -> tuple[int, Exception | None]:
        for i, wire in enumerate(wires):
            try:
                self._send(wire)
            except OSError as exc:
                return i, exc
        return len(wires), None

    def _down(self, failure: Exception) -> DeviceDownError:
        self.downs.append(failure)
        return DeviceDownError("gfx", "connection refused")


def test_a_write_that_went_out_is_counted_sent() -> None:
    out = ListOutput()
    out.send(b"/a")
    assert out.send_many([b"/b", b"/c"]) == 2
    assert (out.written, out.stats.sent, out.stats.failed) == ([b"/a", b"/b", b"/c"], 3, 0)


def test_a_failed_write_is_counted_failed_marked_down_and_chained() -> None:
    out = ListOutput()
    out.refuse_after = 0
    with pytest.raises(DeviceDownError, match=r"^device gfx: connection refused$") as raised:
        out.send(b"/a")
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)
    assert (out.stats.sent, out.stats.failed, len(out.downs)) == (0, 1, 1)


def test_a_partial_batch_counts_what_went_out_and_says_how_many() -> None:
    out = ListOutput()
    out.refuse_after = 2
    with pytest.raises(DeviceDownError) as raised:
        out.send_many([b"/1", b"/2", b"/3", b"/4", b"/5"])
    assert raised.value.sent == 2
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)
    assert (out.written, out.stats.sent, out.stats.failed) == ([b"/1", b"/2"], 2, 3)


def test_not_connected_is_refused_uncounted_with_the_outputs_own_words() -> None:
    out = ListOutput()
    out.connected = False
    with pytest.raises(DeviceDownError, match=r"^device gfx: not open$"):
        out.send(b"/a")
    with pytest.raises(DeviceDownError, match=r"^device gfx: not open$"):
        out.send_many([b"/a"])
    assert (out.stats.sent, out.stats.failed, out.downs) == (0, 0, [])
