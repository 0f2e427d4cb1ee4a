"""The gate between a linked console's engine and its timing core, on virtual time with the fake core."""

from __future__ import annotations

from showcall.backup.gate import SKIPPED, Doubt, Gate
from showcall.timing import protocol as p
from showcall.timing.api import SendItem
from showcall.timing.fake import FakeClock, FakeScheduler
from showcall.transports.base import Endpoint

MS = 1_000_000
T0 = 1_000_000_000_000
LX = Endpoint("lx", "osc-udp", host="127.0.0.1", port=9, panic=(b"/stop",))


def make(command_ns: int = 0) -> tuple[Gate, FakeScheduler, FakeClock, list[p.Report]]:
    clock = FakeClock(T0)
    core = FakeScheduler(clock, command_ns=command_ns)
    gate = Gate(core, [LX], clock.now_ns, lambda cb: clock.call_at(clock.now_ns(), cb))
    reports: list[p.Report] = []
    gate.subscribe(reports.append)
    return gate, core, clock, reports


def item(item_id: int, due_ms: float, cue: str = "1") -> SendItem:
    return SendItem(item_id, cue, T0 + round(due_ms * MS), "lx", b"m%d" % item_id)


def wire(core: FakeScheduler) -> list[tuple[int | None, float]]:
    return [(w.item_id, (w.at_ns - T0) / MS) for w in core.wire]


def test_a_following_console_opens_no_device_and_sends_nothing() -> None:
    gate, core, clock, reports = make()
    gate.schedule([item(1, 10)])  # a following engine never does; if it did, nothing would go
    clock.advance(100 * MS)
    assert core.endpoints == {} and core.wire == [] and reports == []
    gate.cancel_items([1])
    clock.advance(0)
    assert reports == [p.Cancelled((1,), "cancel")]


def test_a_leased_core_holds_back_past_the_lease_and_sends_late_when_a_lease_covers_it() -> None:
    gate, core, clock, reports = make()
    gate.lead()
    gate.lease(T0 + 50 * MS)
    gate.schedule([item(1, 10), item(2, 60), item(3, 200)])
    clock.advance_to(T0 + 100 * MS)
    assert wire(core) == [(1, 10.0)]
    assert gate.holding
    assert [type(r).__name__ for r in reports] == ["DeviceStatus", "Sent"]  # no cancel reaches the engine
    gate.lease(T0 + 300 * MS)  # the backup answers again
    clock.advance_to(T0 + 300 * MS)
    assert wire(core) == [(1, 10.0), (2, 100.0), (3, 200.0)]  # late, once, in order
    assert not gate.holding and gate.unsettled == 0


def test_a_cancel_of_something_held_back_is_reported_cancelled() -> None:
    gate, core, clock, reports = make()
    gate.lead()
    gate.lease(T0)
    gate.schedule([item(1, 10)])
    clock.advance_to(T0 + 20 * MS)
    gate.cancel_items([1])
    clock.advance(0)
    assert reports[-1] == p.Cancelled((1,), "cancel")
    gate.lease(None)
    clock.advance_to(T0 + 100 * MS)
    assert core.wire == []


def test_standing_down_stops_the_core_at_once_and_what_went_is_still_reported() -> None:
    gate, core, clock, reports = make(command_ns=300_000)
    gate.lead()
    clock.advance(0)
    gate.schedule([item(1, 10), item(2, 10.5), item(3, 50)])
    clock.advance_to(T0 + 10 * MS - 100_000)
    gate.stand_down()  # reaches the core 300 µs later: item 1 has gone by then (reported), item 2 not
    gate.cancel_items([1, 2, 3])
    clock.advance_to(T0 + 100 * MS)
    assert wire(core) == [(1, 10.0)]
    assert next(r for r in reports if isinstance(r, p.Sent)).item_id == 1
    cancelled = sorted(i for r in reports if isinstance(r, p.Cancelled) for i in r.item_ids)
    assert cancelled == [2, 3] and gate.unsettled == 0
    gate.release_devices()
    clock.advance(MS)
    assert core.endpoints == {}


def test_at_a_take_over_the_sends_in_doubt_wait_for_the_operator_with_ask() -> None:
    gate, core, clock, reports = make()
    clock.advance_to(T0 + 500 * MS)
    gate.lead()
    gate.taking_over(T0 + 400 * MS, ask=True)
    gate.schedule([item(1, 350), item(2, 450), item(3, 600)])  # 1: in doubt; 2: overdue, surely not sent
    assert gate.taken_over() == (Doubt(1, "1", "lx", T0 + 350 * MS),)
    clock.advance_to(T0 + 700 * MS)
    assert wire(core) == [(2, 500.0), (3, 600.0)]
    assert gate.doubts() == (Doubt(1, "1", "lx", T0 + 350 * MS),)
    assert gate.decide(fire=False) == 1
    clock.advance(0)
    failed = reports[-1]
    assert isinstance(failed, p.SendFailed) and (failed.item_id, failed.reason) == (1, SKIPPED)
    assert wire(core) == [(2, 500.0), (3, 600.0)] and gate.doubts() == ()


def test_with_fire_the_sends_in_doubt_go_at_once_in_deadline_order() -> None:
    gate, core, clock, _ = make()
    clock.advance_to(T0 + 500 * MS)
    gate.lead()
    gate.taking_over(T0 + 400 * MS, ask=False)
    gate.schedule([item(2, 450), item(1, 350), item(3, 600)])
    assert [d.item_id for d in gate.taken_over()] == [1]
    clock.advance_to(T0 + 700 * MS)
    assert wire(core) == [(1, 500.0), (2, 500.0), (3, 600.0)]


def test_a_fenced_panic_sends_no_stop_packets() -> None:
    gate, core, clock, _ = make()
    gate.lead()
    gate.lease(T0 + 10 * MS)
    clock.advance_to(T0 + 20 * MS)
    gate.panic()
    clock.advance(MS)
    assert core.wire == []
    gate.lease(None)
    gate.panic()
    clock.advance(MS)
    assert [w.payload for w in core.wire] == [b"/stop"]


def test_a_send_the_other_core_said_it_made_is_reported_sent_and_not_sent_again() -> None:
    gate, core, clock, reports = make()
    clock.advance_to(T0 + 500 * MS)
    gate.lead()
    told = {1: T0 + 350 * MS + 40_000}  # the dying main's core: item 1 went 40 µs late
    gate.taking_over(T0 + 400 * MS, ask=True, sent_elsewhere=lambda i: told.get(i.item_id))
    gate.schedule([item(1, 350), item(2, 380)])
    assert [d.item_id for d in gate.taken_over()] == [2]  # only the one nobody said anything of is in doubt
    clock.advance(MS)
    assert core.wire == []
    sent = [r for r in reports if isinstance(r, p.Sent)]
    assert sent == [p.Sent(1, "1", "lx", T0 + 350 * MS, T0 + 350 * MS + 40_000)]
