"""Provides `Ledger`: the engine side's record of every item not yet finally reported, and `LatenessWindow`.

Pure bookkeeping (no clock, no I/O), so what a restarted core is handed, and what is reported for items that
were asked to be cancelled while the core was down, is tested exactly. Every item ends with exactly one
final report: `Sent`, `SendFailed` or `Cancelled`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from showcall.stats import percentile
from showcall.timing.api import SendItem, TimingStatistics
from showcall.timing.protocol import Cancelled, Report, SendFailed, Sent
from showcall.timing.queue import DuplicateItemError

__all__ = ["Handover", "LatenessWindow", "Ledger", "Tally"]


@dataclass(frozen=True, slots=True)
class Handover:
    """What a new core gets after a crash: items to reschedule (in order), and items whose cancel was asked."""

    reschedule: tuple[SendItem, ...]
    cancelled: tuple[int, ...]

    def overdue(self, now_ns: int) -> int:
        """How many items to reschedule are already past their deadline."""
        return sum(1 for item in self.reschedule if item.deadline_ns < now_ns)


class Ledger:
    """Items scheduled and not yet finally reported, in the order they were scheduled."""

    def __init__(self) -> None:
        self._pending: dict[int, SendItem] = {}
        self._cancel_asked: set[int] = set()

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._pending

    def add(self, items: Sequence[SendItem]) -> None:
        """Record newly scheduled items; refuses the whole batch if any id is already pending or repeated."""
        seen: set[int] = set()
        for item in items:
            if item.item_id in self._pending or item.item_id in seen:
                raise DuplicateItemError(f"item {item.item_id} is already pending")
            seen.add(item.item_id)
        for item in items:
            self._pending[item.item_id] = item

    def ask_cancel(self, item_ids: Iterable[int]) -> None:
        """These items must not be sent by a core started after now (the running core may still send them)."""
        self._cancel_asked.update(i for i in item_ids if i in self._pending)

    def ask_cancel_cue(self, cue: str) -> None:
        """Every pending item of `cue` must not be sent by a core started after now."""
        self.ask_cancel([i for i, item in self._pending.items() if item.cue == cue])

    def ask_cancel_all(self) -> None:
        """Nothing pending now may be sent by a core started after now."""
        self._cancel_asked.update(self._pending)

    def settle(self, report: Report) -> None:
        """Drop the items a final report covers."""
        if isinstance(report, Sent | SendFailed):
            self._pending.pop(report.item_id, None)
            self._cancel_asked.discard(report.item_id)
        elif isinstance(report, Cancelled):
            for item_id in report.item_ids:
                self._pending.pop(item_id, None)
                self._cancel_asked.discard(item_id)

    def handover(self) -> Handover:
        """Take everything pending for a new core: cancel-asked items are settled as cancelled here."""
        cancelled = tuple(i for i in self._pending if i in self._cancel_asked)
        for item_id in cancelled:
            del self._pending[item_id]
        self._cancel_asked.clear()
        # Stable sort: items sharing a deadline keep the order they were scheduled in.
        reschedule = tuple(sorted(self._pending.values(), key=lambda item: item.deadline_ns))
        return Handover(reschedule, cancelled)

    def take_all(self) -> tuple[SendItem, ...]:
        """Remove and return everything pending (the core is gone for good or the client is closing)."""
        items = tuple(self._pending.values())
        self._pending.clear()
        self._cancel_asked.clear()
        return items


class LatenessWindow:
    """The last `size` lateness samples, with percentiles computed on demand and cached until the next one."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._samples: deque[int] = deque(maxlen=size)
        self._sorted: list[int] | None = None

    def __len__(self) -> int:
        return len(self._samples)

    def add(self, late_ns: int) -> None:
        """Record one send's lateness."""
        self._samples.append(late_ns)
        self._sorted = None

    def percentile_us(self, fraction: float) -> float | None:
        """The nearest-rank percentile in µs (`fraction` 0.5 is the median; `showcall.stats`), None without samples."""
        if not self._samples:
            return None
        if self._sorted is None:
            self._sorted = sorted(self._samples)
        return percentile(self._sorted, fraction) / 1000


class Tally:
    """Counts of what was scheduled and reported, and recent lateness: what `statistics()` returns."""

    def __init__(self, window: int = 4096) -> None:
        self.scheduled = self.sent = self.failed = self.cancelled = 0
        self.early = self.over_1ms = self.over_5ms = 0
        self.lateness = LatenessWindow(window)

    def count(self, report: Report) -> None:
        """Count one report (anything but a final report is ignored)."""
        if isinstance(report, Sent):
            self.sent += 1
            late = report.late_ns
            self.lateness.add(late)
            self.early += late < 0
            self.over_1ms += late > 1_000_000
            self.over_5ms += late > 5_000_000
        elif isinstance(report, SendFailed):
            self.failed += 1
        elif isinstance(report, Cancelled):
            self.cancelled += len(report.item_ids)

    def snapshot(
        self, *, pending: int, mode: str, priority: str, realtime: bool, core_pid: int | None, restarts: int
    ) -> TimingStatistics:
        """The immutable statistics, with what the caller knows about the core."""
        win = self.lateness
        return TimingStatistics(
            scheduled=self.scheduled,
            sent=self.sent,
            failed=self.failed,
            cancelled=self.cancelled,
            pending=pending,
            early=self.early,
            late_over_1ms=self.over_1ms,
            late_over_5ms=self.over_5ms,
            window=len(win),
            lateness_p50_us=win.percentile_us(0.5),
            lateness_p99_us=win.percentile_us(0.99),
            lateness_max_us=win.percentile_us(1.0),
            mode=mode,
            priority=priority,
            realtime=realtime,
            core_pid=core_pid,
            restarts=restarts,
        )
