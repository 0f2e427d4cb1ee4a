"""The console's device line lists the connected browser views (`web 3`) when the show serves them."""

from __future__ import annotations

from showcall.tui.widgets.status import HealthLine


async def test_the_device_line_counts_the_browser_views(virtual_console):
    console = virtual_console("tiny.yaml")
    connected = [0]
    console.app.main_screen.web = lambda: f"web {connected[0]}"
    async with console.app.run_test(size=(100, 24)) as pilot:
        line = console.app.main_screen.query_one(HealthLine)
        assert "web 0" in line.content.plain
        connected[0] = 3
        await pilot.pause(0.25)  # the status lines redraw ten times a second
        assert line.content.plain.startswith(" DEVICES lx ◌ snd ◌  web 3")


async def test_without_web_views_the_device_line_says_nothing_of_them(virtual_console):
    console = virtual_console("tiny.yaml")
    async with console.app.run_test(size=(100, 24)):
        assert "web" not in console.app.main_screen.query_one(HealthLine).content.plain
