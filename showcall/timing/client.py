"""Provides `TimingCoreClient`: the engine's side of the timing core, on the engine's asyncio loop.

It starts the core with the multiprocessing "spawn" context (the console runs Textual: never fork it), writes
commands to a private socketpair without blocking, and reads reports with `loop.add_reader` (no threads).

It also keeps a warm spare: a second core process, started and idle. When the active core dies (its process
sentinel or end of file, seen at once) or stops answering (nothing read for `hang_timeout_ns`), the client
reads everything the dead core managed to write, emits a loud `CoreLost`, hands every item not yet reported
to the spare and emits `CoreRestarted`, then starts a new spare. Items whose deadline passed meanwhile are sent
at once and reported late — a late cue shows in the log, a silently dropped one would not. Items asked to be
cancelled while it was down are reported `Cancelled`. The window in which a cue could go out twice is the
few microseconds between a dead core's `send()` and its report reaching the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import time
from collections.abc import Callable, Iterable, Sequence

from showcall.errors import TimingCoreError
from showcall.timing import protocol as p
from showcall.timing.api import SendItem, TimingStatistics
from showcall.timing.core import CoreConfig
from showcall.timing.ledger import Handover, Ledger, Tally
from showcall.timing.modes import Mode, mode_named
from showcall.timing.placement import Placement
from showcall.timing.priority import DEFAULT_RT_PRIORITY
from showcall.timing.process import CoreProcess, describe_exit
from showcall.transports.base import Endpoint

__all__ = ["TimingCoreClient"]

SPARE_RETRY_S = 1.0
ENGINE_HEARTBEAT_EVERY = 4
"""The engine's heartbeat goes every 4th check (100 ms): the core only reports it; its own exit is on EOF."""


class TimingCoreClient:
    """The real `Scheduler`: a timing core process driven from the engine's asyncio loop.

    Use `async with TimingCoreClient(endpoints=...) as core:` or `await start()` / `await aclose()`.
    `mode` is `precise`, `eco`, `sleep` or a `Mode`; `realtime=False` never asks for SCHED_FIFO (what an
    ordinary unprivileged machine gets, whoever runs it). `last_words_path` is the event log a core appends
    its recent sends to if this process dies without closing it (showcall.timing.lastwords).
    `pin=True` puts a core that did not get real-time priority on a CPU of its own and this process's
    threads on the others until `aclose()` (placement.py); a real-time core is left anywhere.
    """

    def __init__(
        self,
        *,
        endpoints: Sequence[Endpoint] = (),
        mode: str | Mode = "precise",
        realtime: bool = True,
        rt_priority: int = DEFAULT_RT_PRIORITY,
        heartbeat_ns: int = 25_000_000,
        hang_timeout_ns: int = 100_000_000,
        start_timeout_s: float = 15.0,
        warm_spare: bool = True,
        max_restarts: int = 5,
        restart_window_ns: int = 60_000_000_000,
        window: int = 4096,
        last_words_path: str = "",
        pin: bool = False,
    ) -> None:
        self.mode = mode_named(mode) if isinstance(mode, str) else mode
        self._pin = pin
        self._config = CoreConfig(
            self.mode,
            realtime,
            rt_priority,
            heartbeat_ns=heartbeat_ns,
            parent_pid=os.getpid(),
            last_words_path=last_words_path,
        )
        self._endpoints = tuple(endpoints)
        self._send_limit: int | None = None
        self._mirror = p.SetMirror(None)
        self._hang_timeout_ns = hang_timeout_ns
        self._start_timeout_ns = int(start_timeout_s * 1e9)
        self._warm_spare = warm_spare
        self._max_restarts = max_restarts
        self._restart_window_ns = restart_window_ns
        self._ledger = Ledger()
        self._rbuf = memoryview(bytearray(256 * 1024))
        self._tally = Tally(window)
        self._listeners: list[Callable[[p.Report], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._active: CoreProcess | None = None
        self._spare: CoreProcess | None = None
        self._tick_handle: asyncio.TimerHandle | None = None
        self._spare_handle: asyncio.TimerHandle | None = None
        self._started: asyncio.Future[p.CoreInfo] | None = None
        self._awaiting_restart: Handover | None = None
        self._restart_times: list[int] = []
        self._closed = False
        self._panic_token = 0
        self._restarts = 0
        self._ticks = 0
        self._placement: Placement | None = None

    # ---- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> p.CoreInfo:
        """Start the core (and its spare) and wait until it has said what priority it got."""
        if self._loop is not None:
            raise TimingCoreError("the timing core client was already started")
        self._loop = asyncio.get_running_loop()
        self._started = self._loop.create_future()
        if self._pin:  # the core on a CPU of its own, this process (the console) on the others
            self._placement = Placement.acquire()
            self._config = dataclasses.replace(self._config, cpu=self._placement.core_cpu)
        self._active = self._spawn()
        if self._endpoints:
            self._write(self._active, p.SetEndpoints(self._endpoints))
        if self._warm_spare:
            self._spare = self._spawn()
        self._tick_handle = self._loop.call_later(self._config.heartbeat_ns / 1e9, self._tick)
        try:
            info = await asyncio.wait_for(asyncio.shield(self._started), self._start_timeout_ns / 1e9 + 1)
        except TimeoutError:
            await self.aclose()
            raise TimingCoreError("the timing core did not start") from None
        self._place(info)
        return info

    def _place(self, info: p.CoreInfo) -> None:
        """Keep this process off the core's CPU, unless the core got real-time priority: SCHED_FIFO takes a
        CPU from anything that is not real-time, so the console may keep every CPU (and the core, pinning
        itself only without priority, runs anywhere)."""
        if self._placement is None:
            return
        if info.realtime:
            self._placement.release()
            self._placement = None
        else:
            self._placement.keep_off()

    async def aclose(self) -> None:
        """Stop the cores, reading their last reports; items never sent are reported `Cancelled`, `closed`."""
        if self._closed:
            return
        self._closed = True
        if self._placement is not None:
            self._placement.release()  # from here a core's exit is expected: no CoreLost, no restart
        for handle in (self._tick_handle, self._spare_handle):
            if handle is not None:
                handle.cancel()
        procs = [c for c in (self._active, self._spare) if c is not None]
        for core in procs:
            self._write(core, p.Shutdown())
        for _ in range(100):  # the reader callbacks keep settling reports meanwhile
            if not any(c.process.is_alive() for c in procs):
                break
            await asyncio.sleep(0.01)
        for core in procs:
            self._kill(core)
            if not core.dead:
                self._read(core)  # what it wrote before exiting
                self._detach(core)
            core.sock.close()
        self._active = self._spare = None
        left = self._ledger.take_all()
        if left:
            self._emit([p.Cancelled(tuple(i.item_id for i in left), "closed")])

    async def __aenter__(self) -> TimingCoreClient:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def placement(self) -> Placement | None:
        """Where the core and this process run, when started with `pin=True`."""
        return self._placement

    @property
    def info(self) -> p.CoreInfo | None:
        """What the active core reported when it started (None before)."""
        return self._active.info if self._active else None

    @property
    def pid(self) -> int | None:
        """The active core's process id."""
        return self._active.pid if self._active else None

    # ---- the Scheduler interface ---------------------------------------------------------------

    def set_endpoints(self, endpoints: Sequence[Endpoint]) -> None:
        """Open one output per device in the core (and in any core that replaces it)."""
        self._endpoints = tuple(endpoints)
        self._command(p.SetEndpoints(self._endpoints))

    def set_send_limit(self, until_ns: int | None) -> None:
        """Fence the core: nothing leaves once the clock is past `until_ns` (None lifts it); what it holds
        back is reported `Cancelled` (`fenced`). A core that replaces this one gets the same fence."""
        self._send_limit = until_ns
        self._command(p.SendLimit(until_ns))

    def set_mirror(self, address: tuple[str, int] | None, key: bytes = b"") -> None:
        """Tell `address` (UDP) of every send as the core makes it, signed with `key` (timing/mirror.py);
        None stops. A core that replaces this one tells it too."""
        self._mirror = p.SetMirror(address, key)
        self._command(self._mirror)

    def schedule(self, items: Sequence[SendItem]) -> None:
        """Send each item at its deadline; raises DuplicateItemError if an id is already pending."""
        if not items:
            return
        self._require_active()
        self._ledger.add(items)
        self._tally.scheduled += len(items)
        self._command(p.Schedule(tuple(items)))

    def cancel_items(self, item_ids: Iterable[int]) -> None:
        """Cancel these items if not yet sent (a `Cancelled` report confirms which)."""
        ids = tuple(item_ids)
        self._require_active()
        self._ledger.ask_cancel(ids)
        self._command(p.CancelItems(ids))

    def cancel_cue(self, cue: str) -> None:
        """Cancel every pending item of `cue`."""
        self._require_active()
        self._ledger.ask_cancel_cue(cue)
        self._command(p.CancelCue(cue))

    def panic(self) -> None:
        """Cancel everything pending at once and send every device's panic packets (`PanicDone` confirms)."""
        self._require_active()
        self._panic_token += 1
        self._ledger.ask_cancel_all()
        self._command(p.Panic(self._panic_token, time.monotonic_ns()))

    def subscribe(self, listener: Callable[[p.Report], None]) -> Callable[[], None]:
        """Call `listener` with every report; returns the function that unsubscribes it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def statistics(self) -> TimingStatistics:
        """Counters, lateness over the last `window` sends, and what the core was granted."""
        info = self.info
        return self._tally.snapshot(
            pending=len(self._ledger),
            mode=self.mode.name,
            priority=info.priority if info else "",
            realtime=info.realtime if info else False,
            core_pid=self.pid,
            restarts=self._restarts,
        )

    # ---- plumbing ------------------------------------------------------------------------------

    def _spawn(self) -> CoreProcess:
        core = CoreProcess(self._config)
        loop = self._require_loop()
        loop.add_reader(core.sock.fileno(), self._on_readable, core)
        loop.add_reader(core.process.sentinel, self._on_exit, core)
        return core

    def _require_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or self._closed:
            raise TimingCoreError("the timing core client is not running (await start() first)")
        return self._loop

    def _command(self, message: p.Command) -> None:
        self._write(self._require_active(), message)

    def _require_active(self) -> CoreProcess:
        self._require_loop()
        if self._active is None:
            raise TimingCoreError("the timing core failed repeatedly and was not restarted")
        return self._active

    def _write(self, core: CoreProcess, message: p.Message) -> None:
        core.wbuf += p.encode(message)
        self._flush(core)

    def _flush(self, core: CoreProcess) -> None:
        if core.dead:
            return
        try:
            n = core.sock.send(core.wbuf)
            del core.wbuf[:n]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            return  # the core is gone; its sentinel or end of file says so at once
        want = bool(core.wbuf)
        if want != core.writer_on and self._loop is not None:
            if want:
                self._loop.add_writer(core.sock.fileno(), self._flush, core)
            else:
                self._loop.remove_writer(core.sock.fileno())
            core.writer_on = want

    def _detach(self, core: CoreProcess) -> None:
        if self._loop is None or core.dead:
            return
        core.dead = True
        for remove, fd in (
            (self._loop.remove_reader, core.sock.fileno()),
            (self._loop.remove_writer, core.sock.fileno()),
            (self._loop.remove_reader, core.process.sentinel),
        ):
            with contextlib.suppress(ValueError, OSError):
                remove(fd)

    def _read(self, core: CoreProcess) -> bool:
        """Read and act on everything available; False at end of file."""
        alive = True
        buf = self._rbuf
        while True:
            try:
                n = core.sock.recv_into(buf)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                n = 0
            if not n:
                alive = False
                break
            core.reader.feed(buf[:n])
            core.last_heard_ns = time.monotonic_ns()
        reports: list[p.Report] = []
        for frame in core.reader.pop_frames():
            message = frame.decode()
            if isinstance(message, p.ReportBatch):
                for report in message.reports:
                    if isinstance(report, p.CoreHeartbeat):
                        continue
                    if isinstance(report, p.CoreInfo):
                        core.info = report
                        if core is not self._active:
                            continue  # a spare's start is not news
                    reports.append(report)
        if reports and core is self._active:
            self._settle(reports)
        return alive

    def _settle(self, reports: list[p.Report]) -> None:
        for report in reports:
            self._ledger.settle(report)
            self._tally.count(report)
            if isinstance(report, p.CoreInfo):
                if self._started is not None and not self._started.done():
                    self._started.set_result(report)
                if self._awaiting_restart is not None:
                    self._announce_restart(report.pid)
        self._emit(reports)

    def _emit(self, reports: Sequence[p.Report]) -> None:
        for report in reports:
            for listener in list(self._listeners):
                try:
                    listener(report)
                except Exception as exc:  # a listener's bug must not stop the others or the bookkeeping
                    if self._loop is not None:
                        self._loop.call_exception_handler(
                            {"message": "timing report listener failed", "exception": exc}
                        )

    # ---- death, hangs, restarts ----------------------------------------------------------------

    def _on_readable(self, core: CoreProcess) -> None:
        if core.dead:
            return
        if not self._read(core):
            self._gone(core, "the core closed its connection")

    def _on_exit(self, core: CoreProcess) -> None:
        if not core.dead:
            self._gone(core, None)

    def _tick(self) -> None:
        loop = self._require_loop()
        self._tick_handle = loop.call_later(self._config.heartbeat_ns / 1e9, self._tick)
        core = self._active
        if core is None or core.dead:
            return
        self._ticks += 1
        if self._ticks % ENGINE_HEARTBEAT_EVERY == 0:
            self._write(core, p.EngineHeartbeat(time.monotonic_ns()))
        # Read first: after the engine's own loop was busy for a while the core's heartbeats are waiting.
        if not self._read(core):
            self._gone(core, "the core closed its connection")
            return
        now = time.monotonic_ns()
        if core.info is not None and now - core.last_heard_ns > self._hang_timeout_ns:
            silent = (now - core.last_heard_ns) // 1_000_000
            self._gone(core, f"the core stopped answering (nothing for {silent} ms)")
        elif core.info is None and now - core.spawned_ns > self._start_timeout_ns:
            self._gone(core, "the core did not start")

    def _gone(self, core: CoreProcess, reason: str | None) -> None:
        """`core` died or hung (`reason`; None: its process exited, the exit status says how)."""
        if self._closed:  # an exit asked for by aclose: its reports were read up to end of file
            self._detach(core)
            return
        if core is self._spare:
            self._detach(core)
            self._kill(core)
            core.sock.close()
            self._spare = None
            self._respawn_spare_later()
            return
        if core is not self._active:
            return
        detected = time.monotonic_ns()
        self._detach(core)
        self._kill(core)  # a hung core must not send anything more once it has been replaced
        self._read(core)  # whatever it wrote before it died is still in the socket: settle it first
        core.sock.close()
        if reason is None:
            reason = f"the core process exited ({describe_exit(core.process.exitcode)})"
        now = time.monotonic_ns()
        self._restart_times = [t for t in self._restart_times if now - t < self._restart_window_ns]
        restarting = len(self._restart_times) < self._max_restarts
        lost = p.CoreLost(
            core.pid, core.process.exitcode, reason, detected, core.last_heard_ns, len(self._ledger), restarting
        )
        self._active = None
        self._emit([lost])
        if not restarting:
            left = self._ledger.take_all()
            self._emit(
                [
                    p.SendFailed(i.item_id, i.cue, i.device, i.deadline_ns, now, "timing core failed repeatedly")
                    for i in left
                ]
            )
            return
        self._restart_times.append(now)
        self._restarts += 1
        self._promote()

    def _promote(self) -> None:
        new = self._spare if self._spare is not None and not self._spare.dead else self._spawn()
        self._spare = None
        self._active = new
        handover = self._ledger.handover()
        self._write(new, p.SetEndpoints(self._endpoints))
        if self._send_limit is not None:  # before the handover: a fenced main's overdue items must stay unsent
            self._write(new, p.SendLimit(self._send_limit))
        if self._mirror.address is not None:
            self._write(new, self._mirror)
        if handover.reschedule:
            self._write(new, p.Schedule(handover.reschedule))
        if handover.cancelled:
            self._settle([p.Cancelled(handover.cancelled, "cancel")])
        self._awaiting_restart = handover
        if new.info is not None:
            self._announce_restart(new.pid)
        self._respawn_spare_later(0.0)

    def _announce_restart(self, pid: int) -> None:
        handover, self._awaiting_restart = self._awaiting_restart, None
        assert handover is not None
        now = time.monotonic_ns()  # overdue as of now, when the new core takes over (a cold start is slow)
        self._emit([p.CoreRestarted(pid, len(handover.reschedule), handover.overdue(now), now)])

    def _respawn_spare_later(self, delay: float = SPARE_RETRY_S) -> None:
        if not self._warm_spare or self._closed or self._loop is None:
            return

        def respawn() -> None:
            self._spare_handle = None
            if self._spare is None and not self._closed:
                self._spare = self._spawn()

        if self._spare_handle is None:
            self._spare_handle = self._loop.call_later(delay, respawn)

    @staticmethod
    def _kill(core: CoreProcess) -> None:
        if core.process.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(core.pid, signal.SIGKILL)
        core.process.join(1.0)
