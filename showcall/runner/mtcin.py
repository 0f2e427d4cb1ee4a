"""Provides MIDI timecode in: timecode cues chase MTC from a playback rig.

showcall listens on a TCP port for a mido socket-port connection (raw MIDI bytes, as
`mido.sockets` and MIDI-over-network bridges send them) and follows the quarter frames and full
frames with `showcall.protocols.mtc.MtcReader`. The engine is told only when timecode starts,
stops or jumps (more than two frames away from where it should be), not on every quarter frame.
Timecode that stops arriving for four frames counts as stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from showcall.engine.clock import Clock
from showcall.engine.timecode import TimecodePosition, frame_at, frame_ns
from showcall.model.times import FrameRate
from showcall.protocols.mtc import MtcReader

JUMP_FRAMES = 2
STOP_AFTER_FRAMES = 4


class MtcTimecode:
    """A TimecodeSource fed with MIDI bytes (see module docstring)."""

    def __init__(self, rate: FrameRate, clock: Clock) -> None:
        self.rate = rate
        self.clock = clock
        self.reader = MtcReader()
        self._position: TimecodePosition | None = None
        self._listeners: list[Callable[[], None]] = []
        self._last_seen_ns: int | None = None
        self.problems: list[str] = []
        self.on_problem: Callable[[str], None] | None = None

    def position(self) -> TimecodePosition | None:
        """Where timecode is."""
        return self._position

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Hear starts, stops and jumps."""
        self._listeners.append(listener)

    def feed(self, data: bytes) -> None:
        """MIDI bytes arrived now."""
        now = self.clock.now_ns()
        self.reader.feed(data)
        timecode, rate = self.reader.timecode, self.reader.rate
        if timecode is None or rate is None:
            return
        if rate is not self.rate:
            problem = f"MIDI timecode arrives at {rate.value} fps but the show is {self.rate.value} fps"
            if problem not in self.problems:
                self.problems.append(problem)
                if self.on_problem is not None:
                    self.on_problem(problem)
            return
        self._last_seen_ns = now
        frame = timecode.frame_number(rate)
        rolling = self.reader.locked
        if rolling:  # a locked reader names the frame that begins with the next quarter frame
            num, den = frame_ns(rate)
            now += num // den // 4
        current = self._position
        if (
            current is not None
            and current.rolling
            and rolling
            and abs(frame_at(current, now, rate) - frame) <= JUMP_FRAMES
        ):
            return  # on course: nothing for the engine to do
        if current is not None and not rolling and not current.rolling and current.frame == frame:
            return
        self._position = TimecodePosition(frame, now, rolling)
        self._changed()

    def check_stopped(self) -> None:
        """Call now and then: timecode that stopped arriving has stopped."""
        current = self._position
        if current is None or not current.rolling or self._last_seen_ns is None:
            return
        num, den = frame_ns(self.rate)
        now = self.clock.now_ns()
        if now - self._last_seen_ns > STOP_AFTER_FRAMES * num // den:
            self._position = TimecodePosition(frame_at(current, self._last_seen_ns, self.rate), now, False)
            self._changed()

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()


class MtcListener:
    """The TCP port MTC arrives on, feeding an MtcTimecode; one sender at a time is enough for a rig."""

    def __init__(self, source: MtcTimecode) -> None:
        self.source = source
        self.server: asyncio.Server | None = None
        self._watch: asyncio.Task[None] | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port."""
        self.server = await asyncio.start_server(self._client, host, port)
        self.port = int(self.server.sockets[0].getsockname()[1])
        self._watch = asyncio.create_task(self._watch_stopped())

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(4096):
                self.source.feed(data)
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _watch_stopped(self) -> None:
        num, den = frame_ns(self.source.rate)
        while True:
            await asyncio.sleep(num / den / 1e9)
            self.source.check_stopped()

    async def aclose(self) -> None:
        """Stop listening."""
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
