"""SendQueue: (deadline, arrival) order, same-deadline batches, cancel by item / cue / all, never early."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from showcall.timing.api import SendItem
from showcall.timing.queue import DuplicateItemError, SendQueue


def item(item_id: int, deadline: int, cue: str = "LX 1", device: str = "lx") -> SendItem:
    return SendItem(item_id, cue, deadline, device, b"p%d" % item_id)


def ids(entries: list) -> list[int]:  # type: ignore[type-arg]
    return [e.item.item_id for e in entries]


def test_items_come_out_by_deadline_then_arrival() -> None:
    q = SendQueue()
    for i, deadline in [(1, 300), (2, 100), (3, 200), (4, 100), (5, 300), (6, 100)]:
        q.add(item(i, deadline))
    assert ids(q.pop_due(1_000)) == [2, 4, 6, 3, 1, 5]
    assert len(q) == 0
    assert q.next_deadline() is None


def test_never_early_one_nanosecond_before_is_not_due() -> None:
    q = SendQueue()
    q.add(item(1, 5_000))
    assert q.pop_due(4_999) == []
    assert q.next_deadline() == 5_000
    assert ids(q.pop_due(5_000)) == [1]


def test_a_same_deadline_batch_comes_out_whole_and_in_order() -> None:
    q = SendQueue()
    q.add(item(0, 10))
    for i in range(1, 513):
        q.add(item(i, 1_000, cue="VID 3"))
    q.add(item(999, 1_001))
    assert ids(q.pop_due(10)) == [0]
    assert ids(q.pop_due(1_000)) == list(range(1, 513))
    assert q.next_deadline() == 1_001


def test_cancel_items_returns_only_what_was_pending() -> None:
    q = SendQueue()
    for i in range(5):
        q.add(item(i, 100 + i))
    assert ids(q.pop_due(100)) == [0]
    assert q.cancel_items([0, 2, 2, 42]) == [2]
    assert ids(q.pop_due(1_000)) == [1, 3, 4]


def test_cancelling_a_whole_deadline_moves_next_deadline_on() -> None:
    q = SendQueue()
    q.add(item(1, 100))
    q.add(item(2, 100))
    q.add(item(3, 200))
    q.cancel_items([2, 1])
    assert q.next_deadline() == 200
    assert 1 not in q


def test_cancel_cue_cancels_its_pending_items_in_order_and_nothing_else() -> None:
    q = SendQueue()
    q.add(item(1, 300, cue="LX 12"))
    q.add(item(2, 100, cue="SND 4"))
    q.add(item(3, 100, cue="LX 12"))
    q.add(item(4, 200, cue="LX 12"))
    assert ids(q.pop_due(100)) == [2, 3]
    assert q.cancel_cue("LX 12") == [4, 1]
    assert q.cancel_cue("LX 12") == []
    assert len(q) == 0


def test_a_cue_can_be_scheduled_again_after_being_cancelled_or_sent() -> None:
    q = SendQueue()
    q.add(item(1, 100, cue="LX 12"))
    q.pop_due(100)
    q.add(item(1, 200, cue="LX 12"))  # the same id again: the first one was sent
    q.add(item(2, 300, cue="LX 12"))
    assert q.cancel_cue("LX 12") == [1, 2]
    q.add(item(3, 400, cue="LX 12"))
    assert ids(q.pop_due(400)) == [3]


def test_cancel_all_empties_it_and_returns_ids_in_order() -> None:
    q = SendQueue()
    q.add(item(1, 300))
    q.add(item(2, 100))
    q.add(item(3, 100))
    assert q.cancel_all() == [2, 3, 1]
    assert q.next_deadline() is None
    assert q.pop_due(10**12) == []


def test_a_pending_id_cannot_be_added_twice() -> None:
    q = SendQueue()
    q.add(item(1, 100))
    with pytest.raises(DuplicateItemError, match="item 1 is already pending"):
        q.add(item(1, 200))


def test_tidy_keeps_what_is_pending() -> None:
    q = SendQueue()
    for i in range(10):
        q.add(item(i, i, cue=f"c{i % 3}"))
    q.pop_due(4)
    q.tidy()
    assert len(q) == 5
    assert q.cancel_cue("c0") == [6, 9]
    assert ids(q.pop_due(100)) == [5, 7, 8]


# An independent model: a sorted list. Random adds, cancels and pops must agree with it exactly.
ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 30), st.integers(0, 50), st.sampled_from(["a", "b", "c"])),
        st.tuples(st.just("cancel"), st.integers(0, 30)),
        st.tuples(st.just("cue"), st.sampled_from(["a", "b", "c"])),
        st.tuples(st.just("pop"), st.integers(0, 50)),
        st.tuples(
            st.just("all"),
        ),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(ops)
def test_queue_agrees_with_a_sorted_list_model(operations: list[tuple[object, ...]]) -> None:
    q = SendQueue()
    model: list[tuple[int, int, int, str]] = []  # (deadline, arrival, id, cue)
    arrival = 0
    for op in operations:
        if op[0] == "add":
            _, item_id, deadline, cue = op
            assert isinstance(item_id, int) and isinstance(deadline, int) and isinstance(cue, str)
            if any(m[2] == item_id for m in model):
                with pytest.raises(DuplicateItemError):
                    q.add(item(item_id, deadline, cue))
                continue
            q.add(item(item_id, deadline, cue))
            arrival += 1
            model.append((deadline, arrival, item_id, cue))
        elif op[0] == "cancel":
            expected = [m[2] for m in model if m[2] == op[1]]
            model = [m for m in model if m[2] != op[1]]
            assert q.cancel_items([op[1]]) == expected  # type: ignore[list-item]
        elif op[0] == "cue":
            expected = [m[2] for m in sorted(model) if m[3] == op[1]]
            model = [m for m in model if m[3] != op[1]]
            assert q.cancel_cue(op[1]) == expected  # type: ignore[arg-type]
        elif op[0] == "pop":
            now = op[1]
            assert isinstance(now, int)
            expected = [m[2] for m in sorted(model) if m[0] <= now]
            model = [m for m in model if m[0] > now]
            assert ids(q.pop_due(now)) == expected
        else:
            assert q.cancel_all() == [m[2] for m in sorted(model)]
            model = []
        assert len(q) == len(model)
        assert q.next_deadline() == (min(model)[0] if model else None)


def test_while_the_version_holds_pop_due_returns_what_live_at_returned() -> None:
    q = SendQueue()
    for i in range(5):
        q.add(item(i, 100))
    q.add(item(9, 200))
    q.cancel_items([2])
    ahead, version = q.live_at(100), q.version
    assert (ids(ahead), q.count_at(100), q.count_at(200), q.count_at(300)) == ([0, 1, 3, 4], 4, 1, 0)
    q.cancel_items([77])  # nothing pending by that id: nothing changed
    assert q.version == version
    assert q.pop_due(100) == ahead
    assert q.version != version  # popped: a plan for those items is not one for what is pending now
    for change in (lambda: q.add(item(10, 200)), lambda: q.cancel_items([9]), q.cancel_all):
        before = q.version
        change()
        assert q.version != before
