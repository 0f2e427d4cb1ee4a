"""Provides `CueBook`: every cue's runtime record and its messages in the timing core.

The book is the only code that changes a cue's record: it arms cues (their sends become deadlines in the
timing core, and a bookkeeping timer marks the fire time), disarms them, marks them fired, complete, failed,
missed or passed over, settles the core's reports against them, and works out follow/after chains (a
rehearsal at a faster speed runs them and each cue's waits faster: the show clock says how). It keeps
the set of active cues (armed or fired), so nothing on the GO path scans a whole 10,000-cue show, and each
cue's `CueSnapshot`, rebuilt only when that cue changed.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from collections.abc import Callable, Iterator

from showcall.compile.plan import CompiledCue
from showcall.engine.clock import ShowClock
from showcall.engine.cues import CueRun, CueState, Source
from showcall.engine.snapshot import CueSnapshot
from showcall.model.show import After, Follow, describe_trigger, is_chained
from showcall.timing.api import Scheduler, SendItem

ACTIVE = frozenset({CueState.ARMED, CueState.FIRED})


Arming = list[tuple[int, list[tuple[int, int, int]]]]
"""Messages about to go to the timing core: (cue index, [(item id, message index, due_ns)]) per cue."""


class CueBook:
    """The runtime side of the cue list (see module docstring). `on_fire(index)` is called by a
    bookkeeping timer when an armed cue reaches its fire time; `on_armed` just before messages are
    handed to the timing core (the engine logs them first: a crash resume must know what the core had)."""

    def __init__(
        self,
        cues: tuple[CompiledCue, ...],
        scheduler: Scheduler,
        clock: ShowClock,
        on_fire: Callable[[int], None],
        on_armed: Callable[[Arming], None] | None = None,
    ) -> None:
        self.cues = cues
        self.scheduler = scheduler
        self.clock = clock
        self.on_fire = on_fire
        self.on_armed = on_armed
        self._batch: tuple[Arming, list[list[SendItem]]] | None = None
        self.runs: tuple[CueRun, ...] = tuple(CueRun(i) for i in range(len(cues)))  # read freely; changed here only
        self.items: dict[int, tuple[int, int]] = {}  # item id -> (cue index, message index)
        # items whose cancel is on its way to the core: one may still be reported sent (the cancel lost the
        # race), and a message that went out must reach the log all the same
        self.cancelling: dict[int, tuple[int, int]] = {}
        self.active: set[int] = set()
        self._item_ids = itertools.count(1)
        # chain_end[i]: the first cue after i that is not chained to the one before it, so the follow/after
        # chain behind cue i is range(i + 1, chain_end[i]); worked out once, from the plan
        self.chain_end = [len(cues)] * len(cues)
        unchained = len(cues)
        for i in range(len(cues) - 1, -1, -1):
            self.chain_end[i] = unchained
            if not is_chained(cues[i].cue.go):
                unchained = i
        # chain_head[i]: the cue a follow/after cue's chain counts from (i itself for any other cue)
        self.chain_head = list(range(len(cues)))
        for i in range(1, len(cues)):
            if is_chained(cues[i].cue.go):
                self.chain_head[i] = self.chain_head[i - 1]
        self._triggers = [describe_trigger(c.cue.go, timecode="TC") for c in cues]  # the cue list's narrow column
        self._views = [self._view(i) for i in range(len(cues))]
        self._dirty: set[int] = set()
        self._snapshot: tuple[CueSnapshot, ...] | None = None

    # ---- views --------------------------------------------------------------------------------

    def snapshot(self) -> tuple[CueSnapshot, ...]:
        """Every cue as it is now; the same tuple again while nothing changed."""
        if self._dirty or self._snapshot is None:
            views = self._views
            for i in self._dirty:
                views[i] = self._view(i)
            self._dirty.clear()
            self._snapshot = tuple(views)
        return self._snapshot

    def _view(self, i: int) -> CueSnapshot:
        compiled, run = self.cues[i], self.runs[i]
        return CueSnapshot(
            index=i,
            id=compiled.id,
            dept=compiled.cue.dept,
            label=compiled.cue.label,
            trigger=self._triggers[i],
            segment=compiled.segment,
            state=run.state,
            source=run.source,
            fire_ns=run.fire_ns,
            complete_ns=run.complete_ns,
            max_late_us=run.max_late_us,
            failed_sends=run.failed_sends,
            reason=run.reason,
            missed=run.missed,
            passed=run.skipped,
        )

    def _touch(self, index: int) -> None:
        self._dirty.add(index)

    # ---- states -------------------------------------------------------------------------------

    def set_state(self, index: int, state: CueState) -> None:
        """Every state change goes through here, keeping the set of active cues."""
        self.runs[index].state = state
        if state in ACTIVE:
            self.active.add(index)
        else:
            self.active.discard(index)
        self._touch(index)

    def arm(self, index: int, fire_ns: int, source: Source) -> bool:
        """Schedule cue `index`'s sends from `fire_ns`; True when that is now (the caller marks it fired)."""
        run = self.runs[index]
        run.cancel_timer()
        self.cancel_unsent(index)  # fired again while still running: its remaining sends are superseded
        self.set_state(index, CueState.ARMED)
        run.source = source
        run.fire_ns = fire_ns
        run.reason = ""
        run.missed = False
        run.failed_sends = 0
        run.complete_ns = None
        self.schedule(index, self.dues(index, fire_ns))
        if fire_ns <= self.clock.now_ns():
            return True
        run.fire_timer = self.clock.call_at(fire_ns, functools.partial(self.on_fire, index))
        return False

    def fired(self, index: int) -> bool:
        """An armed cue reached its fire time: it has GOne. False (nothing changed) unless it was armed."""
        run = self.runs[index]
        if run.state is not CueState.ARMED:
            return False
        run.cancel_timer()
        self.set_state(index, CueState.FIRED)
        run.skipped = False
        return True

    def completed(self, index: int, now_ns: int) -> bool:
        """Its last message was reported: complete, or failed when any of them failed. True when failed."""
        run = self.runs[index]
        run.complete_ns = now_ns
        if run.failed_sends:
            run.reason = f"{run.failed_sends} of {len(self.cues[index].messages)} messages failed" + (
                f": {run.reason}" if run.reason else ""
            )
            self.set_state(index, CueState.FAILED)
            return True
        self.set_state(index, CueState.COMPLETE)
        return False

    def restore(self, index: int, source: Source, fire_ns: int, *, complete: bool) -> None:
        """A crashed run's log says this cue fired at `fire_ns` (and completed, if `complete`)."""
        run = self.runs[index]
        run.source, run.fire_ns = source, fire_ns
        self.set_state(index, CueState.COMPLETE if complete else CueState.FIRED)

    # ---- a following engine (follow.py): the live engine's moves, without sends or timers ---------

    def mirror_fired(self, index: int, source: Source, fire_ns: int) -> None:
        """The live engine fired cue `index` at `fire_ns`: the record as `arm` then `fired` leave it."""
        run = self.runs[index]
        run.cancel_timer()
        run.source = source
        run.fire_ns = fire_ns
        run.reason = ""
        run.missed = False
        run.skipped = False
        run.failed_sends = 0
        run.max_late_us = None
        run.complete_ns = None
        self.set_state(index, CueState.FIRED)

    def mirror_armed(self, index: int, fire_ns: int, source: Source) -> None:
        """The live engine armed cue `index` to fire at `fire_ns` (a follow/after chain)."""
        run = self.runs[index]
        run.source = source
        run.fire_ns = fire_ns
        self.set_state(index, CueState.ARMED)

    def mirror_later(self, index: int, held_ns: int) -> None:
        """The live engine moved armed cue `index` on by `held_ns` (a resume)."""
        run = self.runs[index]
        if run.fire_ns is not None:
            run.fire_ns += held_ns
            self._touch(index)

    def mirror_failed(self, index: int, reason: str, now_ns: int) -> None:
        """The live engine failed cue `index` (panic, failed sends) for `reason`."""
        run = self.runs[index]
        run.reason = reason
        if run.complete_ns is None:
            run.complete_ns = now_ns
        self.set_state(index, CueState.FAILED)

    def disarm(self, index: int, *, with_chain: bool = False) -> list[int]:
        """Back to pending; with `with_chain`, the armed follow/after cues behind it too (they count
        from it). Returns every cue disarmed."""
        disarmed = []
        if with_chain:
            for j in range(index + 1, self.chain_end[index]):
                if self.runs[j].state is not CueState.ARMED:
                    break
                disarmed += self.disarm(j)
        run = self.runs[index]
        run.cancel_timer()
        self.cancel_unsent(index)
        self.set_state(index, CueState.PENDING)
        run.fire_ns = None
        return [index, *disarmed]

    def stop_by_panic(self, index: int) -> bool:
        """Panic reached an active cue (the core has dropped its sends): a cue going out fails, an armed
        one goes back to pending. True when it had fired (it failed)."""
        run = self.runs[index]
        run.cancel_timer()
        self._drop_unsent(run)
        if run.state is CueState.FIRED:
            run.reason = "stopped by panic"
            self.set_state(index, CueState.FAILED)
            return True
        run.fire_ns = None
        self.set_state(index, CueState.PENDING)
        return False

    def wind_down(self, until_ns: int) -> tuple[list[int], list[tuple[int, int]]]:
        """Quit: what is due by `until_ns` stays with the core (it may be on its way out: a GO already taken),
        every later send is cancelled and no bookkeeping timer fires again. Returns the armed cues whose fire
        time is by then (the caller marks them fired) and the cues cut short, each with how many of its messages
        will not go. An armed cue with nothing left goes back to pending: it never fired."""
        due_now: list[int] = []
        cut: list[tuple[int, int]] = []
        cancel: list[int] = []
        for i in sorted(self.active):
            run = self.runs[i]
            run.cancel_timer()
            later = [item for item, due in run.unsent.items() if due > until_ns]
            for item in later:
                del run.unsent[item]
                self.cancelling[item] = self.items.pop(item)
            cancel += later
            if run.state is CueState.ARMED and (run.fire_ns is None or run.fire_ns > until_ns):
                run.fire_ns = None
                self.set_state(i, CueState.PENDING)
                continue
            if run.state is CueState.ARMED:
                due_now.append(i)
            if later:
                cut.append((i, len(later)))
        if cancel:
            self.scheduler.cancel_items(cancel)
        return due_now, cut

    def cut_short(self, index: int, reason: str) -> None:
        """A fired cue will not send the rest of its messages (quit): it failed, with `reason`."""
        run = self.runs[index]
        run.reason = reason
        run.complete_ns = self.clock.now_ns()
        self.set_state(index, CueState.FAILED)

    def stop_timers(self) -> None:
        """No bookkeeping timer fires any more (the engine stands down: the live one fires the cues now)."""
        for i in self.active:
            self.runs[i].cancel_timer()

    def pass_over(self, index: int, passed: bool = True) -> None:
        """The caller moved the playhead past cue `index` without firing it (or back onto it: False)."""
        if self.runs[index].skipped != passed:
            self.runs[index].skipped = passed
            self._touch(index)

    def miss(self, index: int, reason: str) -> None:
        """An `at` cue's time had passed when it was armed: it waits for GO."""
        run = self.runs[index]
        if not run.missed or run.reason != reason:
            run.missed, run.reason = True, reason
            self._touch(index)

    def reset(self) -> None:
        """Every cue back to pending, nothing tracked."""
        for run in self.runs:
            run.reset()
        self.active.clear()
        self.cancelling.update(self.items)  # reset cancels them: their reports may still come
        self.items.clear()
        self._dirty.update(range(len(self.runs)))

    # ---- messages in the timing core ----------------------------------------------------------

    def dues(self, index: int, fire_ns: int, skip: frozenset[int] | set[int] = frozenset()) -> list[tuple[int, int]]:
        """(message number, due time) of cue `index`'s messages fired at `fire_ns`, less the numbers in `skip`."""
        real = self.clock.real_ns
        return [
            (number, fire_ns + real(m.offset_ns))
            for number, m in enumerate(self.cues[index].messages)
            if number not in skip
        ]

    def schedule(self, index: int, numbers_and_dues: list[tuple[int, int]]) -> None:
        """Hand messages of cue `index` (message number, due time) to the timing core."""
        compiled, run = self.cues[index], self.runs[index]
        items = []
        for number, due in numbers_and_dues:
            item_id = next(self._item_ids)
            message = compiled.messages[number]
            items.append(SendItem(item_id, compiled.id, due, message.device, message.payload))
            run.unsent[item_id] = due
            self.items[item_id] = (index, number)
        if not items:
            return
        arming = [(index, [(i.item_id, n, i.deadline_ns) for i, (n, _) in zip(items, numbers_and_dues, strict=True)])]
        if self._batch is not None:
            self._batch[0].extend(arming)
            self._batch[1].append(items)
            return
        if self.on_armed is not None:
            self.on_armed(arming)
        self.scheduler.schedule(items)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Messages scheduled inside go to the core at the end, after one `on_armed` call for all of them (a
        chain of 200 follow cues: one record, not 200). Each cue is still handed over on its own: the core
        takes one hand-over at a time between its deadlines, and one of 200 cues with big payloads can take
        longer to unpack than the gap to the next deadline."""
        if self._batch is not None:
            yield
            return
        batch: tuple[Arming, list[list[SendItem]]] = ([], [])
        self._batch = batch
        try:
            yield
        finally:
            self._batch = None
            if batch[1]:
                if self.on_armed is not None:
                    self.on_armed(batch[0])
                for items in batch[1]:
                    self.scheduler.schedule(items)

    def cancel_unsent(self, index: int) -> None:
        """Cancel whatever cue `index` still has in the timing core."""
        run = self.runs[index]
        if run.unsent:
            self.scheduler.cancel_items(list(run.unsent))
            self._drop_unsent(run)

    def _drop_unsent(self, run: CueRun) -> None:
        """The cue no longer waits for these items; until the core settles them they are `cancelling`."""
        for item in run.unsent:
            located = self.items.pop(item, None)
            if located is not None:
                self.cancelling[item] = located
        run.unsent.clear()

    def unsent_items(self) -> list[int]:
        """Every item of an active cue the core has not reported yet."""
        return [item for i in self.active for item in self.runs[i].unsent]

    def stop_fire_timer(self, index: int) -> int | None:
        """Stop an armed cue's bookkeeping timer (a hold); returns the fire time it was waiting for."""
        run = self.runs[index]
        run.cancel_timer()
        return run.fire_ns

    def restart_fire_timer(self, index: int, fire_ns: int) -> None:
        """Wait for an armed cue's fire time again, now `fire_ns` (resume after a hold)."""
        run = self.runs[index]
        run.fire_ns = fire_ns
        run.fire_timer = self.clock.call_at(fire_ns, functools.partial(self.on_fire, index))
        self._touch(index)

    def forget(self, item: int) -> tuple[int, int] | None:
        """Item `item` is settled (cancelled, or taken back by a hold): no longer this cue's to wait for.
        Returns (cue index, message number), or None if it was not tracked."""
        self.cancelling.pop(item, None)
        located = self.items.pop(item, None)
        if located is not None:
            self.runs[located[0]].unsent.pop(item, None)
        return located

    def settle(self, item: int) -> tuple[int, int, bool] | None:
        """The core reported item `item` sent or failed: (cue index, message number, live). `live` is False
        for an item the engine had already cancelled (the cancel lost the race): it went out all the same,
        so it is logged, but the cue no longer waits for it. None for an item never seen."""
        late = self.cancelling.pop(item, None)
        if late is not None:
            return (*late, False)
        located = self.forget(item)
        return (*located, True) if located is not None else None

    @property
    def unsettled(self) -> int:
        """Items handed to the core whose final report has not come back (waiting or being cancelled)."""
        return len(self.items) + len(self.cancelling)

    def sent(self, index: int, late_us: float) -> None:
        """One of cue `index`'s messages went out, `late_us` after its deadline."""
        run = self.runs[index]
        run.max_late_us = late_us if run.max_late_us is None else max(run.max_late_us, late_us)
        self._touch(index)

    def send_failed(self, index: int, reason: str) -> None:
        """One of cue `index`'s messages could not be sent."""
        run = self.runs[index]
        run.failed_sends += 1
        run.reason = reason
        self._touch(index)

    # ---- chains and lookups -------------------------------------------------------------------

    def chain(self, index: int, fire_ns: int) -> list[tuple[int, int, Source]]:
        """The follow/after cues behind cue `index`: (index, fire time, source), each from the one before."""
        chain: list[tuple[int, int, Source]] = []
        previous_fire, previous = fire_ns, self.cues[index]
        real = self.clock.real_ns
        for j in range(index + 1, self.chain_end[index]):
            go = self.cues[j].cue.go
            if isinstance(go, Follow):
                at, source = previous_fire + real(go.follow.ns), Source.FOLLOW
            else:
                assert isinstance(go, After)  # chain_end stops at the first cue that is neither
                at, source = previous_fire + real(previous.duration_ns) + real(go.after.ns), Source.AFTER
            if self.runs[j].state is CueState.FIRED:
                break  # that part of the chain is already running
            chain.append((j, at, source))  # an armed one is re-armed from the new time (a GO ahead of an at cue)
            previous_fire, previous = at, self.cues[j]
        return chain

    def next_pending(self, index: int) -> int:
        """The first cue after `index` still waiting to fire (armed chain cues are skipped)."""
        for j in range(index + 1, len(self.cues)):
            if self.runs[j].state is CueState.PENDING:
                return j
        return len(self.cues)

    def running(self) -> bool:
        """True while a cue is going out, a GO is on its way, or a follow/after chain counts from a cue that
        fired. A time cue armed for later is not running, nor the chain armed behind it (the walk-in's
        five-minute call behind its 08:55 cue): nothing of it has happened yet."""
        for i in self.active:
            run = self.runs[i]
            if run.state is CueState.FIRED:
                return True
            if run.source is None or run.source.timed:
                continue
            if run.source not in {Source.FOLLOW, Source.AFTER}:
                return True  # a GO whose fire time has not come yet
            if self.runs[self.chain_head[i]].state is not CueState.ARMED:
                return True  # its chain counts from a cue that fired
        return False

    def next_auto(self, now_ns: int) -> tuple[int, int] | None:
        """The next cue that will fire by itself, and when: (index, monotonic ns)."""
        armed = [
            (run.fire_ns, i)
            for i in self.active
            if (run := self.runs[i]).state is CueState.ARMED and run.fire_ns is not None and run.fire_ns >= now_ns
        ]
        if not armed:
            return None
        fire_ns, index = min(armed)
        return index, fire_ns
