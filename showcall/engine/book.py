"""Provides `CueBook`: every cue's runtime record and its messages in the timing core.

The book arms cues (their sends become deadlines in the timing core, and a bookkeeping timer
marks the fire time), disarms them, works out follow/after chains, and keeps the set of active
cues (armed or fired) so that nothing on the GO path scans a whole 10,000-cue show.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

from showcall.compile.plan import CompiledCue
from showcall.engine.clock import Clock
from showcall.engine.cues import CueRun, CueState
from showcall.engine.triggers import is_chained
from showcall.model.show import After, Follow
from showcall.timing.api import Scheduler, SendItem

ACTIVE = frozenset({CueState.ARMED, CueState.FIRED})


class CueBook:
    """The runtime side of the cue list (see module docstring). `on_fire(index)` is called by a
    bookkeeping timer when an armed cue reaches its fire time."""

    def __init__(
        self, cues: tuple[CompiledCue, ...], scheduler: Scheduler, clock: Clock, on_fire: Callable[[int], None]
    ) -> None:
        self.cues = cues
        self.scheduler = scheduler
        self.clock = clock
        self.on_fire = on_fire
        self.runs = [CueRun(i) for i in range(len(cues))]
        self.items: dict[int, tuple[int, int]] = {}  # item id -> (cue index, message index)
        self.active: set[int] = set()
        self._item_ids = itertools.count(1)

    def set_state(self, index: int, state: CueState) -> None:
        """Every state change goes through here, keeping the set of active cues."""
        self.runs[index].state = state
        if state in ACTIVE:
            self.active.add(index)
        else:
            self.active.discard(index)

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
        if items:
            self.scheduler.schedule(items)

    def arm(self, index: int, fire_ns: int, source: str) -> bool:
        """Schedule cue `index`'s sends from `fire_ns`; True when that is now (the caller marks it fired)."""
        compiled, run = self.cues[index], self.runs[index]
        run.cancel_timer()
        self.cancel_unsent(index)  # fired again while still running: its remaining sends are superseded
        self.set_state(index, CueState.ARMED)
        run.source = source
        run.fire_ns = fire_ns
        run.reason = ""
        run.failed_sends = 0
        run.complete_ns = None
        self.schedule(index, [(number, fire_ns + m.offset_ns) for number, m in enumerate(compiled.messages)])
        if fire_ns <= self.clock.now_ns():
            return True
        run.fire_timer = self.clock.call_at(fire_ns, functools.partial(self.on_fire, index))
        return False

    def cancel_unsent(self, index: int) -> None:
        """Cancel whatever cue `index` still has in the timing core."""
        run = self.runs[index]
        if run.unsent:
            self.scheduler.cancel_items(list(run.unsent))
            for item in run.unsent:
                self.items.pop(item, None)
            run.unsent.clear()

    def disarm(self, index: int, *, with_chain: bool = False) -> list[int]:
        """Back to pending; with `with_chain`, the armed follow/after cues behind it too (they count
        from it). Returns every cue disarmed."""
        disarmed = []
        if with_chain:
            for j in range(index + 1, len(self.cues)):
                if not is_chained(self.cues[j].cue.go) or self.runs[j].state is not CueState.ARMED:
                    break
                disarmed += self.disarm(j)
        run = self.runs[index]
        run.cancel_timer()
        self.cancel_unsent(index)
        self.set_state(index, CueState.PENDING)
        run.fire_ns = None
        return [index, *disarmed]

    def chain(self, index: int, fire_ns: int) -> list[tuple[int, int, str]]:
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

    def next_pending(self, index: int) -> int:
        """The first cue after `index` still waiting to fire (armed chain cues are skipped)."""
        for j in range(index + 1, len(self.cues)):
            if self.runs[j].state is CueState.PENDING:
                return j
        return len(self.cues)

    def running(self) -> bool:
        """True while a cue is going out or a follow/after chain is armed (armed time cues do not count)."""
        runs = self.runs
        return any(runs[i].state is CueState.FIRED or runs[i].source not in {"at", "timecode"} for i in self.active)

    def next_auto(self, now_ns: int) -> tuple[str, int] | None:
        """The next cue that will fire by itself, and when (monotonic ns)."""
        armed = [
            (run.fire_ns, self.cues[i].id)
            for i in self.active
            if (run := self.runs[i]).state is CueState.ARMED and run.fire_ns is not None and run.fire_ns >= now_ns
        ]
        if not armed:
            return None
        fire_ns, cue = min(armed)
        return cue, fire_ns

    def reset(self) -> None:
        """Every cue back to pending, nothing tracked."""
        for run in self.runs:
            run.reset()
        self.active.clear()
        self.items.clear()
