"""Provides `Parking`: what a hold takes out of the timing core, and puts back shifted on resume.

A hold cancels every pending send (a running cue's later actions, an armed chain) and stops the
bookkeeping timers. Resume puts each back moved later by exactly the time held, but only once the
timing core has confirmed the cancel: a send it had already made when the hold reached it is
reported sent, is no longer parked, and is never sent twice.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from showcall.engine.book import CueBook
from showcall.engine.cues import CueState, Source


@dataclass
class _Parked:
    """A send hold cancelled: which message of which cue, when it was due, and (after resume) by how
    much it moves; `cancelled` once the core confirmed the cancel."""

    index: int
    number: int
    due_ns: int
    cancelled: bool = False
    shift: int | None = None


class Parking:
    """Sends and fire times parked by a hold (see module docstring)."""

    def __init__(self, book: CueBook) -> None:
        self.book = book
        self._parked: dict[int, _Parked] = {}  # by the item id the core knew it under
        self._fires: list[tuple[int, int]] = []  # (cue index, fire_ns) of armed cues whose timer stopped
        self._deferred: list[tuple[int, int, Source]] = []  # chains a show resumed while held still owes
        self._adopted = itertools.count(-1, -1)  # keys for sends parked without ever reaching the core

    def park(self, now_ns: int) -> None:
        """Cancel every pending send and fire timer, remembering them."""
        book = self.book
        cancel: list[int] = []
        for i in sorted(book.active):
            run = book.runs[i]
            if run.state is CueState.ARMED and run.fire_ns is not None and run.fire_ns > now_ns:
                fire_ns = book.stop_fire_timer(i)
                if fire_ns is not None:
                    self._fires.append((i, fire_ns))
            for item, due in run.unsent.items():
                _, number = book.items[item]
                self._parked[item] = _Parked(i, number, due)
                cancel.append(item)
        if cancel:
            book.scheduler.cancel_items(cancel)

    def adopt(self, index: int, numbers_and_dues: list[tuple[int, int]]) -> None:
        """Park sends that never reached the core (a crashed run resumed while held)."""
        for number, due in numbers_and_dues:
            self._parked[next(self._adopted)] = _Parked(index, number, due, cancelled=True)

    def defer(self, index: int, fire_ns: int, source: Source) -> None:
        """Keep a chain to arm on resume (a crashed run resumed while held)."""
        self._deferred.append((index, fire_ns, source))

    def unpark(self, held_ns: int) -> list[tuple[int, int, Source]]:
        """Put back what was parked, `held_ns` later (each send once its cancel is confirmed); returns
        the deferred chains to arm, their fire times moved on by `held_ns` too."""
        for parked in self._parked.values():
            parked.shift = held_ns
        for item, parked in list(self._parked.items()):
            if parked.cancelled:
                self._reschedule(item)
        book = self.book
        for index, fire_ns in self._fires:
            if book.runs[index].state is CueState.ARMED:  # not one the core fired before the hold reached it
                book.restart_fire_timer(index, fire_ns + held_ns)
        self._fires.clear()
        deferred = [(index, fire_ns + held_ns, source) for index, fire_ns, source in self._deferred]
        self._deferred.clear()
        return deferred

    def cancelled(self, item: int) -> bool:
        """The core confirmed item `item` cancelled; True when it was parked (resume puts it back)."""
        parked = self._parked.get(item)
        if parked is None:
            return False
        parked.cancelled = True
        if parked.shift is not None:  # resumed before the confirmation arrived
            self._reschedule(item)
        return True

    def sent(self, item: int) -> None:
        """The core sent item `item` before the hold's cancel reached it: nothing to put back."""
        self._parked.pop(item, None)

    def release(self) -> list[int]:
        """Forget everything parked (quit); returns the items the core confirmed cancelled, which are no
        longer in its hands (the others will still be confirmed)."""
        confirmed = [item for item, parked in self._parked.items() if parked.cancelled and item > 0]
        self.clear()
        return confirmed

    def clear(self) -> None:
        """Forget everything parked (panic, reset)."""
        self._parked.clear()
        self._fires.clear()
        self._deferred.clear()

    def _reschedule(self, item: int) -> None:
        parked = self._parked.pop(item)
        self.book.forget(item)
        if parked.shift is not None:
            self.book.schedule(parked.index, [(parked.number, parked.due_ns + parked.shift)])
