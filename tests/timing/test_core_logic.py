"""The core's decisions with a fake clock and recording outputs: never early, batches, panic, cancels."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from showcall.timing import protocol as p
from showcall.timing.api import SendItem
from showcall.transports.base import Endpoint

if TYPE_CHECKING:
    from conftest import CoreRig

T0 = 1_000_000_000  # the rig's clock starts here


def lx(device: str = "lx", panic: tuple[bytes, ...] = ()) -> Endpoint:
    return Endpoint(device, "osc-udp", host="127.0.0.1", port=9, panic=panic)


def item(item_id: int, deadline: int, cue: str = "LX 1", device: str = "lx") -> SendItem:
    return SendItem(item_id, cue, deadline, device, b"%d" % item_id)


def sent(reports: list[p.Report]) -> list[p.Sent]:
    return [r for r in reports if isinstance(r, p.Sent)]


def test_an_item_is_sent_at_its_deadline_and_not_a_nanosecond_before(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)), p.Schedule((item(1, T0 + 5_000),)))
    rig.receive()
    rig.clock.now = T0 + 4_999
    assert rig.core.send_due() == 0
    rig.clock.now = T0 + 5_000
    assert rig.core.send_due() == 1
    assert rig.outputs["lx"].sent == [(b"F:1", T0 + 5_000)]  # framed when scheduled, sent as is
    (report,) = sent(rig.reports())
    assert (report.item_id, report.due_ns, report.sent_ns, report.late_ns) == (1, T0 + 5_000, T0 + 5_000, 0)


def test_the_spin_ends_exactly_at_the_deadline(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)), p.Schedule((item(1, T0 + 300_000),)))
    rig.receive()
    rig.clock.step = 7_000  # every clock read moves 7 µs
    batch = rig.core.spin_until(T0 + 300_000)
    # The batch is taken 60 µs ahead and the send loop run dry over it (one more read), then the spin
    # goes on until a read says the deadline has come: T0 + 301 µs; nothing is sent before.
    assert batch is not None and [e.item.item_id for e in batch] == [1]
    assert rig.outputs["lx"].sent == []
    assert rig.clock.now == T0 + 308_000
    rig.core.send_batch(batch)
    (report,) = sent(rig.reports())
    assert report.sent_ns == T0 + 308_000  # the next read stamps the send


def test_a_core_that_wakes_inside_the_last_stretch_still_waits_for_the_deadline(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)), p.Schedule((item(1, T0 + 20_000), item(2, T0 + 20_000))))
    rig.receive()
    rig.clock.step = 1_000
    batch = rig.core.spin_until(T0 + 20_000)
    # Read at T0 (taken, dry run: two reads), then reads until one says T0 + 20 µs.
    assert batch is not None and rig.clock.now == T0 + 21_000
    rig.core.send_batch(batch)
    assert [r.sent_ns - r.due_ns for r in sent(rig.reports())] == [1_000, 2_000]


def test_same_deadline_batch_goes_out_back_to_back_in_order_across_devices(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx("a"), lx("b"))))
    items = tuple(item(i, T0 + 10_000_000, device="ab"[i % 2]) for i in range(10))
    rig.send(p.Schedule(items[:6]), p.Schedule(items[6:]))
    rig.receive()
    rig.clock.now = T0 + 10_000_000
    rig.clock.step = 1
    assert rig.core.send_due() == 10
    assert [r.item_id for r in sent(rig.reports())] == list(range(10))
    assert [w for w, _ in rig.outputs["a"].sent] == [b"F:%d" % i for i in range(0, 10, 2)]
    assert [w for w, _ in rig.outputs["b"].sent] == [b"F:%d" % i for i in range(1, 10, 2)]


def test_a_late_core_sends_everything_overdue_in_deadline_order(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)), p.Schedule((item(1, T0 + 300), item(2, T0 + 100), item(3, T0 + 200))))
    rig.receive()
    rig.clock.now = T0 + 250
    rig.core.send_due()
    assert [(r.item_id, r.late_ns) for r in sent(rig.reports())] == [(2, 150), (3, 50)]


def test_cancel_item_and_cue(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)))
    rig.send(p.Schedule((item(1, T0 + 100, "LX 1"), item(2, T0 + 100, "LX 2"), item(3, T0 + 200, "LX 2"))))
    rig.send(p.CancelItems((1, 77)), p.CancelCue("LX 2"))
    rig.receive()
    assert rig.reports() == [
        p.DeviceStatus("lx", "online", ""),
        p.Cancelled((1,), "cancel"),
        p.Cancelled((2, 3), "cue"),
    ]
    rig.clock.now = T0 + 1_000
    assert rig.core.send_due() == 0


def test_unknown_device_and_device_down_fail_with_the_reason(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)), p.Schedule((item(1, T0, device="nope"), item(2, T0))))
    rig.receive()
    rig.reports()
    rig.outputs["lx"].down_reason = "connection refused"
    rig.core.send_due()
    assert rig.reports() == [
        p.SendFailed(1, "LX 1", "nope", T0, T0, "no such device"),
        p.SendFailed(2, "LX 1", "lx", T0, T0, "connection refused"),
        p.DeviceStatus("lx", "offline", "connection refused"),
    ]


def test_duplicate_id_is_reported_not_queued_twice(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)), p.Schedule((item(1, T0 + 10**8),)), p.Schedule((item(1, T0 + 2 * 10**8),)))
    rig.receive()
    failed = [r for r in rig.reports() if isinstance(r, p.SendFailed)]
    assert failed == [p.SendFailed(1, "LX 1", "lx", T0 + 2 * 10**8, T0, "item 1 is already pending")]


def test_panic_cancels_queued_and_unread_schedules_then_sends_stop_packets(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(panic=(b"/stop",)),)), p.Schedule((item(1, T0 + 100),)))
    rig.receive()
    rig.reports()
    # Schedule(2, 3) and a cancel sit unread ahead of the panic; a schedule after it survives.
    rig.send(p.Schedule((item(2, T0 + 50), item(3, T0 + 60))), p.CancelItems((1,)))
    rig.send(p.Panic(7, T0 - 40), p.Schedule((item(4, T0 + 70),)))
    rig.receive()
    assert rig.reports() == [
        p.Cancelled((2, 3, 1), "panic"),
        p.PanicDone(7, 3, T0 - 40, T0, 1, 0),
    ]
    assert rig.outputs["lx"].sent == [(b"F:/stop", T0)]
    assert rig.core.queue.next_deadline() == T0 + 70


def test_panic_mid_burst_stops_the_rest_of_the_cue(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)), p.Schedule(tuple(item(i, T0 + 100, "VID 3") for i in range(512))))
    rig.receive()
    rig.reports()

    def panic_on_40th(count: int) -> None:
        if count == 40:
            rig.send(p.Panic(1, rig.clock.now))

    rig.outputs["lx"].on_send = panic_on_40th
    rig.clock.now = T0 + 100
    rig.core.send_due()
    reports = rig.reports()
    # The core looks for a panic every 32 sends: the one sent during the 40th is seen before the 65th.
    assert [r.item_id for r in sent(reports)] == list(range(64))
    cancelled = [r for r in reports if isinstance(r, p.Cancelled)]
    assert cancelled == [p.Cancelled(tuple(range(64, 512)), "panic")]
    assert len(rig.outputs["lx"].sent) == 64


def test_expensive_commands_wait_while_a_deadline_is_near_cheap_ones_do_not(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)), p.Schedule((item(1, T0 + 200_000), item(2, T0 + 900_000))))
    rig.receive()
    rig.send(p.CancelItems((2,)), p.Schedule((item(3, T0 + 5_000_000),)), p.CancelItems((1,)))
    rig.receive()
    # The first cancel is handled at once; the schedule waits (a deadline 200 µs away), and so does the
    # cancel behind it, to keep the order the engine wrote them in.
    assert [r for r in rig.reports() if isinstance(r, p.Cancelled)] == [p.Cancelled((2,), "cancel")]
    assert rig.core.queue.next_deadline() == T0 + 200_000
    rig.clock.now = T0 + 200_000
    rig.core.send_due()
    rig.core.process_frames()
    assert rig.core.queue.next_deadline() == T0 + 5_000_000


def test_a_held_back_schedule_waits_at_most_50_ms(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)), p.Schedule((item(1, T0 + 100_000),)))
    rig.receive()
    rig.send(p.Schedule((item(2, T0 + 10**9),)))
    rig.receive()
    assert 2 not in rig.core.queue
    rig.clock.now = T0 + 50_000_001
    rig.core.queue.cancel_all()
    rig.core.queue.add(item(9, T0 + 50_100_000))  # a deadline near again, but the schedule has waited enough
    rig.core.process_frames()
    assert 2 in rig.core.queue


def test_a_cancel_during_the_spin_stops_the_send(make_rig: Callable[..., CoreRig]) -> None:
    rig = make_rig(guard_ns=500_000)
    rig.send(p.SetEndpoints((lx(),)), p.Schedule((item(1, T0 + 400_000),)))
    rig.receive()
    rig.send(p.CancelItems((1,)))
    rig.clock.step = 1_000
    assert rig.core.spin_until(T0 + 400_000) is None  # seen at the first poll, 300 µs ahead
    assert rig.core.queue.next_deadline() is None
    assert [r for r in rig.reports() if isinstance(r, p.Cancelled)] == [p.Cancelled((1,), "cancel")]


def test_the_core_stops_when_the_engine_goes_away(rig: CoreRig) -> None:
    rig.engine.close()
    rig.core.read_control()
    assert rig.core.stopping


def test_a_core_whose_engine_died_sends_nothing_even_inside_the_last_stretch(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)), p.Schedule((item(1, T0 + 50_000),)))
    rig.receive()
    rig.engine.close()  # killed 50 µs before the deadline: past the last poll of the spin
    rig.clock.step = 1_000
    assert rig.core.spin_until(T0 + 50_000) is None
    assert rig.core.stopping and rig.outputs["lx"].sent == []


def test_a_mirrored_core_tells_the_backup_of_each_batch_it_sent_signed(rig: CoreRig) -> None:
    import socket

    from showcall.timing.mirror import decode_sends

    backup = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    backup.bind(("127.0.0.1", 0))
    backup.settimeout(5)
    try:
        rig.send(p.SetEndpoints((lx(), lx("down"))), p.SetMirror(backup.getsockname(), b"k" * 32))
        rig.send(p.Schedule((item(1, T0 + 100), item(2, T0 + 100, device="down"), item(3, T0 + 100, cue="LX 2"))))
        rig.receive()
        rig.outputs["down"].down_reason = "connection refused"
        rig.clock.now = T0 + 150
        rig.core.send_due()
        told = decode_sends(b"k" * 32, backup.recv(65536))
    finally:
        backup.close()
    assert told == [("LX 1", "lx", T0 + 100, T0 + 150), ("LX 2", "lx", T0 + 100, T0 + 150)]  # not the failed one


def test_reports_never_block_the_core(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)))
    rig.receive()
    # The engine stops reading; the core keeps queueing reports in memory instead of blocking.
    for n in range(200):
        rig.core.queue.add(SendItem(n, "x" * 50_000, T0, "lx", b"y" * 100))
        rig.core.send_due()
        rig.core.flush()
    assert rig.core.unsent_bytes() > 0
    assert len(rig.outputs["lx"].sent) == 200
    assert len(sent(rig.reports())) == 200


def test_a_send_limit_fences_the_core_and_what_it_holds_back_is_reported_fenced(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(panic=(b"/stop",)),)))
    rig.send(p.Schedule((item(1, T0 + 100), item(2, T0 + 200), item(3, T0 + 300))), p.SendLimit(T0 + 200))
    rig.receive()
    rig.reports()
    rig.clock.now = T0 + 200  # on the limit: still allowed
    assert rig.core.send_due() == 2
    rig.clock.now = T0 + 300  # past it: held back, not sent
    assert rig.core.send_due() == 0
    assert [r for r in rig.reports() if isinstance(r, p.Cancelled)] == [p.Cancelled((3,), "fenced")]
    rig.send(p.Panic(1, T0))
    rig.receive()
    assert [w for w, _ in rig.outputs["lx"].sent] == [b"F:1", b"F:2"]  # no stop packets from a fenced core
    rig.send(p.SendLimit(None), p.Schedule((item(4, T0 + 300),)))  # lifted: it sends again
    rig.receive()
    rig.core.send_due()
    assert [w for w, _ in rig.outputs["lx"].sent] == [b"F:1", b"F:2", b"F:4"]


def test_a_late_core_checks_the_limit_when_it_sends_not_the_deadline(rig: CoreRig) -> None:
    rig.send(p.SetEndpoints((lx(),)), p.Schedule((item(1, T0 + 100),)), p.SendLimit(T0 + 150))
    rig.receive()
    rig.clock.now = T0 + 151  # due before the limit, but the core only gets to it after: a frozen main
    assert rig.core.send_due() == 0
    assert rig.outputs["lx"].sent == []
