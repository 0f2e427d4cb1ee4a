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
import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from showcall.compile.plan import CompiledCue, Plan
from showcall.devices.feedback import FeedbackDecoder
from showcall.engine import events as ev
from showcall.engine.clock import Clock
from showcall.engine.cues import CueRun, CueState, CueView
from showcall.engine.handshake import Handshake
from showcall.engine.replay import Replay
from showcall.engine.showclock import ClockSnapshot, ShowClock
from showcall.engine.timecode import InternalTimecode, TimecodeSource, frame_at, frame_deadline
from showcall.engine.triggers import describe_trigger, is_chained
from showcall.engine.wallclock import until
from showcall.model.show import After, At, AtTimecode, Follow
from showcall.timing import protocol as p
from showcall.timing.api import Scheduler, SendItem

Listener = Callable[[ev.Event], None]

GO_LEAD_NS = 1_000_000
"""A GO's sends are due 1 ms after the key: the deadline reaches the timing core in ~0.3 ms, so the
first message goes out on time and every later one keeps its exact offset from it."""


@dataclass
class _Parked:
    """A send hold cancelled: which message of which cue, when it was due, and (after resume) by how
    much it moves; `cancelled` once the core confirmed the cancel."""

    index: int
    number: int
    due_ns: int
    cancelled: bool = False
    shift: int | None = None


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
        self.runs = [CueRun(i) for i in range(len(plan.cues))]
        self.playhead = 0
        self.held_since: int | None = None
        self.total_held_ns = 0
        self.last_go_ns: int | None = None
        self.ended = False
        self.showclock = ShowClock(plan)
        self.handshake = Handshake(list(plan.show.departments))
        self.timecode: TimecodeSource = timecode or InternalTimecode(plan.show.info.fps)
        self._items: dict[int, tuple[int, int]] = {}  # item id -> (cue index, message index)
        self._item_ids = itertools.count(1)
        self._parked: dict[int, _Parked] = {}  # items hold cancelled, by their old id
        self._held_fires: list[tuple[int, int]] = []  # (cue index, fire_ns) of armed cues hold stopped
        self._tc_rolled_before_hold = False
        self._listeners: list[Listener] = []
        self._tc_armed: set[int] = set()
        self.device_state: dict[str, tuple[str, str]] = {}
        # indexes computed once, so nothing on the GO path scans a 10,000-cue show
        self._at_cues = [i for i, c in enumerate(plan.cues) if isinstance(c.cue.go, At)]
        self._tc_cues = [i for i, c in enumerate(plan.cues) if isinstance(c.cue.go, AtTimecode)]
        self._by_dept: dict[str, list[int]] = {}
        for i, compiled in enumerate(plan.cues):
            self._by_dept.setdefault(compiled.cue.dept, []).append(i)
        self._active: set[int] = set()  # cues armed or fired (running)
        self.feedback = FeedbackDecoder(plan)  # reads each device's feedback through its profile
        self._unsubscribe = scheduler.subscribe(self._on_report)
        self.timecode.subscribe(self._timecode_changed)

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
            listener(event)

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
        self._arm_time_cues()
        self._check_end()

    def _restore(self, replay: Replay) -> None:
        """Mark what the log says fired; send what those cues had not sent; re-arm their chains."""
        fired = {
            index: record
            for cue_id, record in replay.fired.items()
            if (index := self.plan.index_of(cue_id)) is not None
        }
        for index, record in sorted(fired.items()):
            run, compiled = self.runs[index], self.cues[index]
            self._set_state(index, CueState.FIRED)
            run.source, run.fire_ns = record.source, record.fire_ns
            run.fired_count = 1
            self.showclock.cue_fired(compiled.segment, record.fire_ns, self.clock_tod())
            if record.complete:
                self._set_state(index, CueState.COMPLETE)
                continue
            items = []
            for number, message in enumerate(compiled.messages):
                if number in record.sent:
                    continue
                item_id = next(self._item_ids)
                due = record.fire_ns + message.offset_ns
                items.append(SendItem(item_id, compiled.id, due, message.device, message.payload))
                run.unsent[item_id] = due
                self._items[item_id] = (index, number)
            if items:
                self.scheduler.schedule(items)
            else:
                self._complete(index)
        for index, record in sorted(fired.items()):
            following = index + 1
            if following < len(self.cues) and following not in fired and is_chained(self.cues[following].cue.go):
                chain = self._chain(index, record.fire_ns)
                if chain and self.runs[chain[0][0]].state is CueState.PENDING:
                    first, at, source = chain[0]
                    self._fire(first, at, source)
        last_fired = max(fired, default=-1)
        index = None
        if replay.playhead_known:
            index = self.plan.index_of(replay.playhead) if replay.playhead is not None else len(self.cues)
        if index is None or index in fired:  # unknown, or it fired after the last standby was logged
            index = self._next_pending(max(last_fired, index if index is not None else -1))
        self.playhead = index
        if replay.held:
            self.held_since = self._now()
            self._emit(ev.Hold(self._now(), reason="resumed from a held show"))

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
        return any(
            self.runs[i].state is CueState.FIRED or self.runs[i].source not in {"at", "timecode"} for i in self._active
        )

    def next_auto(self) -> tuple[str, int] | None:
        """The next cue that will fire by itself, and when (monotonic ns)."""
        now = self._now()
        armed = [
            (run.fire_ns, self.cues[i].id)
            for i in self._active
            if (run := self.runs[i]).state is CueState.ARMED and run.fire_ns is not None and run.fire_ns >= now
        ]
        if not armed:
            return None
        fire_ns, cue = min(armed)
        return cue, fire_ns

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
        for i in [*self._at_cues, *self._tc_cues]:  # time-of-day and timecode cues are re-armed on resume
            if self.runs[i].state is CueState.ARMED:
                self._disarm(i, with_chain=True)
        self._tc_armed.clear()
        self._park(now)
        self._tc_rolled_before_hold = isinstance(self.timecode, InternalTimecode) and self.timecode.rolling
        if isinstance(self.timecode, InternalTimecode):
            self.timecode.stop(now)
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
        self._unpark(held)
        if isinstance(self.timecode, InternalTimecode) and self._tc_rolled_before_hold:
            self.timecode.roll(now)  # arms the timecode cues again through _timecode_changed
        self._arm_time_cues()
        return None

    def back(self) -> Refusal | None:
        """Put the playhead on the cue before it (GO then fires that cue again)."""
        if self.playhead == 0:
            return self._refuse("back", "already at the first cue")
        self._set_playhead(self.playhead - 1)
        self._arm_time_cues()
        return None

    def skip(self) -> Refusal | None:
        """Move the playhead past the standby cue without firing it."""
        if self.playhead >= len(self.cues):
            return self._refuse("skip", "end of show: there is no cue on standby")
        self._set_playhead(self._next_pending(self.playhead))
        self._arm_time_cues()
        self._check_end()
        return None

    def standby(self, cue_id: str) -> Refusal | None:
        """Put the playhead on cue `cue_id` (a jump: nothing fires)."""
        index = self.plan.index_of(cue_id)
        if index is None:
            return self._refuse("standby", f"no cue '{cue_id}' in this show")
        self._set_playhead(index)
        self._arm_time_cues()
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
        for i in sorted(self._active):
            run = self.runs[i]
            run.cancel_timer()
            if run.state in {CueState.ARMED, CueState.FIRED}:
                stopped.append(self.cues[i].id)
                if run.state is CueState.FIRED:
                    self._set_state(i, CueState.FAILED)
                    run.reason = "stopped by panic"
                    self._emit(ev.CueFailed(now, cue=self.cues[i].id, reason=run.reason))
                else:
                    self._set_state(i, CueState.PENDING)
                    run.fire_ns = None
                for item in run.unsent:
                    self._items.pop(item, None)
                run.unsent.clear()
        self._parked.clear()
        self._held_fires.clear()
        self._tc_armed.clear()
        self._tc_rolled_before_hold = False
        if isinstance(self.timecode, InternalTimecode):
            self.timecode.stop(now)
        self.handshake.clear()
        self._emit(ev.PanicEvent(now, cancelled_cues=tuple(stopped)))
        if not self.held:
            self.held_since = now
            self._emit(ev.Hold(now, reason="panic"))
        self._set_playhead(self.playhead, force=True)

    def reset(self) -> None:
        """Back to the top: cancel everything, every cue pending, playhead on the first cue."""
        now = self._now()
        self.scheduler.panic()
        for run in self.runs:
            run.reset()
        self._active.clear()
        self._items.clear()
        self._parked.clear()
        self._held_fires.clear()
        self._tc_armed.clear()
        self.held_since = None
        self.total_held_ns = 0
        self.last_go_ns = None
        self.ended = False
        self.showclock.reset()
        self.handshake.clear()
        if isinstance(self.timecode, InternalTimecode):
            self.timecode.stop(now)
        self._emit(ev.Reset(now))
        self._set_playhead(0, force=True)
        self._arm_time_cues()

    def quit(self, reason: str = "quit") -> None:
        """End the run now: cancel what is pending (nothing more fires), emit `end`, go quiet."""
        if self.ended:
            return
        pending = [item for run in self.runs for item in run.unsent]
        for run in self.runs:
            run.cancel_timer()
        if pending:
            self.scheduler.cancel_items(pending)
        self._emit(ev.End(self._now(), reason=reason))
        self.ended = True
        self.close()

    def close(self) -> None:
        """Stop listening to the scheduler (once)."""
        unsubscribe, self._unsubscribe = self._unsubscribe, lambda: None
        unsubscribe()

    def _refuse(self, command: str, reason: str) -> Refusal:
        self._emit(ev.Refused(self._now(), command=command, reason=reason))
        return Refusal(command, reason)

    # ---- firing -------------------------------------------------------------------------------

    def _set_state(self, index: int, state: CueState) -> None:
        """Every state change goes through here, keeping the set of active (armed or fired) cues."""
        self.runs[index].state = state
        if state in {CueState.ARMED, CueState.FIRED}:
            self._active.add(index)
        else:
            self._active.discard(index)

    def _fire(self, index: int, fire_ns: int, source: str, *, chain: bool = True) -> None:
        """Hand cue `index`'s sends to the timing core as deadlines from `fire_ns`, and arm the
        follow/after chain behind it the same way; cues due now are marked fired in list order."""
        due_now = [index] if self._arm(index, fire_ns, source) else []
        if chain:
            for j, at, chained_source in self._chain(index, fire_ns):
                if self._arm(j, at, chained_source):
                    due_now.append(j)
        for i in due_now:
            self._fired(i)

    def _arm(self, index: int, fire_ns: int, source: str) -> bool:
        """Schedule cue `index`'s sends from `fire_ns`; True when that is now (the caller marks it fired)."""
        compiled, run = self.cues[index], self.runs[index]
        run.cancel_timer()
        if run.unsent:  # fired again while still running: its remaining sends are superseded
            self.scheduler.cancel_items(list(run.unsent))
            for item in run.unsent:
                self._items.pop(item, None)
            run.unsent.clear()
        items = []
        for number, message in enumerate(compiled.messages):
            item_id = next(self._item_ids)
            due = fire_ns + message.offset_ns
            items.append(SendItem(item_id, compiled.id, due, message.device, message.payload))
            run.unsent[item_id] = due
            self._items[item_id] = (index, number)
        self._set_state(index, CueState.ARMED)
        run.source = source
        run.fire_ns = fire_ns
        run.reason = ""
        run.failed_sends = 0
        run.complete_ns = None
        if items:
            self.scheduler.schedule(items)
        if fire_ns <= self._now():
            return True
        run.fire_timer = self.clock.call_at(fire_ns, functools.partial(self._fired, index))
        return False

    def _chain(self, index: int, fire_ns: int) -> list[tuple[int, int, str]]:
        """The follow/after cues behind cue `index`: (index, fire time, source), each from the one before."""
        chain: list[tuple[int, int, str]] = []
        previous_fire, previous = fire_ns, self.cues[index]
        for j in range(index + 1, len(self.cues)):
            go = self.cues[j].cue.go
            if isinstance(go, Follow):
                at, source = previous_fire + go.follow.ns, "follow"
            elif isinstance(go, After):
                at, source = previous_fire + previous.duration_ns + go.after.ns, "after"
            else:
                break
            if self.runs[j].state is CueState.FIRED:
                break  # that part of the chain is already running
            chain.append((j, at, source))  # an armed one is re-armed from the new time (a GO ahead of an at cue)
            previous_fire, previous = at, self.cues[j]
        return chain

    def _fired(self, index: int, *, complete_if_done: bool = True) -> None:
        """Cue `index` reached its fire time: it has GOne."""
        run, compiled = self.runs[index], self.cues[index]
        if run.state is not CueState.ARMED:
            return
        run.cancel_timer()
        self._set_state(index, CueState.FIRED)
        run.fired_count += 1
        fire_ns = run.fire_ns if run.fire_ns is not None else self._now()
        self.showclock.cue_fired(compiled.segment, fire_ns, self.clock_tod())
        self.handshake.went(compiled.cue.dept, compiled.id)
        self._emit(ev.Go(self._now(), cue=compiled.id, source=run.source, fire_ns=fire_ns, dept=compiled.cue.dept))
        if index == self.playhead:
            self._set_playhead(self._next_pending(index))
        if complete_if_done and not run.unsent:
            self._complete(index)

    def _complete(self, index: int) -> None:
        run, compiled = self.runs[index], self.cues[index]
        now = self._now()
        run.complete_ns = now
        if run.failed_sends:
            self._set_state(index, CueState.FAILED)
            run.reason = f"{run.failed_sends} of {len(compiled.messages)} messages failed" + (
                f": {run.reason}" if run.reason else ""
            )
            self._emit(ev.Complete(now, cue=compiled.id, failed=run.failed_sends))
            self._emit(ev.CueFailed(now, cue=compiled.id, reason=run.reason))
        else:
            self._set_state(index, CueState.COMPLETE)
            self._emit(ev.Complete(now, cue=compiled.id))
        self._check_end()

    def _check_end(self) -> None:
        if self.ended or self.playhead < len(self.cues):
            return
        if self._active:
            return
        self.ended = True
        self._emit(ev.End(self._now()))

    # ---- playhead -----------------------------------------------------------------------------

    def _next_pending(self, index: int) -> int:
        """The first cue after `index` still waiting to fire (armed chain cues are skipped)."""
        for j in range(index + 1, len(self.cues)):
            if self.runs[j].state is CueState.PENDING:
                return j
        return len(self.cues)

    def _set_playhead(self, index: int, *, force: bool = False) -> None:
        if index == self.playhead and not force:
            return
        self.playhead = index
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
        self._maybe_roll_timecode()

    # ---- time-triggered cues ------------------------------------------------------------------

    def _arm_time_cues(self) -> None:
        """Arm `at` cues from the playhead on; disarm those behind it. Then timecode cues."""
        if self.held:
            return
        now = self._now()
        tod = self.clock_tod()
        anchor = self.showclock.anchor_tod_ns
        for i in self._at_cues:
            go, run = self.cues[i].cue.go, self.runs[i]
            assert isinstance(go, At)
            if i < self.playhead:
                if run.state is CueState.ARMED and run.source == "at":
                    self._disarm(i, with_chain=True)
                continue
            if run.state is not CueState.PENDING:
                continue
            delta = until(go.at.ns, tod, anchor if anchor is not None else go.at.ns)
            if delta < 0:
                run.reason = f"missed: {go.at} had passed; GO fires it"
                continue
            self._fire(i, now + delta, "at")
        self._arm_timecode()

    def _disarm(self, index: int, *, with_chain: bool = False) -> None:
        """Back to pending; with `with_chain`, the armed follow/after cues behind it too (they count from it)."""
        if with_chain:
            for j in range(index + 1, len(self.cues)):
                if not is_chained(self.cues[j].cue.go) or self.runs[j].state is not CueState.ARMED:
                    break
                self._disarm(j)
        run = self.runs[index]
        run.cancel_timer()
        if run.unsent:
            self.scheduler.cancel_items(list(run.unsent))
            for item in run.unsent:
                self._items.pop(item, None)
            run.unsent.clear()
        self._set_state(index, CueState.PENDING)
        run.fire_ns = None
        self._tc_armed.discard(index)

    def _timecode_changed(self) -> None:
        """Timecode started, stopped or jumped: disarm what it armed and arm again."""
        for index in list(self._tc_armed):
            if self.runs[index].state is CueState.ARMED:
                self._disarm(index, with_chain=True)
        self._tc_armed.clear()
        self._arm_timecode()

    def _arm_timecode(self) -> None:
        if self.held:
            return
        position = self.timecode.position()
        if position is None or not position.rolling:
            return
        rate = self.timecode.rate
        now = self._now()
        current = frame_at(position, now, rate)
        for i in self._tc_cues:
            go, run = self.cues[i].cue.go, self.runs[i]
            if i < self.playhead or not isinstance(go, AtTimecode) or run.state is not CueState.PENDING:
                continue
            frame = go.timecode.frame_number(rate)
            if frame < current:
                continue  # passed before it was armed: not fired by itself
            self._fire(i, max(now, frame_deadline(position, frame, rate)), "timecode")
            self._tc_armed.add(i)

    def _maybe_roll_timecode(self) -> None:
        """Rehearsing without a timecode source: reaching a timecode cue starts the internal clock there."""
        if not isinstance(self.timecode, InternalTimecode) or self.timecode.rolling or self.held:
            return
        if self.playhead >= len(self.cues):
            return
        go = self.cues[self.playhead].cue.go
        if isinstance(go, AtTimecode) and self.runs[self.playhead].state is CueState.PENDING:
            self.timecode.locate(go.timecode.frame_number(self.timecode.rate), self._now())

    # ---- hold ---------------------------------------------------------------------------------

    def _park(self, now: int) -> None:
        """Cancel every pending send and fire timer, remembering them for resume."""
        cancel: list[int] = []
        for i in sorted(self._active):
            run = self.runs[i]
            if run.state is CueState.ARMED and run.fire_ns is not None and run.fire_ns > now:
                run.cancel_timer()
                self._held_fires.append((i, run.fire_ns))
            for item, due in run.unsent.items():
                _, number = self._items[item]
                self._parked[item] = _Parked(i, number, due)
                cancel.append(item)
        if cancel:
            self.scheduler.cancel_items(cancel)

    def _unpark(self, held: int) -> None:
        """Put back what hold parked, `held` later. An item goes back only once the core confirmed it
        cancelled (one it sent before the cancel reached it was reported sent and is not parked)."""
        for parked in self._parked.values():
            parked.shift = held
        for item, parked in list(self._parked.items()):
            if parked.cancelled:
                self._reschedule(item)
        for index, fire_ns in self._held_fires:
            run = self.runs[index]
            run.fire_ns = fire_ns + held
            run.fire_timer = self.clock.call_at(run.fire_ns, functools.partial(self._fired, index))
        self._held_fires.clear()

    def _reschedule(self, item: int) -> None:
        parked = self._parked.pop(item)
        run = self.runs[parked.index]
        run.unsent.pop(item, None)
        self._items.pop(item, None)
        if parked.shift is None:  # pragma: no cover - only called after resume set the shift
            return
        new = next(self._item_ids)
        due = parked.due_ns + parked.shift
        message = self.cues[parked.index].messages[parked.number]
        run.unsent[new] = due
        self._items[new] = (parked.index, parked.number)
        self.scheduler.schedule([SendItem(new, self.cues[parked.index].id, due, message.device, message.payload)])

    # ---- reports from the timing core ---------------------------------------------------------

    def _on_report(self, report: p.Report) -> None:
        if isinstance(report, p.Sent | p.SendFailed):
            self._item_done(report.item_id, report)
        elif isinstance(report, p.Cancelled):
            for item in report.item_ids:
                parked = self._parked.get(item)
                if parked is not None:  # hold cancelled it; resume puts it back
                    parked.cancelled = True
                    if parked.shift is not None:
                        self._reschedule(item)
                    continue
                located = self._items.pop(item, None)
                if located is not None:
                    self.runs[located[0]].unsent.pop(item, None)
        elif isinstance(report, p.Feedback):
            for said in self.feedback.decode(report.device, report.packet):
                if not said.routine:  # heartbeats and ping answers are liveness, not news for the log
                    event = ev.FeedbackEvent(self._now(), device=said.device, report=said.report, detail=said.detail)
                    self._emit(event)
        elif isinstance(report, p.DeviceStatus):
            self.device_state[report.device] = (report.state, report.detail)
            self._emit(ev.DeviceEvent(self._now(), device=report.device, status=report.state, detail=report.detail))
        elif isinstance(report, p.CoreInfo):
            self._emit(
                ev.TimingInfo(
                    self._now(),
                    mode=report.mode,
                    priority=report.priority,
                    realtime=report.realtime,
                    notes=report.notes,
                )
            )
        elif isinstance(report, p.CoreLost):
            self._emit(
                ev.ErrorEvent(
                    self._now(),
                    message=f"timing core lost ({report.reason}); "
                    + ("restarting it, pending sends will follow" if report.restarting else "not restarting"),
                )
            )
        elif isinstance(report, p.CoreRestarted):
            self._emit(
                ev.ErrorEvent(
                    self._now(),
                    message=f"timing core restarted: {report.rescheduled} pending sends handed over, "
                    f"{report.overdue} of them late",
                )
            )

    def _item_done(self, item: int, report: p.Sent | p.SendFailed) -> None:
        self._parked.pop(item, None)  # it went out before hold's cancel reached the core
        located = self._items.pop(item, None)
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
