"""FakeScheduler: the real client's behaviour in virtual time, late and out of band, that engine tests rely on."""

from __future__ import annotations

import pytest

from showcall.timing import FakeClock, FakeScheduler, Scheduler, SendItem, WireRecord
from showcall.timing import protocol as p
from showcall.timing.queue import DuplicateItemError
from showcall.transports.base import Endpoint

US = 1_000
T0 = 1_000_000


def make(command_ns: int = 0, report_ns: int = 0) -> tuple[FakeScheduler, FakeClock, list[p.Report]]:
    clock = FakeClock(T0)
    core = FakeScheduler(clock)
    reports: list[p.Report] = []
    core.set_endpoints([Endpoint("lx", "osc-udp", host="127.0.0.1", port=8000, panic=(b"stop",))])
    clock.advance(0)  # its "online" report, before anyone listens
    core.command_ns, core.report_ns = command_ns, report_ns
    core.subscribe(reports.append)
    return core, clock, reports


def item(item_id: int, due: int, device: str = "lx", cue: str = "1") -> SendItem:
    return SendItem(item_id, cue, due, device, f"m{item_id}".encode())


def test_it_is_a_scheduler() -> None:
    scheduler: Scheduler = FakeScheduler(FakeClock())
    assert isinstance(scheduler, Scheduler)


def test_items_go_at_their_deadlines_in_order_and_reports_never_arrive_inside_a_call() -> None:
    core, clock, reports = make()
    core.schedule([item(2, T0 + 3_000), item(1, T0 + 2_000), item(3, T0 + 3_000)])
    assert reports == []  # nothing is delivered from inside schedule()
    clock.advance_to(T0 + 10_000)
    assert core.wire == [
        WireRecord("lx", b"m1", T0 + 2_000, 1, "1"),
        WireRecord("lx", b"m2", T0 + 3_000, 2, "1"),
        WireRecord("lx", b"m3", T0 + 3_000, 3, "1"),
    ]
    assert [(r.item_id, r.sent_ns - r.due_ns) for r in reports if isinstance(r, p.Sent)] == [(1, 0), (2, 0), (3, 0)]


def test_commands_and_reports_take_their_time_each_way() -> None:
    core, clock, reports = make(command_ns=300 * US, report_ns=200 * US)
    core.schedule([item(1, T0 + 100 * US)])  # due before it can reach the core: it goes late
    clock.advance_to(T0 + 300 * US)
    assert core.wire == [WireRecord("lx", b"m1", T0 + 300 * US, 1, "1")]
    assert reports == []  # its report is still on its way back
    clock.advance_to(T0 + 500 * US)
    (sent,) = reports
    assert isinstance(sent, p.Sent) and sent.late_ns == 200 * US


def test_a_cancel_that_arrives_after_the_send_loses_the_race() -> None:
    core, clock, reports = make(command_ns=300 * US, report_ns=200 * US)
    core.schedule([item(1, T0 + 1_000 * US), item(2, T0 + 5_000 * US)])
    clock.advance_to(T0 + 900 * US)
    core.cancel_items([1, 2])  # reaches the core at 1.2 ms: item 1 went at 1.0 ms
    clock.advance_to(T0 + 10_000 * US)
    assert [w.item_id for w in core.wire] == [1]
    assert [type(r).__name__ for r in reports] == ["Sent", "Cancelled"]
    cancelled = reports[1]
    assert isinstance(cancelled, p.Cancelled) and cancelled.item_ids == (2,)
    assert core.unsettled == 0


def test_panic_cancels_what_the_core_holds_and_sends_the_stop_packets() -> None:
    core, clock, reports = make(command_ns=300 * US)
    core.schedule([item(1, T0 + 1_000 * US), item(2, T0 + 5_000 * US)])
    clock.advance_to(T0 + 900 * US)
    core.panic()  # reaches the core at 1.2 ms, after item 1 went
    clock.advance_to(T0 + 10_000 * US)
    assert [(w.item_id, w.payload) for w in core.wire] == [(1, b"m1"), (None, b"stop")]
    done = [r for r in reports if isinstance(r, p.PanicDone)]
    assert len(done) == 1 and done[0].cancelled == 1 and done[0].stop_packets_sent == 1


def test_devices_that_are_down_or_unknown_fail() -> None:
    core, clock, reports = make()
    core.fail_device("lx", "connection refused")
    core.schedule([item(1, T0 + 10), item(2, T0 + 10, device="nope")])
    clock.advance_to(T0 + 100)
    failed = [(r.item_id, r.reason) for r in reports if isinstance(r, p.SendFailed)]
    assert failed == [(1, "connection refused"), (2, "no such device")]
    assert p.DeviceStatus("lx", "offline", "connection refused") in reports
    core.restore_device("lx")
    clock.advance(0)
    assert reports[-1] == p.DeviceStatus("lx", "online", "")


def test_duplicates_are_refused_whole() -> None:
    core, clock, _ = make()
    core.schedule([item(1, T0 + 10)])
    with pytest.raises(DuplicateItemError):
        core.schedule([item(5, T0 + 10), item(1, T0 + 20)])
    clock.advance_to(T0 + 100)
    assert [w.item_id for w in core.wire] == [1]


def test_a_simulated_crash_is_loud_and_loses_nothing() -> None:
    core, clock, reports = make()
    core.schedule([item(1, T0 + 5_000)])
    clock.advance(0)
    core.crash()
    clock.advance_to(T0 + 6_000)
    assert [type(r).__name__ for r in reports] == ["CoreLost", "CoreRestarted", "Sent"]
    assert core.statistics().restarts == 1


def test_virtual_time_never_goes_back_and_same_time_timers_run_in_order() -> None:
    clock = FakeClock(10)
    ran: list[int] = []
    clock.call_at(20, lambda: ran.append(1))
    clock.call_at(20, lambda: ran.append(2))
    clock.call_at(5, lambda: ran.append(0))  # already past: runs at the next advance, first
    clock.advance_to(8)
    assert clock.now_ns() == 10
    clock.advance_to(30)
    assert ran == [0, 1, 2]


def test_a_send_limit_holds_back_what_is_due_after_it_like_the_core() -> None:
    core, clock, reports = make(command_ns=300 * US)
    core.schedule([item(1, T0 + 1_000 * US), item(2, T0 + 3_000 * US)])
    core.set_send_limit(T0 + 2_000 * US)
    clock.advance_to(T0 + 10_000 * US)
    assert [w.item_id for w in core.wire] == [1]
    assert reports[-1] == p.Cancelled((2,), "fenced")
    core.panic()
    clock.advance(1_000 * US)
    assert [w.item_id for w in core.wire] == [1]  # a fenced core sends no stop packets either
    assert core.unsettled == 0
