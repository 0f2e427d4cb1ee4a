"""Pilot tests of rehearsing in the console, on virtual time: the rehearsal clock in the header, and `g`
(go to cue/segment) with its confirmation, refused while a cue is running and on a show's real devices."""

from __future__ import annotations

from showcall.compile.showfile import require_plan
from showcall.engine.snapshot import CueState
from showcall.model.times import format_time_of_day
from showcall.tui.screens.goto import GoToScreen, goto_choices
from showcall.tui.screens.main import MainScreen
from showcall.tui.widgets.header import ShowHeader

from .conftest import SHOWS


def header_text(console) -> str:
    return str(console.app.main_screen.query_one(ShowHeader).render())


async def test_the_header_shows_the_rehearsal_clock_beside_the_real_time(summit_rehearsal):
    console = summit_rehearsal()
    async with console.app.run_test(size=(80, 24)):
        assert header_text(console) == (
            " ACME SUMMIT 2… REHEARSAL CLOCK 08:30:05   real 18:43:15   show 0:05   ON TIME "
        )


async def test_a_faster_rehearsal_says_how_much_faster(virtual_console):
    console = virtual_console(
        "summit.yaml", time_of_day="18:43:00", rehearsal=True, rehearsal_clock="08:29:00", speed=4
    )
    async with console.app.run_test(size=(80, 24)):
        console.advance(15)  # a real minute of show time
        assert header_text(console) == " ACME SUMMIT 2026… REHEARSAL CLOCK 08:30:00 ×4  real 18:43  show 0:00  ON TIME "


async def test_g_goes_to_a_segment_after_confirmation(summit_rehearsal, screen_text):
    console = summit_rehearsal()
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")
        assert isinstance(console.app.screen, GoToScreen)
        text = screen_text(console.app)
        assert "10:35:00  SEGMENT awards     Acme Partner Awards" in text  # every segment, with its planned start
        await pilot.press(*"awards", "enter")
        text = screen_text(console.app)
        assert "Take it from segment awards (cue 60), clock 10:35:00?" in text
        assert console.engine.snapshot().playhead != 60  # nothing happens before y
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(console.app.screen, MainScreen)
        show = console.engine.snapshot()
        assert show.standby is not None and show.standby.id == "60"
        assert format_time_of_day(show.clocks.time_of_day_ns) == "10:35:00"
        assert all(c.passed and c.state is CueState.PENDING for c in show.cues[: show.standby.index])
        assert "REHEARSAL CLOCK 10:35:00" in header_text(console)
        text = screen_text(console.app)
        assert "▶ VOG 60" in text
        row = next(line for line in text.splitlines() if line.startswith("  57 "))
        assert row.split()[-1] == "passed"  # the panel strike: moved past, not fired, not missed


async def test_g_then_n_goes_back_to_the_list_and_esc_goes_nowhere(summit_rehearsal):
    console = summit_rehearsal()
    async with console.app.run_test(size=(80, 24)) as pilot:
        before = console.engine.snapshot()
        await pilot.press("g", *"LX 34", "enter", "n")
        assert isinstance(console.app.screen, GoToScreen)
        assert not console.app.screen.has_class("-confirming")
        await pilot.press("escape")
        assert isinstance(console.app.screen, MainScreen)
        after = console.engine.snapshot()
        assert (after.playhead, after.cues) == (before.playhead, before.cues)


async def test_g_is_refused_while_a_cue_is_running(summit_rehearsal, screen_text):
    console = summit_rehearsal()
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")  # LX 10; LX 11 follows 5 s later
        await pilot.press("g", *"awards", "enter", "y")
        await pilot.pause()
        text = screen_text(console.app)
        assert "GO TO REFUSED" in text
        assert "✕ GO TO REFUSED: a cue is running: wait for it to complete (or panic)" in text
        show = console.engine.snapshot()
        assert show.standby is not None and show.standby.id == "13"


async def test_g_is_refused_at_once_on_the_real_devices(summit_at_doors, screen_text):
    console = summit_at_doors()
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")
        assert isinstance(console.app.screen, MainScreen)  # not even the question
        assert "GO TO REFUSED" in screen_text(console.app)


def test_the_choices_are_segments_first_then_cues() -> None:
    plan = require_plan(SHOWS / "summit.yaml")
    assert [line for line, _ in goto_choices(plan, "")][:2] == [
        "08:30:00  SEGMENT walkin     Walk-in",
        "09:00:00  SEGMENT open       Open video",
    ]
    lines = [line for line, _ in goto_choices(plan, "LX 34")]
    assert lines[0] == "09:10:00  CUE     LX    34     Lectern back up after the roll-in"
    assert [line for line, _ in goto_choices(require_plan(SHOWS / "tiny.yaml"), "3")] == [
        "--:--:--  CUE     LX    3      House out, stage up"
    ]
