"""Pilot tests of the console on the example shows, on virtual time: exact, no processes.

Each test drives the console with keys and checks the engine (what fired, what is pending) and the
screen (what the caller reads), since both must agree.
"""

from __future__ import annotations

from showcall.engine.snapshot import CueState, Light
from showcall.tui.data.feed import Indicator
from showcall.tui.screens.confirm import QuitScreen
from showcall.tui.screens.find import FindScreen
from showcall.tui.screens.help import HelpScreen
from showcall.tui.screens.main import MainScreen
from showcall.tui.widgets.cuelist import CueList
from showcall.tui.widgets.standby import StandbyPanel


def standby_box(console) -> StandbyPanel:
    return console.app.main_screen.query_one(StandbyPanel)


async def test_go_fires_the_standby_cue_and_its_chain_and_the_screen_says_so(summit_at_doors, screen_text):
    console = summit_at_doors()
    async with console.app.run_test(size=(80, 24)) as pilot:
        assert console.engine.plan.cues[console.engine.snapshot().playhead].id == "10"
        await pilot.press("space")
        console.advance(0)  # the sends due now go out
        assert ("10", "lx") in console.sent() and ("10", "snd") in console.sent()
        box = standby_box(console)
        assert box.state.indicator is Indicator.GO
        assert box.border_title == " GO ▸ LX 10 "
        text = screen_text(console.app)
        assert "GO ▸ LX 10" in text
        assert "▶ LX 13  Stage up on the logo sting" in text  # the standby moved on past the armed chain
        assert "next auto: LX 11 in 0:05.0" in text
        console.advance(6)
        await pilot.pause()
        assert ("11", "lx") in console.sent()
        assert box.state.indicator is Indicator.STANDBY  # the green flash is over


async def test_a_go_inside_go_guard_is_refused_and_says_why(summit_at_doors, screen_text):
    console = summit_at_doors()
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "space")
        box = standby_box(console)
        assert box.state.indicator is Indicator.REFUSED
        assert box.has_class("-refused")
        text = screen_text(console.app)
        assert "GO REFUSED" in text
        assert "0.00 s after the last GO, guard is 0.25 s" in text
        assert [cue for cue, _ in console.sent()].count("13") == 0  # the refused GO fired nothing
        console.advance(0.3)
        await pilot.press("space")
        assert box.state.indicator is Indicator.GO  # outside the guard, GO works again


async def test_go_while_held_is_refused_with_the_reason(summit_at_doors, screen_text):
    console = summit_at_doors()
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("h", "space")
        text = screen_text(console.app)
        assert "GO REFUSED: the show is held: resume first" in text
        assert console.engine.snapshot().cues[console.engine.snapshot().playhead].state is CueState.PENDING


async def test_go_at_the_end_of_the_show_is_refused(virtual_console, screen_text):
    console = virtual_console("tiny.yaml")
    async with console.app.run_test(size=(80, 24)) as pilot:
        console.engine.standby("4")
        await pilot.press("space")
        console.advance(1)
        await pilot.pause()
        console.advance(1)
        await pilot.press("space")
        text = screen_text(console.app)
        assert "GO REFUSED: end of show: there is no cue on standby" in text
        assert "■ End of show: nothing on standby" in text


async def test_hold_stops_the_countdown_and_nothing_fires_until_resume(summit_at_doors, screen_text):
    console = summit_at_doors()
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")  # LX 10; LX 11 follows 5 s later
        console.advance(2)
        await pilot.pause()
        assert "next auto: LX 11 in 0:03.0" in screen_text(console.app)
        await pilot.press("h")
        console.advance(30)
        await pilot.pause()
        text = screen_text(console.app)
        assert "next auto: LX 11 in 0:03.0 (held)" in text  # stopped where it was
        assert "HOLD 0:30" in text  # the whole header says HOLD, and for how long
        assert ("11", "lx") not in console.sent()
        await pilot.press("h")
        console.advance(2.9)
        await pilot.pause()
        assert ("11", "lx") not in console.sent()
        assert "next auto: LX 11 in 0:00.1" in screen_text(console.app)
        console.advance(0.1)
        assert ("11", "lx") in console.sent()


async def test_panic_clears_everything_pending_and_holds(summit_at_doors, screen_text):
    console = summit_at_doors()
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        console.advance(0)
        assert console.scheduler.pending  # LX 11 and VID 12 are armed to follow
        await pilot.press("escape")
        console.advance(0)  # the panic reaches the core
        assert console.scheduler.pending == []
        assert console.scheduler.panics == 1
        assert console.engine.snapshot().held
        assert console.engine.snapshot().cues[console.engine.plan.index_of("11")].state is CueState.PENDING
        text = screen_text(console.app)
        assert "PANIC · ALL STOP SENT · HOLD" in text
        assert "■ PANIC · HOLD" in text
        console.advance(60)
        assert ("11", "lx") not in console.sent()


async def test_the_standby_box_names_the_cue_the_read_out_and_each_department(summit_at_doors, screen_text):
    console = summit_at_doors()
    async with console.app.run_test(size=(80, 24)) as pilot:
        state = standby_box(console).state
        assert state.cue.id == "10" and state.cue.dept == "LX"
        assert state.standby_text == "Standby lights 10 and sound 10"
        lights = {light.dept: light.light for light in state.lights}
        assert lights["LX"] is Light.STANDBY  # LX 10 (its SND message is LX's cue: one cue, one department)
        assert lights["SND"] is Light.GO and lights["VID"] is Light.GO  # their walk-in cues just went
        assert "Do not go until the client gives the nod" in state.notes  # the segment's notes, first cue
        text = screen_text(console.app)
        assert '"Standby lights 10 and sound 10"' in text
        await pilot.press("space")
        state = standby_box(console).state
        assert state.cue.id == "13"
        assert state.devices_down == ("gfx: connection refused",)  # LX 13 sends the logo card to graphics
        assert "✕ DEVICE DOWN gfx: connection refused" in screen_text(console.app)


async def test_a_then_a_department_key_acknowledges_and_other_keys_still_work(summit_at_doors, screen_text):
    console = summit_at_doors()
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        assert "ACK: press l LX" in screen_text(console.app)
        await pilot.press("l")
        lights = {light.dept: light.light for light in console.engine.snapshot().departments}
        assert lights["LX"] is Light.ACKED
        assert "LX ■ acked" in screen_text(console.app)
        await pilot.press("a", "escape")  # Esc cancels the prompt: never a panic by reflex
        assert not console.engine.snapshot().held
        await pilot.press("a", "space")  # a GO is never swallowed by the prompt
        assert standby_box(console).state.indicator is Indicator.GO


async def test_arrows_move_the_standby_without_firing_and_the_list_follows(virtual_console):
    console = virtual_console("summit.yaml", time_of_day="07:00:00")
    async with console.app.run_test(size=(80, 24)) as pilot:
        cues = console.app.main_screen.query_one(CueList)
        for _ in range(20):
            await pilot.press("down")
        assert console.sent() == []
        playhead = console.engine.snapshot().playhead
        assert playhead > 10
        assert cues.playhead == cues.cursor == playhead
        assert cues.is_visible(playhead)
        await pilot.press("up")
        assert console.engine.snapshot().playhead < playhead
        assert console.sent() == []


async def test_find_selects_a_cue_and_enter_puts_it_on_standby(virtual_console):
    console = virtual_console("summit.yaml", time_of_day="07:00:00")
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        assert isinstance(console.app.screen, FindScreen)
        await pilot.press(*"LX 34", "enter")
        assert isinstance(console.app.screen, MainScreen)
        cues = console.app.main_screen.query_one(CueList)
        index = console.engine.plan.index_of("34")
        assert cues.cursor == index and cues.is_visible(index)
        assert console.engine.snapshot().playhead != index  # found is selected, not yet on standby
        await pilot.press("enter")
        assert console.engine.snapshot().playhead == index
        assert console.sent() == []


async def test_help_lists_the_keys_and_the_department_keys(virtual_console, screen_text):
    console = virtual_console("concert.yaml", time_of_day="20:00:00")
    async with console.app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(console.app.screen, HelpScreen)
        text = screen_text(console.app)
        for words in ("GO: fire the cue on standby", "PANIC", "a x", "SFX acknowledges", "a p", "SPOT acknowledges"):
            assert words in text
        await pilot.press("escape")
        assert isinstance(console.app.screen, MainScreen)
        assert not console.engine.snapshot().held  # Esc closed the help; it did not panic


async def test_quit_asks_while_the_show_is_running(summit_at_doors):
    console = summit_at_doors()
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        assert isinstance(console.app.screen, QuitScreen)
        await pilot.press("n")
        assert isinstance(console.app.screen, MainScreen)
        assert not console.engine.snapshot().ended
        await pilot.press("q", "y")
        await pilot.pause()
        assert console.engine.snapshot().quitting  # it waits for the core to confirm its cancels
        console.clock.advance(0)  # the quit's cancel reaches the core, and its confirmation comes back
        await pilot.pause()
        assert console.engine.snapshot().ended
        assert console.scheduler.pending == []  # nothing left to fire
    assert console.app.return_code == 0


async def test_quit_before_the_show_starts_needs_no_confirmation(virtual_console):
    console = virtual_console("tiny.yaml")
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert console.app.return_code == 0


async def test_l_shows_the_event_log_on_a_narrow_screen(summit_at_doors, screen_text):
    console = summit_at_doors()
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "l")
        text = screen_text(console.app)
        assert "EVENT LOG" in text and "GO LX 10 (operator)" in text
        await pilot.press("l")
        assert "EVENT LOG" not in screen_text(console.app)


async def test_a_command_carried_out_clears_the_refusal_and_hold_shows(summit_at_doors, screen_text):
    console = summit_at_doors()
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "space", "h")
        box = standby_box(console)
        assert box.state.indicator is Indicator.HELD
        text = screen_text(console.app)
        assert "GO REFUSED" not in text
        assert "■ HELD: countdowns stopped" in text


async def test_a_log_that_cannot_be_written_is_said_loudly_and_the_show_goes_on(summit_at_doors, screen_text):
    from showcall.engine.log import LogError

    console = summit_at_doors()

    def full_disk(event: object) -> None:
        raise LogError(
            "cannot write the event log /shows/run.jsonl (No space left on device): no more events are logged"
        )

    console.engine.subscribe(full_disk)
    async with console.app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("space")
        await pilot.pause()
        text = screen_text(console.app)
        assert "No space left on device" in text  # a notice where the caller looks, not only a log line
        assert console.engine.snapshot().cues[0].state in {CueState.FIRED, CueState.COMPLETE}  # the GO went
