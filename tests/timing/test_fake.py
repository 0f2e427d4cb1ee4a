"""FakeTimingCore: exact virtual-time behaviour the engine's tests can rely on."""

from __future__ import annotations

import pytest

from showcall.timing import FakeTimingCore, ManualClock, Scheduler, SendItem, WireRecord
from showcall.timing import protocol as p
from showcall.timing.queue import DuplicateItemError
from showcall.transports.base import Endpoint

LX = Endpoint("lx", "osc-udp", host="127.0.0.1", port=8000, panic=(b"/eos/key/stop",))
SND = Endpoint("snd", "osc-udp", host="127.0.0.1", port=9000)


def make() -> tuple[FakeTimingCore, ManualClock, list[p.Report]]:
    clock = ManualClock(1_000)
    core = FakeTimingCore(clock)
    events: list[p.Report] = []
    core.subscribe(events.append)
    core.set_endpoints([LX, SND])
    core.flush()
    events.clear()
    return core, clock, events


def test_it_is_a_scheduler() -> None:
    scheduler: Scheduler = FakeTimingCore()
    assert isinstance(scheduler, Scheduler)


def test_each_item_is_sent_exactly_at_its_deadline_in_order() -> None:
    core, clock, events = make()
    core.schedule([SendItem(1, "LX 1", 5_000, "lx", b"a"), SendItem(2, "LX 1", 3_000, "snd", b"b")])
    core.schedule([SendItem(3, "LX 2", 3_000, "lx", b"c")])
    seen_at: list[int] = []
    core.subscribe(lambda r: seen_at.append(clock.now_ns()))
    core.advance_to(4_000)
    assert events == [p.Sent(2, "LX 1", "snd", 3_000, 3_000), p.Sent(3, "LX 2", "lx", 3_000, 3_000)]
    assert seen_at == [3_000, 3_000]  # delivered with the virtual clock at the deadline
    assert clock.now_ns() == 4_000
    assert core.next_deadline() == 5_000
    core.advance_to(10_000)
    assert events[-1] == p.Sent(1, "LX 1", "lx", 5_000, 5_000)
    assert core.wire == [
        WireRecord("snd", b"b", 3_000, 2),
        WireRecord("lx", b"c", 3_000, 3),
        WireRecord("lx", b"a", 5_000, 1),
    ]


def test_overdue_items_are_sent_at_the_next_delivery_and_reported_late() -> None:
    core, clock, events = make()
    clock.set_ns(9_000)
    core.schedule([SendItem(1, "LX 1", 2_000, "lx", b"a")])
    core.run_due()
    assert events == [p.Sent(1, "LX 1", "lx", 2_000, 9_000)]


def test_cancellations_and_panic() -> None:
    core, clock, events = make()
    core.schedule([SendItem(i, f"LX {i % 2}", 2_000 + i, "lx", b"%d" % i) for i in range(6)])
    core.cancel_items([0, 42])
    core.cancel_cue("LX 1")
    assert events == []  # delivered later, as from the real client
    clock.set_ns(1_500)
    core.panic()
    core.flush()
    assert events == [
        p.Cancelled((0,), "cancel"),
        p.Cancelled((1, 3, 5), "cue"),
        p.Cancelled((2, 4), "panic"),
        p.PanicDone(1, 2, 1_500, 1_500, 1, 0),
    ]
    assert core.wire == [WireRecord("lx", b"/eos/key/stop", 1_500, None)]
    core.advance_to(10**9)
    assert core.statistics().sent == 0
    assert core.statistics().cancelled == 6


def test_devices_that_are_down_or_unknown_fail() -> None:
    core, _, events = make()
    core.fail_device("snd", "connection refused")
    core.schedule([SendItem(1, "SND 1", 2_000, "snd", b""), SendItem(2, "X", 2_000, "nope", b"")])
    core.advance_to(2_000)
    assert events == [
        p.DeviceStatus("snd", "offline", "connection refused"),
        p.SendFailed(1, "SND 1", "snd", 2_000, 2_000, "connection refused"),
        p.SendFailed(2, "X", "nope", 2_000, 2_000, "no such device"),
    ]


def test_duplicates_are_refused_whole() -> None:
    core, _, _ = make()
    core.schedule([SendItem(1, "a", 2_000, "lx", b"")])
    with pytest.raises(DuplicateItemError):
        core.schedule([SendItem(2, "a", 2_000, "lx", b""), SendItem(1, "a", 2_000, "lx", b"")])
    assert core.pending == 1


def test_a_simulated_crash_is_loud_and_loses_nothing() -> None:
    core, _, events = make()
    core.schedule([SendItem(1, "a", 500, "lx", b""), SendItem(2, "a", 5_000, "lx", b"")])
    core.crash()
    core.advance_to(6_000)
    assert events == [
        p.CoreLost(0, -9, "simulated crash", 1_000, 1_000, 2, True),
        p.CoreRestarted(0, 2, 1, 1_000),
        p.Sent(1, "a", "lx", 500, 1_000),
        p.Sent(2, "a", "lx", 5_000, 5_000),
    ]
    stats = core.statistics()
    assert (stats.restarts, stats.sent, stats.lateness_max_us) == (1, 2, 0.5)


def test_advance_to_needs_a_manual_clock() -> None:
    class Wall:
        def now_ns(self) -> int:
            return 0

    with pytest.raises(TypeError, match="ManualClock"):
        FakeTimingCore(Wall()).advance_to(1)


def test_virtual_time_never_goes_back() -> None:
    with pytest.raises(ValueError, match="cannot go back"):
        ManualClock(10).set_ns(5)
