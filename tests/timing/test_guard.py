"""GuardLearner: the spin guard widened to cover this run's late wake-ups, within bounds, and narrowed again."""

from __future__ import annotations

import selectors

from timing.conftest import StepClock

from showcall.timing.api import SendItem
from showcall.timing.core import Core, CoreConfig
from showcall.timing.guard import MARGIN_NS, WINDOW, GuardLearner
from showcall.timing.modes import PRECISE

US = 1_000


def test_the_guard_covers_the_longest_recent_wake_up_within_its_bounds() -> None:
    learner = GuardLearner(base_ns=200 * US, max_ns=1_000 * US)
    assert learner.woke(30 * US) == 200 * US  # short wake-ups: the mode's guard stands
    assert learner.woke(400 * US) == 400 * US + MARGIN_NS
    assert learner.woke(5_000 * US) == 1_000 * US  # never beyond the ceiling
    assert learner.woke(-3) == 1_000 * US  # an early wake-up counts as on time


def test_the_guard_narrows_once_the_long_wake_ups_leave_the_window() -> None:
    learner = GuardLearner(base_ns=200 * US, max_ns=1_000 * US)
    learner.woke(700 * US)
    for _ in range(WINDOW - 1):
        learner.woke(10 * US)
    assert learner.guard_ns == 700 * US + MARGIN_NS  # still in the window
    learner.woke(10 * US)
    assert learner.guard_ns == 200 * US and learner.widest_ns == 10 * US


class _TimerOnlyWaiter:
    """A waiter whose every wait ends by its timer, `late_ns` after the time asked for."""

    def __init__(self, clock: StepClock, late_ns: int) -> None:
        self.selector = selectors.DefaultSelector()
        self.clock, self.late_ns, self.asked = clock, late_ns, []

    def wait(self, until_ns: int | None) -> list[tuple[selectors.SelectorKey, int]]:
        assert until_ns is not None
        self.asked.append(until_ns)
        self.clock.now = until_ns + self.late_ns
        return []

    def close(self) -> None:
        self.selector.close()


def test_the_core_wakes_earlier_after_a_late_wake_up(make_rig) -> None:  # type: ignore[no-untyped-def]
    rig = make_rig()
    clock = StepClock()
    waiter = _TimerOnlyWaiter(clock, late_ns=600 * US)
    config = CoreConfig(PRECISE, learn_guard_ns=1_500 * US, heartbeat_ns=10**12)
    core = Core(rig.core_end, config, clock=clock, waiter=waiter)  # type: ignore[arg-type]
    core.queue.add(SendItem(1, "1", clock.now + 50_000_000, "lx", b"x"))
    core.queue.add(SendItem(2, "2", clock.now + 90_000_000, "lx", b"y"))
    core.step()  # the first heartbeat is due at once
    core.step()  # asks to wake 500 µs before the first deadline, is woken 600 µs late
    assert waiter.asked[-1] == clock.now - 600 * US == core.queue.next_deadline() - 500 * US
    assert core.guard_ns == 650 * US
    core.close()
