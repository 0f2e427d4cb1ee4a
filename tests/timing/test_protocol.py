"""Framing of the engine ↔ core socket: whole frames from any split of the byte stream, kinds readable."""

from __future__ import annotations

import pytest

from showcall.timing import protocol as p
from showcall.timing.api import SendItem


def test_frames_survive_any_split_of_the_stream() -> None:
    messages: list[p.Message] = [
        p.Schedule(tuple(SendItem(i, "LX 1", 10 * i, "lx", b"\x00" * i) for i in range(50))),
        p.CancelCue("LX 1"),
        p.Panic(3, 99),
        p.ReportBatch((p.Sent(1, "LX 1", "lx", 5, 6), p.CoreHeartbeat(7, 0, 1))),
    ]
    stream = b"".join(p.encode(m) for m in messages)
    for chunk in (1, 3, 64, len(stream)):
        reader = p.FrameReader()
        frames: list[p.Frame] = []
        for start in range(0, len(stream), chunk):
            reader.feed(stream[start : start + chunk])
            frames += reader.pop_frames()
        assert [f.decode() for f in frames] == messages
        assert reader.buffered() == 0


def test_the_kind_byte_tells_panic_and_cheap_commands_without_unpickling() -> None:
    kinds = [p.Frame(p.encode(m)[4], b"").kind for m in (p.Panic(1, 2), p.CancelItems((1,)), p.Schedule(()))]
    assert kinds[0] == p.KIND_PANIC
    assert kinds[1] in p.CHEAP_KINDS
    assert kinds[2] == p.KIND_SCHEDULE and kinds[2] not in p.CHEAP_KINDS


def test_an_absurd_length_is_a_protocol_error() -> None:
    reader = p.FrameReader()
    reader.feed(p.HEADER.pack(p.MAX_BODY + 1, 2))
    with pytest.raises(p.ProtocolError, match="larger than"):
        reader.pop_frames()


def test_garbage_does_not_decode() -> None:
    with pytest.raises(p.ProtocolError, match="undecodable frame of kind 2"):
        p.Frame(2, b"not a pickle").decode()


def test_lateness_and_panic_latency_helpers() -> None:
    assert p.Sent(1, "c", "d", 1_000, 4_500).late_us == 3.5
    assert p.PanicDone(1, 0, 100, 350, 0, 0).latency_ns == 250
