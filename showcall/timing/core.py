"""Provides the timing core process: one thread that sleeps, spins, sends at deadlines and reports.

The loop (`Core.run`): if the next deadline is within the mode's guard, spin on `time.monotonic_ns()` until
it comes and send everything due, back to back; otherwise wait (a timerfd at the absolute wake time plus the
control socket and the outputs' descriptors) until `deadline - guard`, a command, feedback or housekeeping.

While spinning the only other system call is a zero-timeout poll of the control socket every 20 µs (none in
the last 100 µs), so a panic or cancel still lands at once. A many-message cue is planned when the spin starts
(`sendplan`: consecutive items of one device prepared to go in one `send_many` call; the core wakes earlier
for it). 60 µs before the deadline the batch is taken from the queue (planned again only if the queue
changed meanwhile) and the send loop run dry over it, so the code and data of the send are warm when the
clock reads the deadline (a big cue is taken 0.2 µs an item earlier: taking it costs that).

Frames are looked at by kind before they are unpickled: a `Panic` jumps ahead of everything (schedules
still unread are cancelled with it); cheap frames (cancels, heartbeats) are handled at once; a `Schedule`
or `SetEndpoints` arriving within a millisecond of a deadline waits until after the send (50 ms at most).
Reports are buffered and written without ever blocking, so an engine busy rendering can never hold a send
back. The core exits when the engine's end of the socket closes, and sends nothing once it has: a batch
is taken only after one last look at the socket (a killed console's backup takes over from what it heard).
If that happened without a `Shutdown` (the console died), it first appends the sends the console may not
have logged to the event log (`lastwords`).

A `SendLimit` fences the core: once the clock reads past it, nothing more leaves (a batch taken is checked
just before its first send; the panic's stop packets too) and what was held back is reported `Cancelled`
(`fenced`). A main with a tracking backup keeps renewing it, so a main frozen or cut off stops on its own.
With `SetMirror`, every batch sent is also told at once to that backup (timing/mirror.py).
"""

from __future__ import annotations

import dataclasses
import gc
import os
import select
import selectors
import signal
import socket
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from showcall.timing import protocol as p
from showcall.timing.api import SendItem
from showcall.timing.lastwords import LastWords
from showcall.timing.mirror import SendMirror
from showcall.timing.modes import Mode
from showcall.timing.outputs import Outputs
from showcall.timing.placement import pin_self
from showcall.timing.priority import DEFAULT_RT_PRIORITY, DEFAULT_SLICE_NS, PriorityGrant, acquire
from showcall.timing.queue import DuplicateItemError, Queued, SendQueue
from showcall.timing.sendplan import Run, plan, prepare_lead_ns
from showcall.timing.waiter import Waiter
from showcall.transports.base import DeviceDownError, Endpoint, Output
from showcall.transports.factory import make_output

__all__ = ["Core", "CoreConfig", "run_core"]

SPIN_POLL_EVERY_NS = 20_000
SPIN_POLL_CUTOFF_NS = 100_000
"""No control polling in the last 100 µs before a deadline: nothing read then could be acted on in time."""
REHEARSE_AT_NS = 60_000
TAKE_NS_PER_ITEM = 200
"""A batch is taken this much earlier per item: taking a 512-item cue from the queue took 50–82 µs in the core
under UI load on that VM, more than the rehearsal's 60 µs, and the first datagram left that much late."""
BURST_POLL_EVERY = 32
"""Within a burst, look for a panic every 32 sends (one `sendmmsg` call of 32 datagrams, ~40–120 µs): the rest
of the burst is cancelled by it. Also the largest `send_many` call, so that every item's stamp is within one
such call of the truth: on that VM, quiet, 16 calls of 32 took ~40 µs more than one call of 512 (~640 µs)."""
EXPENSIVE_MARGIN_NS = 1_000_000
EXPENSIVE_MAX_WAIT_NS = 50_000_000
"""A schedule held back for sends never waits longer than this (a long run of close deadlines)."""
SERVICE_MAX_WAIT_NS = 100_000_000
GC_EVERY_NS = 10_000_000_000
GC_QUIET_NS = 50_000_000
RECV_CHUNK = 256 * 1024
"""Read into one buffer kept for the core's life: `recv(n)` would allocate (and for big n, mmap) n bytes per read."""


@dataclass(frozen=True, slots=True)
class CoreConfig:
    """How a core process runs: its mode, whether to ask for real-time priority, heartbeat, parent pid, and
    the event log its last words go to if the console vanishes (`lastwords`; empty: none)."""

    mode: Mode
    realtime: bool = True
    rt_priority: int = DEFAULT_RT_PRIORITY
    slice_ns: int = DEFAULT_SLICE_NS
    heartbeat_ns: int = 25_000_000
    parent_pid: int = 0
    last_words_path: str = ""
    cpu: int | None = None  # the CPU to pin the core to (placement.py), None to leave it anywhere


def run_core(sock: socket.socket, config: CoreConfig) -> None:
    """The core process's entry point (started with the multiprocessing "spawn" context)."""
    # Ctrl-C (or a SIGTERM to the process group) reaches the core too; it stops when the engine does, once
    # the engine has drained (showcall.runner.drain), or at once when the engine dies.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    grant = acquire(config.realtime, config.rt_priority, config.slice_ns)
    if config.cpu is not None and not grant.realtime:  # SCHED_FIFO wins a CPU wherever it runs: no need
        refused = pin_self(config.cpu)
        note = refused or f"pinned to CPU {config.cpu}, the rest of showcall kept off it"
        grant = dataclasses.replace(grant, notes=(*grant.notes, note))
    core = Core(sock, config, grant)
    try:
        core.run()
    finally:
        core.close()
        if core.orphaned and core.active:
            try:
                core.last_words.write(time.monotonic_ns(), os.getpid(), core.orphaned)
            except OSError as exc:  # the log went away with the console: nothing more can be said
                print(f"showcall timing core: cannot append its last words to the log: {exc}", file=sys.stderr)


class Core:
    """The core's state and loop; the clock and the output factory are injectable for exact tests."""

    def __init__(
        self,
        sock: socket.socket,
        config: CoreConfig,
        grant: PriorityGrant | None = None,
        *,
        clock: Callable[[], int] = time.monotonic_ns,
        output_factory: Callable[[Endpoint], Output] = make_output,
        waiter: Waiter | None = None,
    ) -> None:
        self.config = config
        # Without SCHED_FIFO a long spin is the first thing preempted at the next tick: spin less.
        self.guard_ns = config.mode.guard_for(grant.realtime if grant is not None else True)
        self.grant = grant
        self.queue = SendQueue()
        self.stopping = False
        self.orphaned = ""  # why the engine is gone without a Shutdown (its end closed, it died): last words then
        self.active = False  # handed endpoints or items: the engine's active core, not an idle spare
        self.last_words = LastWords(config.last_words_path)
        self.send_until: int | None = None  # the fence (SendLimit): nothing leaves once the clock is past it
        self.mirror: SendMirror | None = None
        self._clock = clock
        self._sock = sock
        sock.setblocking(False)
        self._fd = sock.fileno()
        self._reader = p.FrameReader()
        self._rbuf = memoryview(bytearray(RECV_CHUNK))
        self._stash: deque[tuple[int, p.Frame]] = deque()
        self._reports: list[p.Report | p.CoreHeartbeat] = []
        self._wbuf = bytearray()
        self._poll = select.poll()
        self._poll.register(self._fd, select.POLLIN)
        self._waiter = waiter if waiter is not None else Waiter()
        self._waiter.selector.register(sock, selectors.EVENT_READ, "control")
        self._watching_write = False
        self.outputs = Outputs(self._waiter.selector, output_factory, self._reports.append)
        self._inflight: list[Queued] = []
        self._inflight_pos = 0
        self._planned: tuple[int, list[Queued], list[Run]] | None = None
        """(queue version, entries, runs): the last plan made, good while the queue is at that version."""
        now = clock()
        self._next_heartbeat = now
        self._engine_seen = now
        self._last_service = now
        self._last_gc = now

    # ---- the loop ------------------------------------------------------------------------------

    def run(self) -> None:
        """Announce, then loop until the engine goes away or says `Shutdown`."""
        gc.disable()  # collections run in quiet moments instead (housekeeping), never in a burst
        gc.freeze()
        grant = self.grant
        self._reports.append(
            p.CoreInfo(
                pid=os.getpid(),
                mode=self.config.mode.name,
                guard_ns=self.guard_ns,
                priority=grant.describe() if grant else "not requested",
                realtime=grant.realtime if grant else False,
                timer_slack_ns=grant.timer_slack_ns if grant else None,
                notes=grant.notes if grant else (),
                started_ns=self._clock(),
            )
        )
        self.flush()
        while not self.stopping:
            self.step()

    def step(self) -> None:
        """One turn: spin and send if a deadline is within the guard, else wait and do housekeeping."""
        now = self._clock()
        due = self.queue.next_deadline()
        if due is not None and due - now <= self.guard_ns + self._prepare_ns(due):
            batch = self.spin_until(due)
            if batch is not None:
                self.send_batch(batch)
                # Reports leave at once: should this process die now, the engine has the word for each send
                # it made and hands a new core only what did not go (a send whose report had not left would
                # be sent twice). The window is the send itself plus building its report: ~10-20 µs.
                self.flush()
            # Commands held back for this send (and the heartbeat) go now, before the next deadline is near.
            self.process_frames()
            self.housekeeping(self._clock())
            self.flush()
            return
        wake = self._next_heartbeat
        if due is not None:
            wake = min(wake, due - self.guard_ns - self._prepare_ns(due))
        service_at = self.outputs.next_service_ns()
        if service_at is not None:
            wake = min(wake, service_at)
        for key, mask in self._waiter.wait(wake):
            if key.data == "control":
                if mask & selectors.EVENT_READ:
                    self.read_control()
                if mask & selectors.EVENT_WRITE:
                    self.flush()
            else:
                self.outputs.ready(str(key.data), mask, self._clock())
        self.process_frames()
        self.housekeeping(self._clock())
        self.flush()

    def spin_until(self, due: int) -> list[Queued] | None:
        """Spin until `due`, then return the items to send; None if a command changed the plan meanwhile.

        A many-item batch is planned first (its `send_many` calls prepared: 0.2–0.7 ms for 512 items on
        the VM this was written on, caches cold), which is why the core wakes `sendplan.prepare_lead_ns`
        earlier for it. `REHEARSE_AT_NS` (plus `TAKE_NS_PER_ITEM` per item) before the deadline the batch
        is taken from the queue, planned again only if the queue changed since, and the send loop is run
        dry over its first chunk (everything but the sends). Measured there: right after a spin, the first
        run of code and data the spin did not touch cost 10–20 µs (cache and TLB misses); run dry just
        before, the first send leaves ~2 µs after the deadline. Nothing can change the batch once taken
        (commands are not read after that, nor in the last `SPIN_POLL_CUTOFF_NS`: a cancel arriving then
        finds its item sent), and no byte is sent before the clock reads the deadline.
        """
        clock = self._clock
        next_poll = 0
        self._plan_ahead(due)
        take_at = REHEARSE_AT_NS + TAKE_NS_PER_ITEM * self.queue.count_at(due)
        while True:
            now = clock()
            if due - now <= take_at:
                batch, runs = self._take(due)
                if self._engine_gone():  # no one would ever hear of these sends: a backup may be taking over
                    self.read_control()  # what it wrote last and its end of file (the last words follow)
                    self.stopping = True
                    return None
                if now < due:
                    self._transmit(batch, [r for r in runs if r.start < BURST_POLL_EVERY], dry=True)
                    while clock() < due:
                        pass
                return batch
            if due - now > SPIN_POLL_CUTOFF_NS and now >= next_poll:
                next_poll = now + SPIN_POLL_EVERY_NS
                if self._poll.poll(0):
                    self.read_control()
                    self.process_frames()
                    if self.stopping or self.queue.next_deadline() != due:
                        return None
                    self._plan_ahead(due)  # a command changed the queue: plan again while there is time
                    take_at = REHEARSE_AT_NS + TAKE_NS_PER_ITEM * self.queue.count_at(due)

    def _engine_gone(self) -> bool:
        """True when the engine's end of the socket is closed (one poll, ~1 µs, taken ahead of the deadline)."""
        return any(events & select.POLLHUP for _, events in self._poll.poll(0))

    def _prepare_ns(self, due: int) -> int:
        """Extra lead to plan the batch due then (none for a few items; see `sendplan.prepare_lead_ns`)."""
        return prepare_lead_ns(self.queue.count_at(due))

    def _plan_ahead(self, due: int) -> None:
        """Plan the many-item batch due at `due` without taking it, unless the plan in hand still holds."""
        planned = self._planned
        if self._prepare_ns(due) and (planned is None or planned[0] != self.queue.version):
            self._plan(self.queue.live_at(due))

    def _take(self, due: int) -> tuple[list[Queued], list[Run]]:
        """Take the batch due at `due` from the queue with its plan: the one made ahead if nothing changed."""
        planned, version = self._planned, self.queue.version
        batch = self.queue.pop_due(due)
        if planned is not None and planned[0] == version:
            runs = planned[2]  # made from live_at(due) at this very version: the same items, in order
            self._planned = (self.queue.version, batch, runs)
            return batch, runs
        return batch, self._plan(batch)

    def _plan(self, batch: list[Queued]) -> list[Run]:
        """Plan `batch` and keep the plan (for `_take`, and for `send_batch`, which checks the list)."""
        runs = plan(batch, self.outputs.by_device, self.outputs.batching, BURST_POLL_EVERY)
        self._planned = (self.queue.version, batch, runs)
        return runs

    def send_due(self) -> int:
        """Send every item due now, in (deadline, arrival) order; returns how many were attempted."""
        return self.send_batch(self.queue.pop_due(self._clock()))

    def send_batch(self, batch: list[Queued]) -> int:
        """Send these items (taken from the queue, due by now) back to back, then queue their reports."""
        if not batch:
            return 0
        if self.send_until is not None and self._clock() > self.send_until:
            self._planned = None
            self._reports.append(p.Cancelled(tuple(entry.item.item_id for entry in batch), "fenced"))
            return 0
        planned = self._planned
        runs = planned[2] if planned is not None and planned[1] is batch else self._plan(batch)
        self._planned = None  # a plan is used once
        self._inflight, self._inflight_pos = batch, 0
        stamps, failures = self._transmit(batch, runs, dry=False)
        self._inflight, self._inflight_pos = [], 0
        mirror = self.mirror
        if mirror is not None:  # first, before anything else: a backup must hear of these the moment they left
            told = [
                (batch[i].item.cue, batch[i].item.device, batch[i].item.deadline_ns, sent_ns)
                for i, sent_ns in enumerate(stamps)
                if i not in failures
            ]
            if told:
                mirror.tell(told)
        reports = self._reports
        note = self.last_words.note
        for i, sent_ns in enumerate(stamps):
            item = batch[i].item
            reason = failures.get(i)
            note(item.item_id, sent_ns, reason is None)
            if reason is None:
                reports.append(p.Sent(item.item_id, item.cue, item.device, item.deadline_ns, sent_ns))
            else:
                reports.append(p.SendFailed(item.item_id, item.cue, item.device, item.deadline_ns, sent_ns, reason))
                self.outputs.note_status(item.device)
        return len(stamps)

    def _transmit(self, batch: list[Queued], runs: list[Run], dry: bool) -> tuple[list[int], dict[int, str]]:
        """The send loop over a plan: one stamp per item; `dry` skips the sends and the panic check.

        A run with `send_many` goes out in one call, and each of its items is stamped with the clock read
        just after the call returned: `sendmmsg` tells no per-datagram time, and a stamp after the call is
        never earlier than the truth (later by at most one call of `BURST_POLL_EVERY` items). Any other item
        is stamped just before its own `send()`. Kept lean: every µs of Python per item shows in how long a
        512-message cue takes to leave.
        """
        clock = self._clock
        poll = self._poll.poll
        stamps: list[int] = []
        failures: dict[int, str] = {}
        stamp = stamps.append
        for run in runs:
            start, stop = run.start, run.stop
            if start and not dry and not start % BURST_POLL_EVERY and poll(0):
                self._inflight_pos = start
                self.read_control()
                if self._panic_waiting():
                    self._panic_jump()  # cancels the rest of this burst with everything else
                    break
            send_many = run.send_many
            if send_many is not None:
                if not dry:
                    try:
                        send_many(run.wires)
                    except DeviceDownError as exc:
                        for i in range(start + exc.sent, stop):
                            failures[i] = exc.reason
                stamps += [clock()] * (stop - start)
                continue
            out = run.out
            for i in range(start, stop):
                stamp(clock())
                if out is None:
                    failures[i] = "no such device"
                elif not dry:
                    try:
                        out.send(batch[i].wire)
                    except DeviceDownError as exc:
                        failures[i] = exc.reason
        return stamps, failures

    # ---- commands ------------------------------------------------------------------------------

    def read_control(self) -> None:
        """Read whatever the engine wrote; on end of file, stop."""
        buf = self._rbuf
        while True:
            try:
                n = self._sock.recv_into(buf)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                n = 0
            if not n:
                self.stopping = True  # the engine is gone: the core must not outlive the console
                self.orphaned = self.orphaned or "the console closed its end of the socket without a shutdown"
                break
            self._reader.feed(buf[:n])
        now = self._clock()
        self._engine_seen = now
        self._stash.extend((now, f) for f in self._reader.pop_frames())

    def _panic_waiting(self) -> bool:
        return any(f.kind == p.KIND_PANIC for _, f in self._stash)

    def process_frames(self) -> None:
        """Act on stashed frames in order; a panic first; expensive frames wait while a deadline is near."""
        stash = self._stash
        if self._panic_waiting():
            self._panic_jump()
        while stash:
            arrived, frame = stash[0]
            if frame.kind not in p.CHEAP_KINDS:
                now = self._clock()
                due = self.queue.next_deadline()
                near = due is not None and due - now <= self.guard_ns + EXPENSIVE_MARGIN_NS
                if near and now - arrived < EXPENSIVE_MAX_WAIT_NS:
                    return
            stash.popleft()
            self._handle(frame.decode())

    def _panic_jump(self) -> None:
        """Everything up to the last panic: schedules are cancelled unseen, other commands still apply.

        It acts first and accounts after: the queue is swapped for an empty one, so nothing pending can be
        sent from here on, before any frame is unpickled or any id listed (listing 200 cold entries took
        ~100 µs on this VM). The acknowledgement's time is that moment.
        """
        old, self.queue = self.queue, SendQueue()
        rest = self._inflight[self._inflight_pos :]
        self._inflight_pos = len(self._inflight)
        cancelled_ns = self._clock()
        stash = self._stash
        last = max(i for i, (_, f) in enumerate(stash) if f.kind == p.KIND_PANIC)
        before = [stash.popleft()[1] for _ in range(last + 1)]
        cancelled: list[int] = [e.item.item_id for e in rest]
        panics: list[p.Panic] = []
        for frame in before:
            message = frame.decode()
            if isinstance(message, p.Panic):
                panics.append(message)
            elif isinstance(message, p.Schedule):
                cancelled.extend(item.item_id for item in message.items)
            elif not isinstance(message, p.CancelItems | p.CancelCue):
                self._handle(message)
        cancelled += old.cancel_all()
        if cancelled:
            self._reports.append(p.Cancelled(tuple(cancelled), "panic"))
        fenced = self.send_until is not None and self._clock() > self.send_until
        sent, failed = self.outputs.send_stop_packets() if not fenced else (0, 0)
        for i, panic in enumerate(panics):
            count = len(cancelled) if i == 0 else 0
            self._reports.append(p.PanicDone(panic.token, count, panic.requested_ns, cancelled_ns, sent, failed))
        self.flush()

    def _handle(self, message: p.Message) -> None:
        if isinstance(message, p.Schedule | p.SetEndpoints):
            self.active = True
        if isinstance(message, p.Schedule):
            self._schedule(message.items)
        elif isinstance(message, p.CancelItems):
            ids = self.queue.cancel_items(message.item_ids)
            if ids:
                self._reports.append(p.Cancelled(tuple(ids), "cancel"))
        elif isinstance(message, p.CancelCue):
            ids = self.queue.cancel_cue(message.cue)
            if ids:
                self._reports.append(p.Cancelled(tuple(ids), "cue"))
        elif isinstance(message, p.SetEndpoints):
            self._planned = None  # a plan holds the outputs' send_many and the wires as they were framed
            self.outputs.set_endpoints(message.endpoints, self._clock(), self.queue)
        elif isinstance(message, p.SendLimit):
            self.send_until = message.until_ns
        elif isinstance(message, p.SetMirror):
            if self.mirror is not None:
                self.mirror.close()
            address = message.address
            self.mirror = SendMirror(address[0], address[1], message.key) if address is not None else None
        elif isinstance(message, p.Shutdown):
            self.stopping = True
        # A Panic never gets here (process_frames hands every panic to _panic_jump first), and an
        # EngineHeartbeat needs nothing more: read_control noted the time.

    def _schedule(self, items: tuple[SendItem, ...]) -> None:
        for item in items:
            out = self.outputs.by_device.get(item.device)
            try:
                wire = out.frame(item.payload) if out is not None else item.payload
                self.queue.add(item, wire)
            except (DuplicateItemError, ValueError) as exc:
                reason = str(exc)
                self._reports.append(
                    p.SendFailed(item.item_id, item.cue, item.device, item.deadline_ns, self._clock(), reason)
                )

    # ---- outputs and housekeeping --------------------------------------------------------------

    def housekeeping(self, now: int) -> None:
        """Heartbeat always; outputs' service, gc and the parent check only away from deadlines."""
        if now >= self._next_heartbeat:
            self._reports.append(p.CoreHeartbeat(now, len(self.queue), now - self._engine_seen))
            self._next_heartbeat = now + self.config.heartbeat_ns
        due = self.queue.next_deadline()
        quiet = due is None or due - now > self.guard_ns + EXPENSIVE_MARGIN_NS
        if quiet or now - self._last_service > SERVICE_MAX_WAIT_NS:
            self.outputs.service(now)
            self._last_service = now
            if self.config.parent_pid and os.getppid() != self.config.parent_pid:
                self.stopping = True
                self.orphaned = self.orphaned or "the console process is gone"
        if (due is None or due - now > GC_QUIET_NS) and now - self._last_gc > GC_EVERY_NS:
            self.queue.tidy()
            gc.collect()
            self._last_gc = self._clock()

    # ---- reports -------------------------------------------------------------------------------

    def flush(self) -> None:
        """Frame pending reports and write what the socket takes now; never blocks."""
        if self._reports:
            batch = p.ReportBatch(tuple(self._reports))
            self._reports.clear()  # cleared in place: Outputs holds this list's append
            self._wbuf += p.encode(batch)
        if self._wbuf:
            try:
                n = self._sock.send(self._wbuf)
                del self._wbuf[:n]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self.stopping = True
                self.orphaned = self.orphaned or "the console's end of the socket failed"
                self._wbuf.clear()
        want = bool(self._wbuf)
        if want != self._watching_write:
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if want else 0)
            self._waiter.selector.modify(self._sock, events, "control")
            self._watching_write = want

    def unsent_bytes(self) -> int:
        """Report bytes waiting for the engine to read (they wait in memory; the core never blocks on them)."""
        return len(self._wbuf)

    def close(self) -> None:
        """Close the outputs and the waiter (the socket belongs to the caller)."""
        self.outputs.close()
        self._waiter.close()
        if self.mirror is not None:
            self.mirror.close()
