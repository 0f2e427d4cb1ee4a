"""Provides `showcall run --headless`: commands on stdin, one per line; events on stdout as JSON lines.

Commands: go, hold, resume, back, skip, standby ID, ack DEPT, panic, reset, quit; with a main/backup link also
takeover [fire|skip], handover, alone (showcall.backup.calls). An unknown or
malformed command is refused with a `refused` event (in the log too), never a crash. The run ends when
the last cue has completed, on quit, at the end of input (unless `--auto` carries the show on by
itself), or on SIGTERM / SIGINT; every way of stopping drains first (`showcall.runner.drain`): `end` is
the last line, after every send the timing core made. Exit 0, or 128 + the signal's number.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import sys
from collections.abc import Callable
from typing import TextIO

from showcall.backup.calls import LINK_CALLS
from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.engine.snapshot import Source
from showcall.errors import ShowcallError
from showcall.runner.calls import perform
from showcall.runner.drain import SIGNAL_EXIT, Drain, install_signals
from showcall.runner.session import ShowSession


class HeadlessConsole:
    """Reads commands, writes events (see module docstring)."""

    def __init__(self, session: ShowSession, write: Callable[[str], None]) -> None:
        self.session = session
        self.engine: Engine = session.engine
        self.write = write
        self.done = asyncio.Event()
        self.quit_requested = False
        self.engine.subscribe(self._print)

    def _print(self, event: ev.Event) -> None:
        if self.done.is_set():
            return  # the run is over: `end` is the last line a script reads
        with contextlib.suppress(BrokenPipeError):  # the reader went away; the show goes on until told otherwise
            self.write(event.to_json() + "\n")
        if isinstance(event, ev.End):
            self.done.set()

    def command(self, line: str) -> None:
        """Carry out one command line."""
        words = line.split()
        if not words:
            return
        verb, args = words[0].lower(), words[1:]
        self.quit_requested = self.quit_requested or (verb == "quit" and not args)
        link = self.session.link
        if link is not None and verb in LINK_CALLS:
            reason = LINK_CALLS[verb](link, args)
        else:
            reason = perform(self.engine, verb, args, Source.OPERATOR)
        if reason is not None:
            self.engine.announce(ev.Refused(self.engine.clock.now_ns(), command=line.strip()[:80], reason=reason))


def _watchable(source: TextIO) -> bool:
    """True for what the event loop can watch: a pipe, a socket or a terminal (not a file or /dev/null)."""
    try:
        mode = os.fstat(source.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or source.isatty()


PIPE_LIMIT = 8 << 20
"""Event lines a reader of stdout may fall behind by before lines are dropped (and counted)."""


class _PipeOut:
    """stdout as a non-blocking asyncio pipe: a reader that stops reading (a paused pager) must not
    stall the engine's loop, so past PIPE_LIMIT unread bytes lines are dropped and counted."""

    def __init__(self, transport: asyncio.WriteTransport) -> None:
        self.transport = transport
        self.dropped = 0

    def write(self, line: str) -> None:
        if self.transport.is_closing():
            raise BrokenPipeError
        if self.transport.get_write_buffer_size() > PIPE_LIMIT:
            self.dropped += 1
            return
        self.transport.write(line.encode("utf-8"))

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Let what is buffered go out (the `end` line above all), for at most `timeout_s`."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while self.transport.get_write_buffer_size() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        self.transport.close()


async def _stdout(out: TextIO) -> tuple[Callable[[str], None], _PipeOut | None]:
    """How to write event lines: through a non-blocking pipe when stdout is one, else plainly."""
    if _watchable(out) and not out.isatty():
        loop = asyncio.get_running_loop()
        transport, _ = await loop.connect_write_pipe(asyncio.Protocol, out)
        pipe = _PipeOut(transport)
        return pipe.write, pipe

    def plain(line: str) -> None:
        out.write(line)
        out.flush()

    return plain, None


async def run_headless(session: ShowSession, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run the show headless until it ends or is quit; returns the exit status."""
    write, pipe = await _stdout(stdout or sys.stdout)
    console = HeadlessConsole(session, write)
    loop = asyncio.get_running_loop()
    source = stdin or sys.stdin
    reader = asyncio.StreamReader()
    transport = None
    if _watchable(source):
        transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), source)
    else:  # a file of commands (or /dev/null): read it now, its lines run as the show starts
        with contextlib.suppress(OSError, ValueError):
            reader.feed_data(source.buffer.read() if hasattr(source, "buffer") else source.read().encode())
        reader.feed_eof()

    drain = Drain(session.engine)
    restore_signals = install_signals(drain)

    async def read_commands() -> None:
        while not reader.at_eof():
            raw = await reader.readline()
            if not raw:
                break
            try:
                console.command(raw.decode("utf-8", errors="replace"))
            except ShowcallError as exc:  # one bad command must not stop the show
                session.engine.announce(ev.ErrorEvent(session.engine.clock.now_ns(), message=f"command failed: {exc}"))
        if session.auto is None:  # nobody is left to call the show: stop it, as quit does
            drain.stop("end of input")

    task = asyncio.create_task(read_commands())
    try:
        session.start()
        await console.done.wait()
    finally:
        task.cancel()
        restore_signals()
        drain.close()
        if transport is not None:
            transport.close()
    if pipe is not None:
        await pipe.drain()
        if pipe.dropped:
            print(f"showcall: {pipe.dropped} event lines dropped: stdout was not read", file=sys.stderr)
    if drain.unconfirmed:
        print(f"showcall: {drain.unconfirmed} sends were not confirmed by the timing core at exit", file=sys.stderr)
    return SIGNAL_EXIT[drain.signalled] if drain.signalled is not None else 0
