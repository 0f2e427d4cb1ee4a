"""A main or backup console: the link's bar, what `T` does, and the question about sends in doubt."""

from __future__ import annotations

import dataclasses
from typing import Any

from showcall.backup.gate import Doubt
from showcall.backup.status import LinkStatus, Role
from showcall.tui.app import ConsoleApp
from showcall.tui.screens.takeover import DoubtScreen, LinkScreen
from showcall.tui.widgets.linkbar import link_line

MS = 1_000_000


def status(**changes: Any) -> LinkStatus:
    base = LinkStatus(
        side="backup",
        role=Role.FOLLOWING,
        term=1,
        peer="10.0.0.5:7100",
        connected=True,
        peer_role="live",
        heard_ns=20 * MS,
        lag_ns=300_000,
        offset_error_ns=100_000,
        armed=True,
        takeover_in_ns=480 * MS,
        holding=False,
        doubts=(),
        note="following the main",
    )
    return dataclasses.replace(base, **changes)


class StubLink:
    """Stands in for a LinkNode: a status to show, and the commands it was given."""

    def __init__(self, shown: LinkStatus) -> None:
        self.shown = shown
        self.calls: list[str] = []

    def status(self) -> LinkStatus:
        return self.shown

    def takeover(self, answer: str = "") -> str | None:
        self.calls.append(f"takeover {answer}".strip())
        return None

    def handover(self) -> str | None:
        self.calls.append("handover")
        return "no backup follows this console"

    def alone(self) -> str | None:
        self.calls.append("alone")
        return None


def test_the_bar_says_who_is_live_in_words() -> None:
    assert link_line(status()).plain == (
        " BACKUP  following 10.0.0.5:7100 (linked) · heard 20 ms ago · behind 0.3 ms (±0.1 ms) · T takes over"
        " · following the main"
    )
    silent = link_line(status(connected=False, heard_ns=300 * MS, takeover_in_ns=200 * MS, note="")).plain
    assert silent.startswith(" BACKUP  following 10.0.0.5:7100 (LINK LOST) · heard 300 ms ago")
    assert silent.endswith("· takes over in 0.2 s")
    holding = link_line(status(side="main", role=Role.LIVE, holding=True, heard_ns=450 * MS, note="")).plain
    assert holding == " HOLDING  main, term 1 · backup silent for 450 ms: sends HELD BACK · T goes on alone"
    doubts = (Doubt(1, "12", "lx", 0), Doubt(2, "13", "lx", 0))
    assert link_line(status(role=Role.LIVE, side="backup", doubts=doubts)).plain.endswith(
        "· 2 sends in doubt: T to decide"
    )
    assert link_line(status(role=Role.WAITING, side="main", connected=False, note="")).plain == (
        " MUTED  main: following no one (10.0.0.5:7100) · T takes over"
    )


async def test_t_takes_over_after_asking(virtual_console: Any) -> None:
    console = virtual_console("tiny.yaml")
    link = StubLink(status())
    app = ConsoleApp(dataclasses.replace(console.app.link, backup=link))
    async with app.run_test(size=(100, 30)) as pilot:
        assert "BACKUP" in str(app.main_screen.query_one("#link").render())
        await pilot.press("T")
        assert isinstance(app.screen, LinkScreen)
        await pilot.press("n")
        assert link.calls == []
        await pilot.press("T", "y")
        assert link.calls == ["takeover"]


async def test_a_refused_hand_over_is_said_in_the_log(virtual_console: Any) -> None:
    console = virtual_console("tiny.yaml")
    link = StubLink(status(role=Role.LIVE, side="main"))
    app = ConsoleApp(dataclasses.replace(console.app.link, backup=link))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("T", "y")
        assert link.calls == ["handover"]
        assert [line.text for line in app.main_screen.feed.log][-1] == "no backup follows this console"


async def test_sends_in_doubt_are_asked_about_at_once_and_answered(virtual_console: Any) -> None:
    console = virtual_console("tiny.yaml")
    link = StubLink(status(role=Role.LIVE, doubts=(Doubt(7, "2", "lx", 0),)))
    app = ConsoleApp(dataclasses.replace(console.app.link, backup=link))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DoubtScreen)
        await pilot.press("s")
        assert link.calls == ["takeover skip"]


async def test_a_console_on_its_own_has_no_bar_and_no_t(virtual_console: Any) -> None:
    console = virtual_console("tiny.yaml")
    async with console.app.run_test(size=(100, 30)) as pilot:
        assert not console.app.main_screen.query("#link")
        await pilot.press("T")
        assert console.app.screen is console.app.main_screen
