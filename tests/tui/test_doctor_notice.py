"""The console shows the doctor's worst machine item once at start-up, and nothing when all is well."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from showcall.doctor import Item, Level

WARN = Item(
    "machine",
    "realtime",
    "real-time priority",
    Level.WARN,
    "SCHED_FIFO not allowed (RLIMIT_RTPRIO 0, no CAP_SYS_NICE)",
    "as root, add ...",
)


def _console(virtual_console: Callable[..., Any], item: Item | None) -> tuple[Any, list[int]]:
    console = virtual_console("tiny.yaml")
    calls: list[int] = []

    def doctor() -> Item | None:
        calls.append(1)
        return item

    console.app.link.doctor = doctor
    return console, calls


async def test_the_worst_item_is_shown_as_a_warning_with_where_to_read_more(virtual_console) -> None:
    console, calls = _console(virtual_console, WARN)
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        notices = list(console.app._notifications)
    assert calls == [1]
    assert [(n.title, n.severity) for n in notices] == [("doctor: WARN", "warning")]
    assert notices[0].message == (
        "real-time priority: SCHED_FIFO not allowed (RLIMIT_RTPRIO 0, no CAP_SYS_NICE)\n"
        "Run `showcall doctor` for details and the fix."
    )


async def test_a_failed_item_is_an_error_notice(virtual_console) -> None:
    console, _ = _console(virtual_console, Item("machine", "log", "event log", Level.FAIL, "/x cannot be written"))
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        notices = list(console.app._notifications)
    assert [(n.title, n.severity) for n in notices] == [("doctor: FAIL", "error")]


async def test_nothing_is_shown_when_the_machine_is_ready(virtual_console) -> None:
    console, calls = _console(virtual_console, None)
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert list(console.app._notifications) == []
    assert calls == [1]
