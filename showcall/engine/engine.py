"""Provides `Engine`: the show's state machine, a thin hub over the cue records and the timing core.

Calling order (design.md §2): the playhead is the cue GO fires next, on standby. Triggers:

* manual: fires on GO.
* follow D / after D: fires D after the previous cue (in list order) fired / completed. When a cue
  fires, the chain of follow/after cues behind it is computed at once and every send of the chain
  is handed to the timing core as an absolute deadline; the playhead skips over armed cues.
* at: fires at a time of day (see wallclock). Armed when the show starts or the playhead moves; an
  `at` whose time has already passed is not fired by itself: it waits for GO (it is "missed").
* timecode: fires when chased timecode passes its frame, armed while timecode rolls.

Time-triggered cues fire when their time comes even if the playhead is behind them (a caller
calling follow spots must not hold up the timecoded lighting); cues behind the playhead do not.
Hold cancels every pending send and timer and puts them back shifted by the held time on resume.
Nothing is ever sent from here at fire time: only deadlines go to the timing core.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from showcall.compile.plan import CompiledCue, Plan
from showcall.devices.feedback import FeedbackDecoder
from showcall.engine import events as ev
from showcall.engine.book import CueBook
from showcall.engine.clock import Clock
from showcall.engine.cues import CueState, CueView
from showcall.engine.handshake import Handshake
from showcall.engine.hold import Parking
from showcall.engine.replay import Replay
from showcall.engine.reports import report_events
from showcall.engine.showclock import ClockSnapshot, ShowClock
from showcall.engine.timecode import InternalTimecode, TimecodeSource
from showcall.engine.timecues import TimeCues
from showcall.engine.triggers import describe_trigger, is_chained
from showcall.errors import ShowcallError
from showcall.model.times import DAY_NS
from showcall.timing import protocol as p
from showcall.timing.api import Scheduler

Listener = Callable[[ev.Event], None]

GO_LEAD_NS = 1_000_000
"""A GO's sends are due 1 ms after the key: the deadline reaches the timing core in ~0.3 ms, so the
first message goes out on time and every later one keeps its exact offset from it."""


@dataclass(frozen=True)
class Refusal:
    """Why a command was not carried out (also emitted as a `refused` event)."""

    command: str
    reason: str


class Engine:
    """The show's state machine (see module docstring). Every command returns at once."""

    def __init__(
        self,
        plan: Plan,
        scheduler: Scheduler,
        clock: Clock,
        *,
        timecode: TimecodeSource | None = None,
        path: str = "",
        go_lead_ns: int = GO_LEAD_NS,
    ) -> None:
        self.plan = plan
        self.cues: tuple[CompiledCue, ...] = plan.cues
        self.scheduler = scheduler
        self.clock = clock
        self.path = path
        self.go_lead_ns = go_lead_ns
        self.book = CueBook(plan.cues, scheduler, clock, self._fired)
        self.runs = self.book.runs
        self.playhead = 0
        self.held_since: int | None = None
        self.total_held_ns = 0
        self.last_go_ns: int | None = None
        self.ended = False
        self._quit = False
        self.showclock = ShowClock(plan)
        self.handshake = Handshake(list(plan.show.departments))
        self.timecode: TimecodeSource = timecode or InternalTimecode(plan.show.info.fps)
        self.parking = Parking(self.book)
        self.time_cues = TimeCues(
            plan.cues,
            self.book,
            clock,
            self.timecode,
            self.showclock.anchor_tod_ns,
            fire=self._fire,
            playhead=lambda: self.playhead,
            held=lambda: self.held,
        )
        self._listeners: list[Listener] = []
        self.device_state: dict[str, tuple[str, str]] = {}
        self._by_dept: dict[str, list[int]] = {}  # cue indexes per department, for each standby's lookup
        for i, compiled in enumerate(plan.cues):
            self._by_dept.setdefault(compiled.cue.dept, []).append(i)
        self.feedback = FeedbackDecoder(plan)  # reads each device's feedback through its profile
        self._unsubscribe = scheduler.subscribe(self._on_report)

    # ---- events -------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every event from now on; returns a function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def announce(self, event: ev.Event) -> None:
        """Emit an event from outside the engine (a runner refusing a malformed command, a quit),
        so the log and every view see it like the engine's own."""
        if isinstance(event, ev.End):
            self.ended = True
        self._emit(event)

    def _emit(self, event: ev.Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception as exc:  # a view or the log failing must not leave the show half-updated
                self._listener_failed(listener, event, exc)

    def _listener_failed(self, failed: Listener, event: ev.Event, exc: Exception) -> None:
        """Say (to the other listeners) that one could not take an event; the show goes on."""
        what = str(exc) if isinstance(exc, ShowcallError) else f"{type(exc).__name__}: {exc}"
        error = ev.ErrorEvent(self._now(), message=f"a listener failed on '{event.name}': {what}")
        for listener in list(self._listeners):
            if listener is not failed and not isinstance(event, ev.ErrorEvent):
                with contextlib.suppress(Exception):  # nothing further to tell: the error is the news
                    listener(error)

    def _now(self) -> int:
        return self.clock.now_ns()

    # ---- start, views -------------------------------------------------------------------------

    def start(self, replay: Replay | None = None) -> None:
        """Announce the show and its first standby, and arm the time-triggered cues.

        With `replay` (from a crashed run's log), first restore what had happened (see replay.py).
        """
        info = self.plan.show.info
        self._emit(
            ev.Loaded(
                self._now(),
                show=info.title,
                path=self.path,
                cues=len(self.cues),
                devices=tuple(self.plan.devices),
                wall_ns=self.clock.wall_ns(),
                resumed=replay is not None,
            )
        )
        core_info = getattr(self.scheduler, "info", None)  # the core started (and said so) before the engine
        if isinstance(core_info, p.CoreInfo):
            self._on_report(core_info)
        if replay is not None:
            self._restore(replay)
        self._set_playhead(self.playhead, force=True)
        self.time_cues.arm()
        self._check_end()

    def _restore(self, replay: Replay) -> None:
        """Mark what the log says fired; send what those cues had not sent; re-arm their chains.

        Logged times are the crashed run's CLOCK_MONOTONIC, which restarts at boot: each is carried
        over through the wall clock of the run that logged it. A held show comes back held, with
        what it must still send parked until resume.
        """
        now, wall_offset = self._now(), self.clock.wall_ns() - self._now()
        if replay.held:
            self.held_since = now
        fired = {
            index: (record, record.fire_ns + (record.wall_offset_ns - wall_offset if record.wall_offset_ns else 0))
            for cue_id, record in replay.fired.items()
            if (index := self.plan.index_of(cue_id)) is not None
        }
        for index, (record, fire_ns) in sorted(fired.items()):
            run, compiled = self.runs[index], self.cues[index]
            self.book.set_state(index, CueState.FIRED)
            run.source, run.fire_ns = record.source, fire_ns
            self.showclock.cue_fired(compiled.segment, fire_ns, (self.clock_tod() - (now - fire_ns)) % DAY_NS)
            if record.complete:
                self.book.set_state(index, CueState.COMPLETE)
                continue
            unsent = [
                (number, fire_ns + message.offset_ns)
                for number, message in enumerate(compiled.messages)
                if number not in record.sent
            ]
            if not unsent:
                self._complete(index)
            elif self.held:
                self.parking.adopt(index, unsent)
            else:
                self.book.schedule(index, unsent)  # what is overdue goes at once, reported late
        for index, (_, fire_ns) in sorted(fired.items()):
            following = index + 1
            if following < len(self.cues) and following not in fired and is_chained(self.cues[following].cue.go):
                chain = self.book.chain(index, fire_ns)
                if chain and self.runs[chain[0][0]].state is CueState.PENDING:
                    first, at, source = chain[0]
                    if self.held:
                        self.parking.defer(first, at, source)
                    else:
                        self._fire(first, at, source)
        last_fired = max(fired, default=-1)
        index = None
        if replay.playhead_known:
            index = self.plan.index_of(replay.playhead) if replay.playhead is not None else len(self.cues)
        if index is None or index in fired:  # unknown, or it fired after the last standby was logged
            index = self.book.next_pending(max(last_fired, index if index is not None else -1))
        self.playhead = index
        if replay.held:
            self._emit(ev.Hold(now, reason="resumed from a held show"))

    @property
    def held(self) -> bool:
        """True while the show is on hold."""
        return self.held_since is not None

    def cue_view(self, index: int) -> CueView:
        """A snapshot of cue `index` for views."""
        compiled, run = self.cues[index], self.runs[index]
        return CueView(
            index=index,
            id=compiled.id,
            dept=compiled.cue.dept,
            label=compiled.cue.label,
            trigger=describe_trigger(compiled.cue.go),
            state=run.state.value,
            source=run.source,
            fire_ns=run.fire_ns,
            max_late_us=run.max_late_us,
            reason=run.reason,
            standby=index == self.playhead,
        )

    def running(self) -> bool:
        """True while a cue is going out or a follow/after chain is armed (armed time cues do not count)."""
        return self.book.running()

    def next_auto(self) -> tuple[str, int] | None:
        """The next cue that will fire by itself, and when (monotonic ns)."""
        return self.book.next_auto(self._now())

    def clocks(self) -> ClockSnapshot:
        """The run-of-show clocks now."""
        now = self._now()
        held = self.total_held_ns + (now - self.held_since if self.held_since is not None else 0)
        return self.showclock.snapshot(now, self.clock_tod(), self.next_auto(), held)

    def clock_tod(self) -> int:
        """Local time of day now (ns after midnight)."""
        return self.clock.time_of_day_ns()

    # ---- commands -----------------------------------------------------------------------------

    def go(self, source: str = "operator") -> Refusal | None:
        """Fire the cue on standby now; refused while held, past the end, or within go_guard."""
        now = self._now()
        if self.held:
            return self._refuse("go", "the show is held: resume first")
        if self.playhead >= len(self.cues):
            return self._refuse("go", "end of show: there is no cue on standby")
        guard = self.plan.show.info.go_guard.ns
        if self.last_go_ns is not None and now - self.last_go_ns < guard:
            gap = (now - self.last_go_ns) / 1e9
            return self._refuse("go", f"GO refused: {gap:.2f} s after the last GO, guard is {guard / 1e9:.2f} s")
        self.last_go_ns = now
        self._fire(self.playhead, now + self.go_lead_ns, source)
        return None

    def hold(self, reason: str = "") -> Refusal | None:
        """Hold: every countdown stops and nothing automatic fires until resume."""
        if self.held:
            return self._refuse("hold", "the show is already held")
        now = self._now()
        self.held_since = now
        self.time_cues.hold(now)  # time-of-day and timecode cues are armed again on resume
        self.parking.park(now)
        self._emit(ev.Hold(now, reason=reason))
        return None

    def resume(self) -> Refusal | None:
        """End the hold: what was pending goes on, moved later by the time held."""
        if self.held_since is None:
            return self._refuse("resume", "the show is not held")
        now = self._now()
        held = now - self.held_since
        self.held_since = None
        self.total_held_ns += held
        self._emit(ev.Resume(now, held_ns=held))
        for index, fire_ns, source in self.parking.unpark(held):  # chains a resumed-held show had pending
            self._fire(index, fire_ns, source)
        self.time_cues.resume(now)
        return None

    def back(self) -> Refusal | None:
        """Put the playhead on the cue before it (GO then fires that cue again)."""
        if self.playhead == 0:
            return self._refuse("back", "already at the first cue")
        self._set_playhead(self.playhead - 1)
        self.runs[self.playhead].skipped = False
        self.time_cues.arm()
        return None

    def skip(self) -> Refusal | None:
        """Move the playhead past the standby cue without firing it."""
        if self.playhead >= len(self.cues):
            return self._refuse("skip", "end of show: there is no cue on standby")
        if self.runs[self.playhead].state is CueState.PENDING:
            self.runs[self.playhead].skipped = True  # a time cue skipped stays quiet until the caller comes back
        self._set_playhead(self.book.next_pending(self.playhead))
        self.time_cues.arm()
        self._check_end()
        return None

    def standby(self, cue_id: str) -> Refusal | None:
        """Put the playhead on cue `cue_id` (a jump: nothing fires)."""
        index = self.plan.index_of(cue_id)
        if index is None:
            return self._refuse("standby", f"no cue '{cue_id}' in this show")
        if index > self.playhead:  # a jump ahead skips the cues in between still waiting for their time
            for j in range(self.playhead, index):
                run = self.runs[j]
                if run.state is CueState.PENDING or (run.state is CueState.ARMED and run.source in {"at", "timecode"}):
                    run.skipped = True
        else:
            for j in range(index, min(self.playhead + 1, len(self.cues))):
                self.runs[j].skipped = False
        self.runs[index].skipped = False
        self._set_playhead(index)
        self.time_cues.arm()
        return None

    def ack(self, dept: str) -> Refusal | None:
        """Department `dept` answers "standing by"."""
        dept = dept.upper()
        if dept not in self.plan.show.departments:
            return self._refuse("ack", f"no department '{dept}' in this show")
        cue = self.handshake.ack(dept)
        if cue is None:
            return self._refuse("ack", f"{dept} has nothing on standby")
        self._emit(ev.Ack(self._now(), dept=dept, cue=cue))
        return None

    def panic(self) -> None:
        """Stop everything now: cancel every pending send and timer, send each device's stop messages,
        and hold the show (resume re-arms time cues; what was cancelled stays cancelled)."""
        now = self._now()
        self.scheduler.panic()
        stopped = []
        for i in sorted(self.book.active):
            run = self.runs[i]
            run.cancel_timer()
            stopped.append(self.cues[i].id)
            if run.state is CueState.FIRED:
                self.book.set_state(i, CueState.FAILED)
                run.reason = "stopped by panic"
                self._emit(ev.CueFailed(now, cue=self.cues[i].id, reason=run.reason))
            else:
                self.book.set_state(i, CueState.PENDING)
                run.fire_ns = None
            for item in run.unsent:
                self.book.items.pop(item, None)
            run.unsent.clear()
        self.parking.clear()
        self.time_cues.clear(now)
        self.handshake.clear()
        self._emit(ev.PanicEvent(now, cancelled_cues=tuple(stopped)))
        if not self.held:
            self.held_since = now
            self._emit(ev.Hold(now, reason="panic"))
        self._set_playhead(self.playhead, force=True)

    def reset(self) -> None:
        """Back to the top: cancel everything, every cue pending, playhead on the first cue."""
        now = self._now()
        pending = [item for i in self.book.active for item in self.runs[i].unsent]
        if pending:  # cancelled quietly: reset is not panic, devices are not told to stop
            self.scheduler.cancel_items(pending)
        self.book.reset()
        self.parking.clear()
        self.time_cues.clear(now)
        self.held_since = None
        self.total_held_ns = 0
        self.last_go_ns = None
        self.ended = False
        self._quit = False
        self.showclock.reset()
        self.handshake.clear()
        self._emit(ev.Reset(now))
        self._set_playhead(0, force=True)
        self.time_cues.arm()

    def quit(self, reason: str = "quit") -> None:
        """End the run now: cancel what is pending (nothing more fires), emit `end`, go quiet."""
        if self.ended:
            return
        pending = [item for i in self.book.active for item in self.runs[i].unsent]
        for run in self.runs:
            run.cancel_timer()
        if pending:
            self.scheduler.cancel_items(pending)
        self._emit(ev.End(self._now(), reason=reason))
        self.ended = self._quit = True
        self.close()

    def close(self) -> None:
        """Stop listening to the scheduler (once)."""
        unsubscribe, self._unsubscribe = self._unsubscribe, lambda: None
        unsubscribe()

    def _refuse(self, command: str, reason: str) -> Refusal:
        self._emit(ev.Refused(self._now(), command=command, reason=reason))
        return Refusal(command, reason)

    # ---- firing -------------------------------------------------------------------------------

    def _fire(self, index: int, fire_ns: int, source: str, *, chain: bool = True) -> None:
        """Hand cue `index`'s sends to the timing core as deadlines from `fire_ns`, and arm the
        follow/after chain behind it the same way; cues due now are marked fired in list order."""
        due_now = [index] if self.book.arm(index, fire_ns, source) else []
        if chain:
            for j, at, chained_source in self.book.chain(index, fire_ns):
                if self.book.arm(j, at, chained_source):
                    due_now.append(j)
        for i in due_now:
            self._fired(i)

    def _fired(self, index: int, *, complete_if_done: bool = True) -> None:
        """Cue `index` reached its fire time: it has GOne."""
        run, compiled = self.runs[index], self.cues[index]
        if run.state is not CueState.ARMED:
            return
        run.cancel_timer()
        self.book.set_state(index, CueState.FIRED)
        run.skipped = False
        if run.source != "timecode":
            self.time_cues.fired_by_hand(index, run.fire_ns if run.fire_ns is not None else self._now())
        fire_ns = run.fire_ns if run.fire_ns is not None else self._now()
        self.showclock.cue_fired(compiled.segment, fire_ns, self.clock_tod())
        self.handshake.went(compiled.cue.dept, compiled.id)
        self._emit(ev.Go(self._now(), cue=compiled.id, source=run.source, fire_ns=fire_ns, dept=compiled.cue.dept))
        if index == self.playhead:
            self._set_playhead(self.book.next_pending(index), after_fire=True)
        if complete_if_done and not run.unsent:
            self._complete(index)

    def _complete(self, index: int) -> None:
        run, compiled = self.runs[index], self.cues[index]
        now = self._now()
        run.complete_ns = now
        if run.failed_sends:
            self.book.set_state(index, CueState.FAILED)
            run.reason = f"{run.failed_sends} of {len(compiled.messages)} messages failed" + (
                f": {run.reason}" if run.reason else ""
            )
            self._emit(ev.Complete(now, cue=compiled.id, failed=run.failed_sends))
            self._emit(ev.CueFailed(now, cue=compiled.id, reason=run.reason))
        else:
            self.book.set_state(index, CueState.COMPLETE)
            self._emit(ev.Complete(now, cue=compiled.id))
        self._check_end()

    def _check_end(self) -> None:
        if self.ended or self.playhead < len(self.cues) or self.book.active:
            return
        self.ended = True
        self._emit(ev.End(self._now()))

    # ---- playhead -----------------------------------------------------------------------------

    def _set_playhead(self, index: int, *, force: bool = False, after_fire: bool = False) -> None:
        if index == self.playhead and not force:
            return
        self.playhead = index
        if index < len(self.cues) and not self._quit:
            self.ended = False  # back in the list (back, standby): the show is not over
        group: dict[str, str] = {}
        departments: dict[str, str] = {}
        if index < len(self.cues):
            group[self.cues[index].cue.dept] = self.cues[index].id
            for j in range(index + 1, len(self.cues)):  # the chain that will follow this GO
                if not is_chained(self.cues[j].cue.go):
                    break
                group.setdefault(self.cues[j].cue.dept, self.cues[j].id)
            for dept, indexes in self._by_dept.items():
                for j in indexes[bisect.bisect_left(indexes, index) :]:
                    if self.runs[j].state is CueState.PENDING:
                        departments[dept] = self.cues[j].id
                        break
            departments = dict(sorted(departments.items(), key=lambda kv: self.plan.index_of(kv[1]) or 0))
        self.handshake.standby(group)
        compiled = self.cues[index] if index < len(self.cues) else None
        self._emit(
            ev.Standby(
                self._now(),
                cue=compiled.id if compiled else None,
                text=compiled.cue.standby_text if compiled else "",
                departments=departments,
            )
        )
        if after_fire:
            self.time_cues.playhead_moved()

    # ---- reports from the timing core ---------------------------------------------------------

    def _on_report(self, report: p.Report) -> None:
        if isinstance(report, p.Sent | p.SendFailed):
            self._item_done(report.item_id, report)
        elif isinstance(report, p.Cancelled):
            for item in report.item_ids:
                if self.parking.cancelled(item):
                    continue  # hold cancelled it; resume puts it back
                located = self.book.items.pop(item, None)
                if located is not None:
                    self.runs[located[0]].unsent.pop(item, None)
        else:
            if isinstance(report, p.DeviceStatus):
                self.device_state[report.device] = (report.state, report.detail)
            for event in report_events(report, self._now(), self.feedback):
                self._emit(event)

    def _item_done(self, item: int, report: p.Sent | p.SendFailed) -> None:
        self.parking.sent(item)  # it went out before hold's cancel reached the core, if a hold was on
        located = self.book.items.pop(item, None)
        if located is None:
            return
        index, number = located
        run = self.runs[index]
        run.unsent.pop(item, None)
        if run.state is CueState.ARMED:  # the core reached the fire time before our timer did
            self._fired(index, complete_if_done=False)
        if isinstance(report, p.Sent):
            late = report.late_us
            run.max_late_us = late if run.max_late_us is None else max(run.max_late_us, late)
            self._emit(
                ev.SentEvent(
                    self._now(),
                    cue=report.cue,
                    device=report.device,
                    due_ns=report.due_ns,
                    sent_ns=report.sent_ns,
                    late_us=round(late, 1),
                    item=number,
                )
            )
        else:
            run.failed_sends += 1
            run.reason = report.reason
            self._emit(
                ev.SendFailedEvent(
                    self._now(),
                    cue=report.cue,
                    device=report.device,
                    due_ns=report.due_ns,
                    reason=report.reason,
                    item=number,
                )
            )
        if run.state is CueState.FIRED and not run.unsent:
            self._complete(index)
