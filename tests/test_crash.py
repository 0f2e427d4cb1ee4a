"""A bug never greets the user with a traceback: `record_crash` writes it to a file and says where, in one place
for the command line and the console alike."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from showcall import cli
from showcall.crash import CRASH_EXIT, record_crash


def a_bug() -> None:
    raise RuntimeError("a bug in a handler")


def caught() -> RuntimeError:
    try:
        a_bug()
    except RuntimeError as exc:
        return exc
    raise AssertionError("a_bug did not raise")


@pytest.fixture
def temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_the_traceback_goes_to_a_file_and_the_message_says_where(temp_folder: Path) -> None:
    crash = record_crash(caught(), where="the console")
    assert crash.path is not None
    path = Path(crash.path)
    assert path.parent == temp_folder
    assert path.name.startswith("showcall-crash-") and path.suffix == ".txt"
    details = path.read_text(encoding="utf-8")
    assert details.startswith("Traceback (most recent call last):")
    assert "in a_bug" in details and details.endswith("RuntimeError: a bug in a handler\n")
    assert crash.message == (
        "showcall: internal error in the console: RuntimeError: a bug in a handler\n"
        f"  the details are in {path}; please report them"
    )


def test_without_a_writable_folder_the_details_are_kept_in_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    crash = record_crash(caught())
    assert crash.path is None
    first, second, *details = crash.message.splitlines()
    assert first == "showcall: internal error: RuntimeError: a bug in a handler"
    assert second == "  the details could not be written to a file (No such file or directory):"
    assert details[0] == "Traceback (most recent call last):" and details[-1] == "RuntimeError: a bug in a handler"


def test_the_command_line_reports_a_bug_in_a_command_in_one_line_and_exits_70(
    temp_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: object) -> int:
        a_bug()
        return 0

    monkeypatch.setattr(cli.check, "run", broken)
    assert cli.main(["check", "any.yaml"]) == CRASH_EXIT == 70
    err = capsys.readouterr().err
    [report] = temp_folder.glob("showcall-crash-*.txt")
    assert err == (
        "showcall: internal error: RuntimeError: a bug in a handler\n"
        f"  the details are in {report}; please report them\n"
    )
    assert "in broken" in report.read_text(encoding="utf-8")
