"""Broken, truncated and foreign logs: each said in one line with its line number, never a traceback;
a cut-short line where a run stopped is a warning and the report goes on, anything else is exit 1."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from showcall.cli import main

from support.report_scenario import write


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The scenario's log lines (25 of them), to damage; files are written to the working folder."""
    monkeypatch.chdir(tmp_path)
    _, log = write(Path())
    return log.read_text().splitlines()


def report(capsys: pytest.CaptureFixture[str], text: str | bytes, *args: str) -> tuple[int, str, str]:
    log = Path("damaged.jsonl")
    if isinstance(text, bytes):
        log.write_bytes(text)
    else:
        log.write_text(text)
    status = main(["report", str(log), *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_last_line_cut_short_is_a_warning_and_the_report_goes_on(
    lines: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = report(capsys, "\n".join(lines[:-1]) + "\n" + lines[-1][:30])
    assert err == (
        "showcall: damaged.jsonl:25: warning: the last line is cut short (the run stopped while writing it): "
        "the report goes on without it\n"
    )
    assert status == 0
    assert "no end logged (crashed, killed or still running)" in out
    assert "  Cues        4 of 4 fired: 2 operator, 1 auto, 1 follow\n" in out


def test_a_crash_then_a_new_run_on_the_same_line_keeps_the_new_run(
    lines: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    crashed = "\n".join(lines[:8]) + "\n" + lines[8][:40]  # no newline: the process died mid-write
    status, out, err = report(capsys, crashed + "\n".join(lines) + "\n", "--runs")
    assert err == (
        "showcall: damaged.jsonl:9: warning: a line cut short where a run stopped (a crash), with the next "
        "run's first event glued to it: the cut part is skipped\n"
    )
    assert status == 0
    assert out.splitlines()[1:] == [
        "  1  2026-03-14 09:00:00  Scenario                        2/4  no end: crashed?",
        "  2  2026-03-14 09:00:00  Scenario                        4/4  complete",
    ]


def test_a_cut_line_before_the_next_run_is_skipped_with_a_warning(
    lines: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    crashed = "\n".join(lines[:8]) + "\n" + lines[8][:40] + "\n"
    status, out, err = report(capsys, crashed + "\n".join(lines) + "\n")
    assert err == (
        "showcall: damaged.jsonl:9: warning: a line cut short where a run stopped (a crash): skipped, the next "
        "run starts on line 10\n"
    )
    assert status == 0
    assert out.splitlines()[1] == "run 2 of 2 in damaged.jsonl"


def test_a_line_that_is_not_json_in_the_middle_is_an_error_naming_it(
    lines: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = [*lines[:11], '{"event":"sent","mono_ns":1,"cue"', *lines[11:]]
    assert report(capsys, "\n".join(damaged) + "\n") == (
        1,
        "",
        "showcall: damaged.jsonl:12: not a JSON line (Expecting ':' delimiter): the log is damaged here\n",
    )


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("[1, 2]", "not a showcall event (a JSON value that is not an object)"),
        ('{"kind": "go", "t": 5}', "not a showcall event (no 'event' name and 'mono_ns' time)"),
        ('{"event": "go", "mono_ns": "soon"}', "not a showcall event (no 'event' name and 'mono_ns' time)"),
    ],
)
def test_a_line_that_is_not_a_showcall_event_is_an_error_naming_it(
    lines: list[str], capsys: pytest.CaptureFixture[str], line: str, why: str
) -> None:
    damaged = [*lines[:4], line, *lines[4:]]
    assert report(capsys, "\n".join(damaged) + "\n") == (
        1,
        "",
        f"showcall: damaged.jsonl:5: {why}: the log is damaged here\n",
    )


def test_a_known_event_without_a_field_the_report_needs_is_an_error_naming_it(
    lines: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    sent = json.loads(lines[4])
    assert sent["event"] == "sent"
    del sent["late_us"]
    damaged = [*lines[:4], json.dumps(sent), *lines[5:]]
    assert report(capsys, "\n".join(damaged) + "\n") == (
        1,
        "",
        "showcall: damaged.jsonl:5: a 'sent' event without a number in 'late_us'\n",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "showcall: 1\nshow: {title: A show file}\n",
            "damaged.jsonl: not a showcall event log (line 1 is not an event line)",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "damaged.jsonl: not a showcall event log (not UTF-8 text)"),
        ("", "damaged.jsonl: empty: no events in it"),
        ("\n\n", "damaged.jsonl: empty: no events in it"),
        ('{"event": "boot", "mono_ns": 5}\n', "damaged.jsonl: not a showcall event log (no 'loaded' event)"),
        (
            '{"event": "go", "mono_ns": 5, "cue": "1", "source": "operator", "fire_ns": 5}\n',
            "damaged.jsonl:1: a 'go' event before any 'loaded' event: not a whole log "
            "(the start of the run is missing)",
        ),
    ],
    ids=["yaml", "binary", "empty", "blank", "no-loaded", "no-start"],
)
def test_a_file_that_is_not_a_log_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content: str | bytes,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert report(capsys, content) == (1, "", f"showcall: {message}\n")


def test_a_missing_log_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["report", str(tmp_path / "nope.jsonl")]) == 1
    assert capsys.readouterr().err == f"showcall: cannot read {tmp_path / 'nope.jsonl'}: No such file or directory\n"
