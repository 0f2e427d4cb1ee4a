"""The console says the show changed since the last run, and `d` lists the changes by department."""

from __future__ import annotations

import shutil
from pathlib import Path

from tui.conftest import SHOWS, make_virtual_console

from showcall.compile.showfile import load_show
from showcall.diff import record_show
from showcall.runner.lastrun import SinceLastRun, since_last_run
from showcall.tui.screens.changes import ChangesScreen
from showcall.tui.screens.main import MainScreen


def _since_an_edit(tmp_path: Path) -> tuple[Path, SinceLastRun]:
    show = tmp_path / "tiny.yaml"
    shutil.copy(SHOWS / "tiny.yaml", show)
    loaded = load_show(show)
    assert loaded.plan is not None and loaded.sources is not None
    first = record_show(loaded.plan, loaded.sources)
    log = tmp_path / "run.jsonl"
    since_last_run(first, log, None)
    log.write_text(f'{{"event": "loaded", "mono_ns": 1, "digest": "{first.digest}"}}\n')
    cue = loaded.plan.cues[0]
    show.write_text(show.read_text().replace(f"label: {cue.cue.label}", f"label: {cue.cue.label} again", 1))
    again = load_show(show)
    assert again.plan is not None and again.sources is not None, again.problems
    return show, since_last_run(record_show(again.plan, again.sources), log, log)


async def test_a_changed_show_says_so_at_once_and_d_lists_the_changes(tmp_path: Path) -> None:
    show, since = _since_an_edit(tmp_path)
    assert since.banner == "1 cue changed since the last run (d to list)"
    console = make_virtual_console(show, since_last=since)
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert [n.message for n in console.app._notifications] == [since.banner]
        await pilot.press("d")
        screen = console.app.screen
        assert isinstance(screen, ChangesScreen)
        assert screen.summary == "1 cue changed since the last run"
        assert "again" in screen.text
        await pilot.press("escape")
        assert isinstance(console.app.screen, MainScreen)


async def test_an_unchanged_show_says_nothing(tmp_path: Path) -> None:
    console = make_virtual_console("tiny.yaml", since_last=SinceLastRun(None))
    async with console.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert list(console.app._notifications) == []
        await pilot.press("d")
        assert isinstance(console.app.screen, MainScreen)
