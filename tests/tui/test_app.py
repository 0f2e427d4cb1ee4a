"""How the console starts and ends: a broken show never reaches the terminal, a console bug never
shows the caller a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from showcall.cli import main
from showcall.tui.screens.main import MainScreen

SHOWS = Path(__file__).resolve().parents[2] / "shows"


def test_a_broken_show_is_reported_with_every_problem_before_the_console_starts(capsys):
    status = main(["rehearse", str(SHOWS / "broken" / "typo.yaml")])
    err = capsys.readouterr().err
    assert status == 1
    assert "typo.yaml:19:5: cue 1: unknown key 'lable' (did you mean 'label'?)" in err
    assert "typo.yaml:26:28: cue 2: unknown key 'adress' (did you mean 'address'?)" in err
    assert "2 problems" in err and "the console did not start" in err
    assert "Traceback" not in err


async def test_a_bug_in_the_console_leaves_a_report_and_one_line(virtual_console, monkeypatch, capsys):
    console = virtual_console("tiny.yaml")

    def broken(self: MainScreen) -> None:
        raise RuntimeError("a bug in a key handler")

    monkeypatch.setattr(MainScreen, "action_go", broken)
    with pytest.raises(RuntimeError):
        async with console.app.run_test(size=(80, 24)) as pilot:
            await pilot.press("space")
    assert console.app.crash_report is not None and console.app.crash_report.path is not None
    report = Path(console.app.crash_report.path)
    try:
        assert "RuntimeError: a bug in a key handler" in report.read_text()
        err = capsys.readouterr().err
        assert "showcall: internal error in the console: RuntimeError: a bug in a key handler" in err
        assert str(report) in err
        assert "Traceback" not in err
    finally:
        report.unlink()
