"""Headless event lines go through a non-blocking pipe: a reader that stops reading cannot stall the show."""

from __future__ import annotations

import asyncio
import contextlib
import os

import pytest

from showcall.runner import headless


async def test_an_unread_pipe_drops_lines_past_the_limit_instead_of_blocking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(headless, "PIPE_LIMIT", 4096)
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as out, os.fdopen(read_end, "rb") as reader:
        write, pipe = await headless._stdout(out)
        assert pipe is not None
        line = "x" * 99 + "\n"
        for _ in range(5000):  # 500 kB into a 64 kB pipe nobody reads: a blocking write would hang here
            write(line)
        assert pipe.dropped > 0
        kept = 5000 - pipe.dropped
        await asyncio.sleep(0)
        data = b""
        os.set_blocking(reader.fileno(), False)
        deadline = asyncio.get_running_loop().time() + 5
        while len(data) < kept * 100 and asyncio.get_running_loop().time() < deadline:
            with contextlib.suppress(BlockingIOError):
                data += reader.read(1 << 16) or b""
            await asyncio.sleep(0.01)
        await pipe.drain()
        assert data == line.encode() * kept  # what was kept arrives whole and in order
