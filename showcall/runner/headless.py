"""Provides `showcall run --headless`: commands on stdin, one per line; events on stdout as JSON lines.

Commands: go, hold, resume, back, skip, standby ID, ack DEPT, panic, reset, quit. An unknown or
malformed command is refused with a `refused` event (in the log too), never a crash. The run ends
with exit 0 when the last cue has completed, or on quit (or end of input once the show is done).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import sys
from typing import TextIO

from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.runner.calls import perform
from showcall.runner.session import ShowSession


class HeadlessConsole:
    """Reads commands, writes events (see module docstring)."""

    def __init__(self, session: ShowSession, out: TextIO) -> None:
        self.session = session
        self.engine: Engine = session.engine
        self.out = out
        self.done = asyncio.Event()
        self.quit_requested = False
        self.engine.subscribe(self._print)

    def _print(self, event: ev.Event) -> None:
        if self.done.is_set():
            return  # the run is over: `end` is the last line a script reads
        try:
            self.out.write(event.to_json() + "\n")
            self.out.flush()
        except BrokenPipeError:  # the reader went away; the show itself goes on until told otherwise
            pass
        if isinstance(event, ev.End):
            self.done.set()

    def command(self, line: str) -> None:
        """Carry out one command line."""
        words = line.split()
        if not words:
            return
        verb, args = words[0].lower(), words[1:]
        self.quit_requested = self.quit_requested or (verb == "quit" and not args)
        reason = perform(self.engine, verb, args, "operator")
        if reason is not None:
            self.engine.announce(ev.Refused(self.engine.clock.now_ns(), command=line.strip()[:80], reason=reason))


def _watchable(source: TextIO) -> bool:
    """True for what the event loop can watch: a pipe, a socket or a terminal (not a file or /dev/null)."""
    try:
        mode = os.fstat(source.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or source.isatty()


async def run_headless(session: ShowSession, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run the show headless until it ends or is quit; returns the exit status."""
    console = HeadlessConsole(session, stdout or sys.stdout)
    loop = asyncio.get_running_loop()
    source = stdin or sys.stdin
    eof = asyncio.Event()
    reader = asyncio.StreamReader()
    transport = None
    if _watchable(source):
        transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), source)
    else:  # a file of commands (or /dev/null): read it now, its lines run as the show starts
        with contextlib.suppress(OSError, ValueError):
            reader.feed_data(source.buffer.read() if hasattr(source, "buffer") else source.read().encode())
        reader.feed_eof()

    async def read_commands() -> None:
        while not reader.at_eof():
            raw = await reader.readline()
            if not raw:
                break
            try:
                console.command(raw.decode("utf-8", errors="replace"))
            except Exception as exc:  # one bad command must not stop the show
                session.engine.announce(ev.ErrorEvent(session.engine.clock.now_ns(), message=f"command failed: {exc}"))
        eof.set()

    task = asyncio.create_task(read_commands())
    session.start()
    await console.done.wait()
    if task is not None:
        task.cancel()
    if transport is not None:
        transport.close()
    return 0
