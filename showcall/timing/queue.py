"""Provides `SendQueue`: the pending sends ordered by (deadline, arrival), with no clock of its own.

Time is always passed in (`now_ns`), so the ordering, batching, cancelling and "never early" rules are
tested exactly. The core process and `FakeScheduler` both use it.

Items are kept in one bucket per distinct deadline (a list in arrival order) under a heap of deadlines, so
taking a cue of 512 messages that share a deadline is one heap pop, not 512, at the moment it is due.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from showcall.timing.api import SendItem

__all__ = ["DuplicateItemError", "Queued", "SendQueue"]


class DuplicateItemError(ValueError):
    """An item id was scheduled while an item with the same id is still pending."""


@dataclass(slots=True)
class Queued:
    """A pending item and its wire bytes; `live` turns False once it is taken or cancelled."""

    item: SendItem
    wire: bytes
    live: bool = True


class SendQueue:
    """Pending items by (deadline, arrival).

    `pop_due(now_ns)` only ever returns items whose deadline is at or before `now_ns`: that is the whole of
    the "never early" rule, so a caller that passes the time it is about to send at cannot send early.

    `version` counts changes to what is pending (adds, cancels, pops): while it stays the same, `pop_due`
    of the next deadline returns exactly what `live_at` of it returned, so work done on that list ahead of
    time (the core's send plan) still holds.
    """

    def __init__(self) -> None:
        self._deadlines: list[int] = []
        self._buckets: dict[int, list[Queued]] = {}
        self._live_in: dict[int, int] = {}
        # _by_id and _by_cue may still hold entries taken by pop_due (live False) until `tidy`: pop_due does
        # as little as possible per item, because it runs at the deadline, before the first send.
        self._by_id: dict[int, Queued] = {}
        self._by_cue: dict[str, set[int]] = {}
        self._live = 0
        self.version = 0

    def __len__(self) -> int:
        return self._live

    def __contains__(self, item_id: object) -> bool:
        entry = self._by_id.get(item_id) if isinstance(item_id, int) else None
        return entry is not None and entry.live

    def __iter__(self) -> Iterator[Queued]:
        """Pending entries in (deadline, arrival) order."""
        return iter(self._ordered())

    def add(self, item: SendItem, wire: bytes | None = None) -> None:
        """Queue `item` after everything queued before it; `wire` defaults to the payload unframed."""
        if item.item_id in self:
            raise DuplicateItemError(f"item {item.item_id} is already pending")
        entry = Queued(item, item.payload if wire is None else wire)
        self.version += 1
        self._by_id[item.item_id] = entry
        self._live += 1
        self._by_cue.setdefault(item.cue, set()).add(item.item_id)
        deadline = item.deadline_ns
        bucket = self._buckets.get(deadline)
        if bucket is None:
            self._buckets[deadline] = [entry]
            self._live_in[deadline] = 1
            heapq.heappush(self._deadlines, deadline)
        else:
            bucket.append(entry)
            self._live_in[deadline] += 1

    def next_deadline(self) -> int | None:
        """The earliest pending deadline, or None when nothing is pending."""
        heap = self._deadlines
        while heap:
            if heap[0] in self._buckets:
                return heap[0]
            heapq.heappop(heap)  # every item of that deadline was cancelled
        return None

    def count_at(self, deadline_ns: int) -> int:
        """How many pending items have exactly this deadline (what a send at it will have to prepare)."""
        return self._live_in.get(deadline_ns, 0)

    def live_at(self, deadline_ns: int) -> list[Queued]:
        """The pending entries with exactly this deadline, in arrival order, left in the queue."""
        return [e for e in self._buckets.get(deadline_ns, ()) if e.live]

    def pop_due(self, now_ns: int) -> list[Queued]:
        """Remove and return the items due at `now_ns` (deadline ≤ now), in (deadline, arrival) order."""
        due: list[Queued] = []
        heap = self._deadlines
        while heap and heap[0] <= now_ns:
            deadline = heapq.heappop(heap)
            bucket = self._buckets.pop(deadline, None)
            if bucket is None:
                continue
            # Usually nothing in the bucket was cancelled: take the list itself (a 512-item cue is taken
            # 60 µs before its deadline, and copying it item by item cost ~20 µs of that).
            taken = bucket if self._live_in.pop(deadline) == len(bucket) else [e for e in bucket if e.live]
            for entry in taken:
                entry.live = False
            if due:
                due.extend(taken)
            else:
                due = taken
        self._live -= len(due)
        self.version += 1
        return due

    def cancel_items(self, item_ids: Iterable[int]) -> list[int]:
        """Cancel these items; returns the ids that were pending (unknown or already sent ids are ignored)."""
        cancelled: list[int] = []
        for item_id in item_ids:
            entry = self._by_id.get(item_id)
            if entry is None or not entry.live:
                continue
            del self._by_id[item_id]
            entry.live = False
            self._live -= 1
            cancelled.append(item_id)
            self.version += 1
            ids = self._by_cue.get(entry.item.cue)
            if ids is not None:
                ids.discard(item_id)
                if not ids:
                    del self._by_cue[entry.item.cue]
            deadline = entry.item.deadline_ns
            self._live_in[deadline] -= 1
            if not self._live_in[deadline]:
                del self._live_in[deadline]
                del self._buckets[deadline]  # its heap entry is skipped from now on
        return cancelled

    def cancel_cue(self, cue: str) -> list[int]:
        """Cancel every pending item of `cue`; returns their ids in (deadline, arrival) order."""
        ids = self._by_cue.pop(cue, set())
        entries = [e for e in self._ordered() if e.item.cue == cue and e.item.item_id in ids]
        return self.cancel_items([e.item.item_id for e in entries])

    def cancel_all(self) -> list[int]:
        """Cancel everything; returns the ids in (deadline, arrival) order."""
        ids = [e.item.item_id for e in self._ordered()]
        for entry in self._by_id.values():
            entry.live = False  # an entry handed out by pop_due and not yet sent must not be sent either
        self._deadlines.clear()
        self._buckets.clear()
        self._live_in.clear()
        self._by_id.clear()
        self._by_cue.clear()
        self._live = 0
        self.version += 1
        return ids

    def tidy(self) -> None:
        """Forget items taken by `pop_due` from the indexes (left for a quiet moment, to keep pop_due fast)."""
        by_id = self._by_id
        for item_id in [i for i, e in by_id.items() if not e.live]:
            del by_id[item_id]
        for cue in list(self._by_cue):
            ids = {i for i in self._by_cue[cue] if i in by_id and by_id[i].item.cue == cue}
            if ids:
                self._by_cue[cue] = ids
            else:
                del self._by_cue[cue]

    def entries_for_device(self, device: str) -> list[Queued]:
        """The pending entries of `device` (to reframe them when its output is replaced)."""
        return [e for e in self._by_id.values() if e.live and e.item.device == device]

    def _ordered(self) -> list[Queued]:
        return [e for d in sorted(self._buckets) for e in self._buckets[d] if e.live]
