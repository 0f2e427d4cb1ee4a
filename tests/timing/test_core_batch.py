"""Many-message cues: consecutive items of one device go out in `send_many` calls, planned before the deadline.

A fake clock and recording outputs for the decisions (chunks, stamps, refusals, panic, how early a cue is
planned); a real core with real sockets for what reaches the wire and how its stamps compare to it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import build_msg

from showcall.timing import protocol as p
from showcall.timing.api import SendItem
from showcall.timing.core import BURST_POLL_EVERY, REHEARSE_AT_NS
from showcall.timing.sendplan import BATCH_MIN
from showcall.transports.base import Endpoint

if TYPE_CHECKING:
    from conftest import CoreRig, RecordingBatchOutput, UdpReceiver

T0 = 1_000_000_000  # the rig's clock starts here


def lx(device: str) -> Endpoint:
    return Endpoint(device, "osc-udp", host="127.0.0.1", port=9)


def items(ids: range, deadline: int, device: str) -> tuple[SendItem, ...]:
    return tuple(SendItem(i, "VID 3", deadline, device, b"%d" % i) for i in ids)


def sent(reports: list[p.Report]) -> list[p.Sent]:
    return [r for r in reports if isinstance(r, p.Sent)]


def batcher(rig: CoreRig, device: str) -> RecordingBatchOutput:
    out = rig.outputs[device]
    assert hasattr(out, "calls")
    return out  # type: ignore[return-value]


def test_a_cue_for_one_device_goes_out_in_calls_of_32_each_item_stamped_after_its_call(batch_rig: CoreRig) -> None:
    rig = batch_rig
    rig.send(p.SetEndpoints((lx("vid"),)), p.Schedule(items(range(512), T0 + 100, "vid")))
    rig.receive()
    rig.reports()
    rig.clock.now = T0 + 100
    assert rig.core.send_due() == 512
    out = batcher(rig, "vid")
    assert [len(wires) for wires, _ in out.calls] == [BURST_POLL_EVERY] * 16
    assert [w for w, _ in out.sent] == [b"F:%d" % i for i in range(512)]  # framed at schedule time, in order
    reports = sent(rig.reports())
    assert [r.item_id for r in reports] == list(range(512))
    on_wire = [at for _, at in out.sent]
    for call in range(16):
        mine = reports[32 * call : 32 * call + 32]
        # Every item of a call has the clock read after the call returned: never before its own send.
        assert {r.sent_ns for r in mine} == {on_wire[32 * call + 31]}
        assert all(r.sent_ns >= at for r, at in zip(mine, on_wire[32 * call : 32 * call + 32], strict=True))
    assert min(r.sent_ns for r in reports) > T0 + 100


def test_short_runs_other_devices_and_unbatchable_outputs_go_item_by_item(batch_rig: CoreRig) -> None:
    rig = batch_rig
    rig.send(p.SetEndpoints((lx("a"), lx("b"), lx("single"))))
    plan = [("a", 2), ("b", 40), ("single", 10), ("ghost", 5), ("b", BATCH_MIN - 1), ("a", BATCH_MIN)]
    cue: list[SendItem] = []
    for device, count in plan:
        cue += items(range(len(cue), len(cue) + count), T0, device)
    rig.send(p.Schedule(tuple(cue)))  # one schedule: a second one would wait, the deadline being near
    rig.receive()
    rig.reports()
    rig.core.send_due()
    reports = rig.reports()
    # Items 2-41 for b are cut where the core looks for a panic (index 32): calls of 30 and 10.
    assert [len(w) for w, _ in batcher(rig, "b").calls] == [30, 10]
    assert [w for w, _ in rig.outputs["b"].sent] == [b"F:%d" % i for i in [*range(2, 42), 57, 58, 59]]
    assert [len(w) for w, _ in batcher(rig, "a").calls] == [BATCH_MIN]
    assert [w for w, _ in rig.outputs["a"].sent] == [b"F:%d" % i for i in [0, 1, *range(60, 64)]]
    assert [w for w, _ in rig.outputs["single"].sent] == [b"F:%d" % i for i in range(42, 52)]
    done = [(r.item_id, type(r).__name__) for r in reports if isinstance(r, p.Sent | p.SendFailed)]
    assert done == [(i, "SendFailed" if 52 <= i < 57 else "Sent") for i in range(64)]
    assert {r.reason for r in reports if isinstance(r, p.SendFailed)} == {"no such device"}


def test_a_refusal_mid_call_fails_the_rest_of_that_call_only_one_report_each(batch_rig: CoreRig) -> None:
    rig = batch_rig
    rig.send(p.SetEndpoints((lx("vid"),)), p.Schedule(items(range(100), T0, "vid")))
    rig.receive()
    rig.reports()
    batcher(rig, "vid").refuse[1] = 10  # the second call: 10 wires go, then the device refuses
    rig.core.send_due()
    reports = [r for r in rig.reports() if isinstance(r, p.Sent | p.SendFailed)]
    assert sorted(r.item_id for r in reports) == list(range(100))
    failed = [r for r in reports if isinstance(r, p.SendFailed)]
    assert [r.item_id for r in failed] == list(range(42, 64))
    assert {r.reason for r in failed} == {"no buffer space available"}
    assert [w for w, _ in rig.outputs["vid"].sent] == [b"F:%d" % i for i in [*range(42), *range(64, 100)]]


def test_panic_mid_cue_stops_it_at_the_next_call(batch_rig: CoreRig) -> None:
    rig = batch_rig
    rig.send(p.SetEndpoints((lx("vid"),)), p.Schedule(items(range(512), T0, "vid")))
    rig.receive()
    rig.reports()

    def panic_during_the_second_call(count: int) -> None:
        if count == 64:
            rig.send(p.Panic(1, rig.clock.now))

    rig.outputs["vid"].on_send = panic_during_the_second_call
    rig.core.send_due()
    reports = rig.reports()
    assert [r.item_id for r in sent(reports)] == list(range(64))
    assert [r for r in reports if isinstance(r, p.Cancelled)] == [p.Cancelled(tuple(range(64, 512)), "panic")]
    assert len(rig.outputs["vid"].sent) == 64


def test_a_big_cue_is_planned_when_the_spin_starts_and_sent_no_earlier_than_its_deadline(
    make_rig: Callable[..., CoreRig],
) -> None:
    rig = make_rig(guard_ns=500_000, batching=True)
    due = T0 + 1_000_000
    rig.send(p.SetEndpoints((lx("vid"),)), p.Schedule(items(range(512), due, "vid")))
    rig.receive()
    rig.clock.step = 1_000
    batch = rig.core.spin_until(due)
    out = batcher(rig, "vid")
    # Prepared once, as the spin began, a millisecond ahead; nothing sent before the deadline.
    assert out.prepared_at == [T0]
    assert out.calls == [] and rig.clock.now >= due
    assert batch is not None
    rig.core.send_batch(batch)
    assert out.prepared_at == [T0]  # the plan made ahead was the one used
    assert len(out.calls) == 16 and min(at for _, at in out.calls) >= due


def test_a_cancel_during_the_spin_has_the_cue_planned_again_without_the_item(
    make_rig: Callable[..., CoreRig],
) -> None:
    rig = make_rig(guard_ns=500_000, batching=True)
    due = T0 + 1_000_000
    rig.send(p.SetEndpoints((lx("vid"),)), p.Schedule(items(range(512), due, "vid")))
    rig.receive()
    rig.send(p.CancelItems((7,)))  # read at the spin's first poll, after the cue was planned
    rig.clock.step = 1_000
    batch = rig.core.spin_until(due)
    assert batch is not None
    rig.core.send_batch(batch)
    out = batcher(rig, "vid")
    assert len(out.prepared_at) == 2 and out.prepared_at[1] < due - REHEARSE_AT_NS
    assert [w for w, _ in out.sent] == [b"F:%d" % i for i in range(512) if i != 7]
    reports = rig.reports()
    assert p.Cancelled((7,), "cancel") in reports
    assert [r.item_id for r in sent(reports)] == [i for i in range(512) if i != 7]


def test_new_endpoints_drop_a_plan_made_with_the_old_outputs(batch_rig: CoreRig) -> None:
    rig = batch_rig
    due = T0 + 10**9
    rig.send(p.SetEndpoints((lx("vid"),)), p.Schedule(items(range(64), due, "vid")))
    rig.receive()
    old = batcher(rig, "vid")
    rig.core._plan_ahead(due)  # what a spin does first; endpoints arriving then wait 50 ms at most
    rig.send(p.SetEndpoints((Endpoint("vid", "osc-udp", host="127.0.0.1", port=10),)))
    rig.receive()
    new = batcher(rig, "vid")
    assert new is not old and old.closed
    rig.clock.now = due
    rig.core.send_due()
    assert (len(old.prepared_at), old.calls) == (1, [])
    assert [len(w) for w, _ in new.calls] == [32, 32]


def test_the_core_wakes_earlier_for_a_big_cue_than_for_a_lone_item(make_rig: Callable[..., CoreRig]) -> None:
    rig = make_rig(guard_ns=200_000, batching=True)
    due = T0 + 1_000_000
    rig.send(p.SetEndpoints((lx("vid"), lx("lx"))), p.Schedule(items(range(512), due, "vid")))
    rig.send(p.Schedule(items(range(1000, 1001), due + 10_000_000, "lx")))
    rig.receive()
    rig.clock.now, rig.clock.step = due - 400_000, 1_000  # beyond the guard, within guard + planning
    rig.core.step()
    assert len(rig.outputs["vid"].sent) == 512
    rig.clock.now = due + 10_000_000 - 400_000
    rig.core.step()  # a lone item that far ahead: the core waits (the fake times are long past for the timer)
    assert rig.outputs["lx"].sent == []


def test_a_real_cue_reaches_the_wire_whole_and_no_stamp_is_earlier_than_its_datagram(
    make_rig: Callable[..., CoreRig], receiver: UdpReceiver
) -> None:
    rig = make_rig(real=True)
    rig.send(p.SetEndpoints((receiver.endpoint("vid"),)))
    rig.receive()
    payloads = [bytes(build_msg("/vid/layer", [i, "go" * (i % 7)]).dgram) for i in range(512)]
    due = time.monotonic_ns()
    rig.send(p.Schedule(tuple(SendItem(i, "VID 3", due, "vid", payloads[i]) for i in range(512))))
    rig.receive()
    assert rig.core.send_due() == 512
    packets = receiver.drain()
    assert [data for data, _ in packets] == payloads
    assert [OscMessage(data).params[0] for data, _ in packets] == list(range(512))
    reports = sent(rig.reports())
    assert [r.item_id for r in reports] == list(range(512))
    # One stamp per sendmmsg call of 32, read after it returned: never before the kernel's receive time
    # of any datagram of that call (1 µs allows for converting that time to the monotonic clock).
    assert len({r.sent_ns for r in reports}) == 16
    assert all(r.sent_ns >= rx - 1_000 for r, (_, rx) in zip(reports, packets, strict=True))
    assert all(r.sent_ns >= due for r in reports)
