"""Ledger: what a restarted core is handed, and what is reported for cancels asked while it was down."""

from __future__ import annotations

import pytest

from showcall.timing.api import SendItem
from showcall.timing.ledger import LatenessWindow, Ledger
from showcall.timing.protocol import Cancelled, SendFailed, Sent
from showcall.timing.queue import DuplicateItemError


def item(item_id: int, deadline: int, cue: str = "LX 1") -> SendItem:
    return SendItem(item_id, cue, deadline, "lx", b"")


def test_handover_reschedules_unreported_items_by_deadline_then_schedule_order() -> None:
    ledger = Ledger()
    ledger.add([item(1, 300), item(2, 100), item(3, 200), item(4, 100)])
    ledger.settle(Sent(3, "LX 1", "lx", 200, 201))
    handover = ledger.handover()
    assert [i.item_id for i in handover.reschedule] == [2, 4, 1]
    assert handover.cancelled == ()
    assert handover.overdue(150) == 2
    assert len(ledger) == 3  # still pending: the new core will report them


def test_cancels_asked_while_the_core_died_are_settled_as_cancelled_not_resent() -> None:
    ledger = Ledger()
    ledger.add([item(1, 100, "LX 1"), item(2, 100, "LX 2"), item(3, 100, "LX 2"), item(4, 100, "LX 3")])
    ledger.ask_cancel([1, 99])
    ledger.ask_cancel_cue("LX 2")
    ledger.settle(Cancelled((2,), "cue"))  # the old core managed to confirm one of them
    handover = ledger.handover()
    assert handover.cancelled == (1, 3)
    assert [i.item_id for i in handover.reschedule] == [4]
    assert len(ledger) == 1


def test_a_cancel_asked_for_an_item_the_core_had_already_sent_changes_nothing() -> None:
    ledger = Ledger()
    ledger.add([item(1, 100)])
    ledger.ask_cancel_all()
    ledger.settle(Sent(1, "LX 1", "lx", 100, 100))
    assert ledger.handover().cancelled == ()
    assert len(ledger) == 0


def test_failed_items_are_final_too() -> None:
    ledger = Ledger()
    ledger.add([item(1, 100)])
    ledger.settle(SendFailed(1, "LX 1", "lx", 100, 100, "connection refused"))
    assert ledger.handover().reschedule == ()


def test_a_batch_with_a_pending_or_repeated_id_is_refused_whole() -> None:
    ledger = Ledger()
    ledger.add([item(1, 100)])
    with pytest.raises(DuplicateItemError):
        ledger.add([item(2, 100), item(1, 100)])
    with pytest.raises(DuplicateItemError):
        ledger.add([item(3, 100), item(3, 200)])
    assert len(ledger) == 1


def test_lateness_window_percentiles_are_nearest_rank_over_the_last_samples() -> None:
    window = LatenessWindow(size=100)
    assert window.percentile_us(0.5) is None
    for late in range(1, 201):  # only 101..200 µs stay
        window.add(late * 1000)
    assert window.percentile_us(0.5) == 150.0
    assert window.percentile_us(0.99) == 199.0
    assert window.percentile_us(1.0) == 200.0
