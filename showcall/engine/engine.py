"""Provides `Engine`: the show's state machine, a thin hub over the cue records and the timing core.

Calling order (design.md §2): the playhead is the cue GO fires next, on standby. Triggers:

* manual: fires on GO.
* follow D / after D: fires D after the previous cue (in list order) fired / completed. When a cue
  fires, the chain of follow/after cues behind it is computed at once and every send of the chain
  is handed to the timing core as an absolute deadline; the playhead skips over armed cues.
* at: fires at a time of day (see model.times.until). Armed when the show starts or the playhead
  moves; an `at` whose time has already passed is not fired by itself: it waits for GO (it is "missed").
* timecode: fires when chased timecode passes its frame, armed while timecode rolls.

Time-triggered cues fire when their time comes even if the playhead is behind them (a caller
calling follow spots must not hold up the timecoded lighting); cues behind the playhead do not.
Hold cancels every pending send and timer and puts them back shifted by the held time on resume.
Nothing is ever sent from here at fire time: only deadlines go to the timing core.

A tracking backup's engine follows instead (`start(following=True)`): the live engine's events move it
(`follow`, see follow.py), it refuses the caller's commands, and `take_over` makes it live from where they
left the show; `stand_down` turns a live engine into a following one.

Outside the engine, the show is read through `snapshot()` and the events (`subscribe`), and changed
through the commands below; nothing else of the engine is for other modules.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from showcall.compile.plan import Plan
from showcall.devices.feedback import FeedbackDecoder
from showcall.engine import events as ev
from showcall.engine.book import CueBook
from showcall.engine.clock import Clock, ShowClock
from showcall.engine.cues import CueState, Source
from showcall.engine.follow import Following
from showcall.engine.handshake import Handshake
from showcall.engine.hold import Parking
from showcall.engine.rehearsal import CUE_RUNNING, GO_TO, NOT_A_REHEARSAL, RehearsalPoint
from showcall.engine.replay import Replay, fold
from showcall.engine.reports import report_events
from showcall.engine.restore import Restored, restore
from showcall.engine.runofshow import RunOfShow
from showcall.engine.snapshot import (
    ClockSnapshot,
    DeptSnapshot,
    DeviceSnapshot,
    NextAuto,
    ShowSnapshot,
    TimecodeSnapshot,
)
from showcall.engine.timecode import InternalTimecode, TimecodeSource, frame_at
from showcall.engine.timecues import TimeCues
from showcall.errors import ShowcallError
from showcall.model.show import AtTimecode
from showcall.timing import protocol as p
from showcall.timing.api import Scheduler

Listener = Callable[[ev.Event], None]

QUITTING = "the run is ending (quit): waiting for the last sends to be confirmed"

GO_LEAD_NS = 1_000_000
"""A GO's sends are due 1 ms after the key: the deadline reaches the timing core in ~0.3 ms, so the
first message goes out on time and every later one keeps its exact offset from it."""

FOLLOWING = "this console follows the live one (it is the backup): take over first"


@dataclass(frozen=True)
class Refusal:
    """Why a command was not carried out (also emitted as a `refused` event)."""

    command: str
    reason: str


class Engine(Following):
    """The show's state machine (see module docstring). Every command returns at once."""

    def __init__(
        self,
        plan: Plan,
        scheduler: Scheduler,
        clock: Clock,
        *,
        timecode: TimecodeSource | None = None,
        path: str = "",
        digest: str = "",
        go_lead_ns: int = GO_LEAD_NS,
        journal: bool = False,
    ) -> None:
        """`journal`: fold every event into a `Replay` as the show runs, which `take_over` needs (a backup
        link sets it; a run without one saves the work)."""
        self.plan = plan
        self.clock = clock
        # the show's time of day: the real one, or a rehearsal clock the session set up (maybe faster)
        self._show_clock = clock if isinstance(clock, ShowClock) else ShowClock(clock)
        speed = self._show_clock.speed
        self._cues = plan.cues
        self._scheduler = scheduler
        self._path = path
        self._digest = digest
        self._go_lead_ns = go_lead_ns
        self._book = CueBook(plan.cues, scheduler, self._show_clock, self._fired, self._armed)
        self._runs = self._book.runs
        self._playhead = 0
        self._held_since: int | None = None
        self._held_next: NextAuto | None = None  # what the countdown said when the hold began
        self._panicked = False
        self._total_held_ns = 0
        self._last_go_ns: int | None = None
        self._ended = False
        self._quit = False
        self._quitting: str | None = None  # the reason, from quit() until `end`: waiting for the core to settle
        self._following = False
        self._restoring = False
        self._journal: Replay | None = Replay() if journal else None
        self._run_of_show = RunOfShow(plan, speed)
        self._handshake = Handshake(list(plan.show.departments))
        self._dept_next: dict[str, str] = {}
        self._timecode: TimecodeSource = timecode or InternalTimecode(plan.show.info.fps, speed)
        self._uses_timecode = any(isinstance(c.cue.go, AtTimecode) for c in plan.cues)
        self._parking = Parking(self._book)
        self._time_cues = TimeCues(
            plan.cues,
            self._book,
            self._show_clock,
            self._timecode,
            self._run_of_show.anchor_tod_ns,
            fire=self._fire,
            playhead=lambda: self._playhead,
            held=lambda: self._held_since is not None or self._following,  # a following engine arms nothing
        )
        self._listeners: list[Listener] = []
        self._early: list[ev.Event] | None = []  # what the core reported before start(), emitted after `loaded`
        self._devices: dict[str, DeviceSnapshot] = {
            name: DeviceSnapshot(name, "connecting", "", None) for name in plan.devices
        }
        self._by_dept: dict[str, list[int]] = {}  # cue indexes per department, for each standby's lookup
        for i, compiled in enumerate(plan.cues):
            self._by_dept.setdefault(compiled.cue.dept, []).append(i)
        self._feedback = FeedbackDecoder(plan)  # reads each device's feedback through its profile
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
            self._ended = True
        self._emit(event)

    def _stamped(self, event: ev.Event) -> ev.Event:
        """The event with the rehearsal clock's time of day on it, while one is in use (events carry both clocks)."""
        if not self._show_clock.in_use or event.show_tod_ns is not None:
            return event
        return dataclasses.replace(event, show_tod_ns=self._show_clock.time_of_day_at(event.mono_ns))

    def _emit(self, event: ev.Event) -> None:
        event = self._stamped(event)
        if self._early is not None and not isinstance(event, ev.Loaded):
            self._early.append(event)  # before start(): `loaded` must be the first line of every run
            return
        if self._journal is not None:
            self._journal = fold(self._journal, event.to_dict())
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception as exc:  # a view or the log failing must not leave the show half-updated
                self._listener_failed(listener, event, exc)

    def _listener_failed(self, failed: Listener, event: ev.Event, exc: Exception) -> None:
        """Say (to the other listeners) that one could not take an event; the show goes on."""
        what = str(exc) if isinstance(exc, ShowcallError) else f"{type(exc).__name__}: {exc}"
        error = self._stamped(ev.ErrorEvent(self._now(), message=f"a listener failed on '{event.name}': {what}"))
        for listener in list(self._listeners):
            if listener is not failed and not isinstance(event, ev.ErrorEvent):
                with contextlib.suppress(Exception):  # nothing further to tell: the error is the news
                    listener(error)

    def _now(self) -> int:
        return self.clock.now_ns()

    # ---- start --------------------------------------------------------------------------------

    def start(
        self, replay: Replay | None = None, *, from_: RehearsalPoint | None = None, following: bool = False
    ) -> None:
        """Announce the show and its first standby, and arm the time-triggered cues.

        With `replay` (from a crashed run's log), first restore what had happened (see restore.py). With
        `from_` (a rehearsal), start there as `rehearse_from` does, the rehearsal clock set before `loaded`.
        With `following`, arm nothing: the engine follows the live one (`follow`) until `take_over`.
        """
        self._following = following
        info = self.plan.show.info
        show_clock = self._show_clock
        if from_ is not None:
            if not show_clock.rehearsal:
                raise ShowcallError("a rehearsal point needs a rehearsal clock (rehearse, or run --sim)")
            if from_.clock_tod_ns is not None:
                show_clock.set(from_.clock_tod_ns)
        self._emit(
            ev.Loaded(
                self._now(),
                show=info.title,
                path=self._path,
                cues=len(self._cues),
                devices=tuple(self.plan.devices),
                wall_ns=self.clock.wall_ns(),
                resumed=replay is not None,
                digest=self._digest,
                clock="rehearsal" if show_clock.in_use else "real",
                speed=show_clock.speed,
                clock_note=show_clock.note,
            )
        )
        early, self._early = self._early or [], None
        for event in early:
            self._emit(event)
        core_info = getattr(self._scheduler, "info", None)  # the core started (and said so) before the engine
        if isinstance(core_info, p.CoreInfo):
            self._on_report(core_info)
        if replay is not None and not following:
            self._restore(replay)
        if from_ is not None:
            self._take_from(from_)
            return
        self._set_playhead(self._playhead, force=True)
        if not following:
            self._time_cues.arm()
            self._check_end()

    def _restore(self, replay: Replay, *, announce: bool = True) -> None:
        if replay.held and self._held_since is None:
            self._held_since = self._now()  # before anything is put back: a held show owes, it does not send
        self._restoring = True  # a cue completing here is not the end: the chains behind are not armed yet
        try:
            restored = self._restored(replay)
        finally:
            self._restoring = False
        self._playhead = restored.playhead
        if replay.uncertain:
            shown = ", ".join(replay.uncertain[:10]) + (" …" if len(replay.uncertain) > 10 else "")
            self._emit(
                ev.ErrorEvent(
                    self._now(),
                    message=f"resume: {len(replay.uncertain)} messages were in the timing core's hands when the "
                    f"run stopped and it left no word (it stopped too); due before the last logged event, they "
                    f"count as sent and are not sent again: {shown}",
                )
            )
        if replay.held:
            if restored.held_since_ns is not None:  # resume moves what was parked on by the whole hold
                self._held_since = restored.held_since_ns
            if announce:
                self._emit(ev.Hold(self._now(), reason="resumed from a held show"))

    def _restored(self, replay: Replay) -> Restored:
        return restore(
            replay,
            plan=self.plan,
            book=self._book,
            clock=self._show_clock,
            run_of_show=self._run_of_show,
            parking=self._parking,
            fire=self._fire,
            complete=self._complete,
        )

    # ---- following (a tracking backup) ------------------------------------------------------

    def follow(self, event: ev.Event) -> None:
        """Take one of the live engine's events as this engine's own (its times already on this machine's
        clock): the records move as the live engine's did, and the event is emitted here (see follow.py).
        Ignored unless following."""
        if self._following:
            self._apply(event)

    def take_over(self) -> None:
        """Stop following and carry on live from where the followed events left the show: what fired stays
        fired; every message of a fired cue the live engine did not report sent goes to the timing core (an
        overdue one at once, reported late); the follow/after chains behind go on from their fire times; time
        cues are armed; a held show stays held. Needs an engine built with `journal=True`."""
        if not self._following:
            return
        if self._journal is None:
            raise ShowcallError("this engine keeps no journal: it cannot take over (build it with journal=True)")
        self._following = False
        for index in sorted(self._book.active):  # armed only on the screen: restore arms them for real
            if self._runs[index].state is CueState.ARMED:
                self._book.disarm(index)
        self._restore(self._journal, announce=False)
        self._set_playhead(self._playhead, force=True)
        self._time_cues.arm()
        self._check_end()

    def stand_down(self) -> None:
        """Stop being live and follow the engine that takes over: every send not made yet is cancelled
        quietly (devices are not told to stop: this is not panic), no timer fires again, and from now on
        only `follow` moves the show. A send the core made before the cancel reached it is still reported
        and emitted: it went out."""
        if self._following:
            return
        now = self._now()
        for item in self._parking.release():  # a hold's confirmed cancels: no longer in the core's hands
            self._book.forget(item)
        pending = self._book.unsent_items()
        self._book.stop_timers()
        self._time_cues.clear(now)
        self._following = True
        if pending:
            self._scheduler.cancel_items(pending)

    # ---- the read-only face -------------------------------------------------------------------

    @property
    def _held(self) -> bool:
        return self._held_since is not None

    def snapshot(self) -> ShowSnapshot:
        """The whole show now, immutable (see snapshot.py); cheap enough to take on every redraw."""
        now = self._now()
        playhead = self._playhead if self._playhead < len(self._cues) else None
        clocks = self._clocks()
        next_auto = self._held_next if self._held else self._next_auto(now)
        next_go: tuple[int, ...] = ()
        if playhead is not None:
            next_go = (playhead, *range(playhead + 1, self._book.chain_end[playhead]))
        names = self.plan.show.departments
        return ShowSnapshot(
            at_ns=now,
            title=self.plan.show.info.title,
            playhead=playhead,
            next_go=next_go,
            held=self._held,
            held_since_ns=self._held_since,
            following=self._following,
            panicked=self._panicked,
            ended=self._ended,
            quitting=self._quitting is not None and not self._ended,
            running=self._book.running(),
            last_go_ns=self._last_go_ns,
            go_guard_ns=self.plan.show.info.go_guard.ns,
            cues=self._book.snapshot(),
            departments=tuple(
                DeptSnapshot(
                    light.dept,
                    names[light.dept].name or light.dept,
                    light.light,
                    light.cue,
                    self._dept_next.get(light.dept),
                )
                for light in self._handshake.lights()
            ),
            devices=tuple(self._devices.values()),
            clocks=clocks,
            next_auto=next_auto,
            timecode=self._timecode_now(now) if self._uses_timecode else None,
        )

    def _clocks(self) -> ClockSnapshot:
        """The run-of-show clocks now."""
        now = self._now()
        held = self._total_held_ns + (now - self._held_since if self._held_since is not None else 0)
        upcoming = None if self._held else self._book.next_auto(now)
        auto = (self._cues[upcoming[0]].id, upcoming[1]) if upcoming is not None else None
        show_clock = self._show_clock
        return self._run_of_show.snapshot(
            now,
            show_clock.time_of_day_at(now),
            auto,
            held,
            real_tod_ns=show_clock.real_time_of_day_ns(),
            rehearsal_clock=show_clock.in_use,
        )

    def _next_auto(self, now: int) -> NextAuto | None:
        upcoming = self._book.next_auto(now)
        if upcoming is None:
            return None
        index, fire_ns = upcoming
        cue = self._cues[index]
        return NextAuto(cue.id, cue.cue.dept, fire_ns - now, fire_ns, held=False)

    def _timecode_now(self, now: int) -> TimecodeSnapshot:
        source = self._timecode
        position = source.position()
        return TimecodeSnapshot(
            frame=frame_at(position, now, source.rate) if position is not None else None,
            rolling=position is not None and position.rolling,
            fps=source.rate.value,
            external=not isinstance(source, InternalTimecode),
        )

    # ---- commands -----------------------------------------------------------------------------

    def go(self, source: Source = Source.OPERATOR) -> Refusal | None:
        """Fire the cue on standby now; refused while held, past the end, or within go_guard."""
        now = self._now()
        if self._quitting is not None:
            return self._refuse("go", QUITTING)
        if self._following:
            return self._refuse("go", FOLLOWING)
        if self._held:
            return self._refuse("go", "the show is held: resume first")
        if self._playhead >= len(self._cues):
            return self._refuse("go", "end of show: there is no cue on standby")
        guard = self.plan.show.info.go_guard.ns
        if self._last_go_ns is not None and now - self._last_go_ns < guard:
            gap = (now - self._last_go_ns) / 1e9
            return self._refuse("go", f"GO refused: {gap:.2f} s after the last GO, guard is {guard / 1e9:.2f} s")
        self._last_go_ns = now
        self._fire(self._playhead, now + self._go_lead_ns, source)
        return None

    def hold(self, reason: str = "") -> Refusal | None:
        """Hold: every countdown stops and nothing automatic fires until resume."""
        if self._quitting is not None:
            return self._refuse("hold", QUITTING)
        if self._following:
            return self._refuse("hold", FOLLOWING)
        if self._held:
            return self._refuse("hold", "the show is already held")
        now = self._now()
        self._held_since = now
        self._time_cues.hold(now)  # time-of-day and timecode cues are armed again on resume
        upcoming = self._next_auto(now)  # a chain's countdown stands still at what it said (a time cue's does not)
        self._held_next = NextAuto(upcoming.cue, upcoming.dept, upcoming.in_ns, None, True) if upcoming else None
        self._parking.park(now)
        self._emit(ev.Hold(now, reason=reason))
        return None

    def resume(self) -> Refusal | None:
        """End the hold: what was pending goes on, moved later by the time held."""
        if self._quitting is not None:
            return self._refuse("resume", QUITTING)
        if self._following:
            return self._refuse("resume", FOLLOWING)
        if self._held_since is None:
            return self._refuse("resume", "the show is not held")
        now = self._now()
        held = now - self._held_since
        self._held_since = None
        self._held_next = None
        self._panicked = False
        self._total_held_ns += held
        self._emit(ev.Resume(now, held_ns=held))
        for index, fire_ns, source in self._parking.unpark(held):  # chains a resumed-held show had pending
            self._fire(index, fire_ns, source)
        self._time_cues.resume(now)
        return None

    def back(self) -> Refusal | None:
        """Put the playhead on the cue before it (GO then fires that cue again)."""
        if self._quitting is not None:
            return self._refuse("back", QUITTING)
        if self._following:
            return self._refuse("back", FOLLOWING)
        if self._playhead == 0:
            return self._refuse("back", "already at the first cue")
        self._set_playhead(self._playhead - 1)
        self._book.pass_over(self._playhead, False)
        self._time_cues.arm()
        return None

    def skip(self) -> Refusal | None:
        """Move the playhead past the standby cue without firing it."""
        if self._quitting is not None:
            return self._refuse("skip", QUITTING)
        if self._following:
            return self._refuse("skip", FOLLOWING)
        if self._playhead >= len(self._cues):
            return self._refuse("skip", "end of show: there is no cue on standby")
        if self._runs[self._playhead].state is CueState.PENDING:
            self._book.pass_over(self._playhead)  # a time cue skipped stays quiet until the caller comes back
        self._set_playhead(self._book.next_pending(self._playhead))
        self._time_cues.arm()
        self._check_end()
        return None

    def standby(self, cue_id: str) -> Refusal | None:
        """Put the playhead on cue `cue_id` (a jump: nothing fires)."""
        if self._quitting is not None:
            return self._refuse("standby", QUITTING)
        if self._following:
            return self._refuse("standby", FOLLOWING)
        index = self.plan.index_of(cue_id)
        if index is None:
            return self._refuse("standby", f"no cue '{cue_id}' in this show")
        if index > self._playhead:  # a jump ahead skips the cues in between still waiting for their time
            for j in range(self._playhead, index):
                run = self._runs[j]
                timed = run.source is not None and run.source.timed
                if run.state is CueState.PENDING or (run.state is CueState.ARMED and timed):
                    self._book.pass_over(j)
        else:
            for j in range(index, min(self._playhead + 1, len(self._cues))):
                self._book.pass_over(j, False)
        self._book.pass_over(index, False)
        self._set_playhead(index)
        self._time_cues.arm()
        return None

    def ack(self, dept: str) -> Refusal | None:
        """Department `dept` answers "standing by"."""
        if self._quitting is not None:
            return self._refuse("ack", QUITTING)
        if self._following:
            return self._refuse("ack", FOLLOWING)
        dept = dept.upper()
        if dept not in self.plan.show.departments:
            return self._refuse("ack", f"no department '{dept}' in this show")
        cue = self._handshake.ack(dept)
        if cue is None:
            return self._refuse("ack", f"{dept} has nothing on standby")
        self._emit(ev.Ack(self._now(), dept=dept, cue=cue))
        return None

    def panic(self) -> None:
        """Stop everything now: cancel every pending send and timer, send each device's stop messages,
        and hold the show (resume re-arms time cues; what was cancelled stays cancelled)."""
        if self._following:  # muted: nothing of this console's reaches a device; the live console panics
            self._refuse("panic", FOLLOWING)
            return
        now = self._now()
        self._scheduler.panic()
        for item in self._parking.release():  # a hold's confirmed cancels: no longer in the core's hands
            self._book.forget(item)
        stopped = []
        for i in sorted(self._book.active):
            stopped.append(self._cues[i].id)
            if self._book.stop_by_panic(i):
                self._emit(ev.CueFailed(now, cue=self._cues[i].id, reason=self._runs[i].reason))
        self._parking.clear()
        self._time_cues.clear(now)
        self._handshake.clear()
        self._panicked = True
        self._emit(ev.PanicEvent(now, cancelled_cues=tuple(stopped)))
        if not self._held:
            self._held_since = now
            self._held_next = None
            self._emit(ev.Hold(now, reason="panic"))
        self._set_playhead(self._playhead, force=True)

    def reset(self) -> None:
        """Back to the top: cancel everything, every cue pending, playhead on the first cue."""
        if self._quitting is not None:
            self._refuse("reset", QUITTING)
        if self._following:
            self._refuse("reset", FOLLOWING)
            return
        now = self._now()
        self._clear(now)
        self._quit = False
        self._emit(ev.Reset(now))
        self._set_playhead(0, force=True)
        self._time_cues.arm()

    def rehearse_from(self, point: RehearsalPoint) -> Refusal | None:
        """Take the rehearsal from `point` (see rehearsal.py): cancel what is pending, every cue back to pending
        and those before it passed, the rehearsal clock set, its cue on standby, time cues armed from there.
        Refused on a real show's clock, and while a cue is running (going out, or a chain counting from it)."""
        if self._quitting is not None:
            return self._refuse(GO_TO, QUITTING)
        if not self._show_clock.rehearsal:
            return self._refuse(GO_TO, NOT_A_REHEARSAL)
        if self._book.running():
            return self._refuse(GO_TO, CUE_RUNNING)
        if not 0 <= point.index < len(self._cues) or self._cues[point.index].id != point.cue:
            return self._refuse(GO_TO, f"no cue '{point.cue}' in this show")
        self._clear(self._now())
        if point.clock_tod_ns is not None:
            self._show_clock.set(point.clock_tod_ns)
        self._take_from(point)
        return None

    def _take_from(self, point: RehearsalPoint) -> None:
        """Put the show at `point`, on the clock as it is now (for both `start(from_=...)` and `rehearse_from`)."""
        now = self._now()
        for j in range(point.index):
            self._book.pass_over(j)  # passed: not fired, not missed; their time cues stay quiet
        tod = self._show_clock.time_of_day_at(now)
        self._run_of_show.start_on_plan(now, tod)
        self._emit(ev.RehearseFrom(now, cue=point.cue, segment=point.segment, clock_tod_ns=tod))
        self._set_playhead(point.index, force=True)
        self._time_cues.locate_from(point.index, now)
        self._time_cues.arm()
        self._check_end()

    def _clear(self, now: int) -> None:
        """Cancel everything pending (quietly: unlike panic, devices are not told to stop) and forget the run."""
        for item in self._parking.release():  # a hold's confirmed cancels: no longer in the core's hands
            self._book.forget(item)
        pending = self._book.unsent_items()
        if pending:
            self._scheduler.cancel_items(pending)
        self._book.reset()
        self._parking.clear()
        self._time_cues.clear(now)
        self._held_since = None
        self._held_next = None
        self._panicked = False
        self._total_held_ns = 0
        self._last_go_ns = None
        self._ended = False
        self._run_of_show.reset()
        self._handshake.clear()

    def quit(self, reason: str = "quit") -> None:
        """Stop the run, draining first (docs/engine.md, "Quit"): nothing more fires except what is due
        within the GO lead (a GO already taken goes out, and its `go` is emitted now); every later send is
        cancelled; `end` follows once the timing core has settled every send it was handed, so each one
        that went out is in the log before it. Other commands are refused meanwhile (panic still works).
        The runner bounds the wait with `force_end`."""
        if self._quit:
            return
        self._quit = True
        if self._ended:  # the show had completed: nothing is left in flight
            self.close()
            return
        now = self._now()
        self._quitting = reason
        for item in self._parking.release():  # a hold's confirmed cancels: no longer in the core's hands
            self._book.forget(item)
        due_now, cut = self._book.wind_down(now + self._go_lead_ns)
        self._emit(ev.Quit(now, reason=reason, waiting=self._book.unsettled))
        for i in due_now:
            self._fired(i)
        self._time_cues.clear(now)  # after those: a cue firing moves the playhead, which arms time cues
        for i, count in cut:
            total = len(self._cues[i].messages)
            self._book.cut_short(i, f"stopped by {reason}: {count} of {total} messages not sent")
            self._emit(ev.CueFailed(now, cue=self._cues[i].id, reason=self._runs[i].reason))
        self._check_drained()

    def force_end(self) -> int:
        """The wait for the timing core ran out: emit `end` now, with an `error` naming the sends it had not
        confirmed (they may or may not have gone out); returns how many. Nothing when already ended."""
        if self._ended:
            return 0
        if self._quitting is None:
            self.quit()
            if self._ended:
                return 0
        waiting = sorted({**self._book.items, **self._book.cancelling}.values())
        names = [f"{self._cues[index].id} #{number}" for index, number in waiting]
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        self._emit(
            ev.ErrorEvent(
                self._now(),
                message=f"{len(names)} sends not confirmed by the timing core at exit (they may or may not "
                f"have gone out): {shown}",
            )
        )
        self._finish(len(names))
        return len(names)

    def _check_drained(self) -> None:
        """Quitting, and the core has settled everything it was handed: the run ends."""
        if self._quitting is not None and not self._ended and not self._book.unsettled:
            self._finish(0)

    def _finish(self, unconfirmed: int) -> None:
        self._ended = True
        self._emit(ev.End(self._now(), reason=self._quitting or "quit", unconfirmed=unconfirmed))
        self.close()

    def close(self) -> None:
        """Stop listening to the scheduler (once)."""
        unsubscribe, self._unsubscribe = self._unsubscribe, lambda: None
        unsubscribe()

    def _refuse(self, command: str, reason: str) -> Refusal:
        self._emit(ev.Refused(self._now(), command=command, reason=reason))
        return Refusal(command, reason)

    # ---- firing -------------------------------------------------------------------------------

    def _armed(self, arming: list[tuple[int, list[tuple[int, int, int]]]]) -> None:
        """Log the messages about to go to the core before they do (see `ev.Armed`)."""
        cues = []
        for index, items in arming:
            run = self._runs[index]
            source = run.source if run.source is not None else Source.OPERATOR
            fire_ns = run.fire_ns if run.fire_ns is not None else 0
            cues.append(ev.ArmedCue(self._cues[index].id, source.value, fire_ns, tuple(items)))
        self._emit(ev.Armed(self._now(), cues=tuple(cues)))

    def _fire(self, index: int, fire_ns: int, source: Source, *, chain: bool = True) -> None:
        """Hand cue `index`'s sends to the timing core as deadlines from `fire_ns`, and arm the
        follow/after chain behind it the same way; cues due now are marked fired in list order."""
        if self._quitting is not None:
            return  # nothing new is armed once the run is ending (a time cue's timer, a resume's chain)
        due_now = [index] if self._book.arm(index, fire_ns, source) else []  # on its way to the core first
        if chain:
            with self._book.batch():  # the chain behind it in one record and one hand-over
                for j, at, chained_source in self._book.chain(index, fire_ns):
                    if self._book.arm(j, at, chained_source):
                        due_now.append(j)
        for i in due_now:
            self._fired(i)

    def _fired(self, index: int, *, complete_if_done: bool = True) -> None:
        """Cue `index` reached its fire time: it has GOne."""
        if not self._book.fired(index):
            return
        run, compiled = self._runs[index], self._cues[index]
        fire_ns = run.fire_ns if run.fire_ns is not None else self._now()
        if run.source is not Source.TIMECODE:
            self._time_cues.fired_by_hand(index, fire_ns)
        self._run_of_show.cue_fired(compiled.segment, fire_ns, self._show_clock.time_of_day_at(fire_ns))
        self._handshake.went(compiled.cue.dept, compiled.id)
        source = run.source if run.source is not None else Source.OPERATOR
        self._emit(ev.Go(self._now(), cue=compiled.id, source=source.value, fire_ns=fire_ns, dept=compiled.cue.dept))
        if index == self._playhead:
            self._set_playhead(self._book.next_pending(index), after_fire=True)
        if complete_if_done and not run.unsent:
            self._complete(index)

    def _complete(self, index: int) -> None:
        now = self._now()
        compiled = self._cues[index]
        if self._book.completed(index, now):
            run = self._runs[index]
            self._emit(ev.Complete(now, cue=compiled.id, failed=run.failed_sends))
            self._emit(ev.CueFailed(now, cue=compiled.id, reason=run.reason))
        else:
            self._emit(ev.Complete(now, cue=compiled.id))
        self._check_end()

    def _check_end(self) -> None:
        if (
            self._ended
            or self._quitting is not None
            or self._restoring
            or self._playhead < len(self._cues)
            or self._book.active
        ):
            return
        self._ended = True
        self._emit(ev.End(self._now()))

    # ---- playhead -----------------------------------------------------------------------------

    def _set_playhead(self, index: int, *, force: bool = False, after_fire: bool = False) -> None:
        if index == self._playhead and not force:
            return
        self._playhead = index
        if index < len(self._cues) and not self._quit:
            self._ended = False  # back in the list (back, standby): the show is not over
        group: dict[str, str] = {}
        departments: dict[str, str] = {}
        if index < len(self._cues):
            for j in range(index, self._book.chain_end[index]):  # the standby cue and the chain behind it
                group.setdefault(self._cues[j].cue.dept, self._cues[j].id)
            for dept, indexes in self._by_dept.items():
                for j in indexes[bisect.bisect_left(indexes, index) :]:
                    if self._runs[j].state is CueState.PENDING:
                        departments[dept] = self._cues[j].id
                        break
            departments = dict(sorted(departments.items(), key=lambda kv: self.plan.index_of(kv[1]) or 0))
        self._handshake.standby(group)
        self._dept_next = departments
        compiled = self._cues[index] if index < len(self._cues) else None
        self._emit(
            ev.Standby(
                self._now(),
                cue=compiled.id if compiled else None,
                text=compiled.cue.standby_text if compiled else "",
                departments=departments,
            )
        )
        if after_fire:
            self._time_cues.playhead_moved()

    # ---- reports from the timing core ---------------------------------------------------------

    def _on_report(self, report: p.Report) -> None:
        if isinstance(report, p.Sent | p.SendFailed):
            self._item_done(report.item_id, report)
        elif isinstance(report, p.Cancelled):
            for item in report.item_ids:
                if not self._parking.cancelled(item):  # hold cancelled it: resume puts it back
                    self._book.forget(item)
            self._emit(ev.CancelledEvent(self._now(), items=report.item_ids, reason=report.reason))
        else:
            if isinstance(report, p.DeviceStatus):
                self._devices[report.device] = DeviceSnapshot(report.device, report.state, report.detail, self._now())
            for event in report_events(report, self._now(), self._feedback):
                self._emit(event)
        self._check_drained()

    def _item_done(self, item: int, report: p.Sent | p.SendFailed) -> None:
        self._parking.sent(item)  # it went out before hold's cancel reached the core, if a hold was on
        located = self._book.settle(item)
        if located is None:
            return
        index, number, live = located
        run = self._runs[index]
        if live and run.state is CueState.ARMED:  # the core reached the fire time before our timer did
            self._fired(index, complete_if_done=False)
        if isinstance(report, p.Sent):
            late = report.late_us
            if live:
                self._book.sent(index, late)
            self._emit(
                ev.SentEvent(
                    self._now(),
                    cue=report.cue,
                    device=report.device,
                    due_ns=report.due_ns,
                    sent_ns=report.sent_ns,
                    late_us=round(late, 1),
                    item=number,
                    item_id=item,
                )
            )
        else:
            if live:
                self._book.send_failed(index, report.reason)
            self._emit(
                ev.SendFailedEvent(
                    self._now(),
                    cue=report.cue,
                    device=report.device,
                    due_ns=report.due_ns,
                    reason=report.reason,
                    item=number,
                    item_id=item,
                )
            )
        if live and run.state is CueState.FIRED and not run.unsent:
            self._complete(index)
