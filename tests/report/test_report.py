"""`showcall report` on a hand-made run whose every figure is known (scenario.py): the whole text, exactly;
the JSON's figures; the runs of a log; a show file that cannot be loaded; newer events and fields ignored."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from showcall.cli import main
from showcall.compile.showfile import load_show
from showcall.diff import keep_show, kept_path, record_show
from showcall.report.fold import histogram

from support.report_scenario import S, on_rehearsal_clock, write

EXPECTED = """\
Scenario
run 1 of 1 in {log}
loaded 2026-03-14 09:00:00; ended: complete
show file: {show}
measured against the show file as it is now (no copy of the show as it ran)

THE SHOW
  Started     09:00:05, planned 09:00:00: 5.00s late
  Ran         2:05 against 2:00 planned: 5.00s over in running time
  Over/under  10.0s over against the planned times of day
  Cues        4 of 4 fired: 2 operator, 1 auto, 1 follow
  Sends       4 sent, 1 failed
  Holds       1, 30.0s in all
  Outages     2 (below)
  Timing      precise, SCHED_OTHER (not real-time): no real-time priority: not
              permitted. 4 sends late p50 10µs, p99 2.0ms, p99.9 2.0ms, max
              2.0ms; 2 over 250µs

SEGMENTS (OVER: actual length against planned, + over, - under)
  SEGMENT          PLANNED  ACTUAL    LENGTH  ACTUAL      OVER HOLDS   LONGEST
  Open             09:00:00 09:00:05    1:00    1:10    +10.0s 1 30.0s GFX 2
  Talk             09:01:00 09:01:15    1:00   55.0s    -5.00s -       SND 4

CUES (4 fired last and 2 with a problem, of 4; --all for every cue)
  CUE         FIRED BY      GO>WIRE  SENT FAIL    p50    p99    MAX
  LX 1        operator         10µs     1    0   10µs   10µs   10µs
  GFX 2       follow          300µs     1    1  300µs  300µs  300µs
    ! 1 failed: network unreachable
  LX 3        operator        2.0ms     1    0  2.0ms  2.0ms  2.0ms
    ! 1 refused: the show is held: resume first
    ! late: max 2.0ms
  SND 4       auto              5µs     1    0    5µs    5µs    5µs

HOLDS
  09:00:20  30.0s in Open

DEVICE OUTAGES
  gfx: 1 send failed 09:00:07 to 09:00:07 (GFX 2): network unreachable (no
    status change logged)
  lx: offline 09:01:20 to 09:01:30: connection refused; no send failed
"""


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times of day in the report are local: the scenario's are written for UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)  # short relative paths: the report's lines hold them whole
    return write(Path())


def showcall(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    status = main(["report", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_text_report_of_a_known_run(scenario: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    show, log = scenario
    assert showcall(capsys, log) == (0, EXPECTED.format(log=log, show=show), "")


def test_the_json_report_of_a_known_run(scenario: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, log = scenario
    status, out, err = showcall(capsys, log, "--json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    assert data["report"] == 1
    assert data["totals"] | {} == {
        "started_wall_ns": 1_773_478_805 * S,
        "planned_start": "09:00:00",
        "late_start_ns": 5 * S,
        "run_length_ns": 125 * S,
        "planned_length_ns": 120 * S,
        "drift_ns": 5 * S,
        "over_ns": 10 * S,
        "cues_in_show": 4,
        "cues_fired": 4,
        "gos": 4,
        "by_source": {"operator": 2, "follow": 1, "auto": 1},
        "sends": 4,
        "failed_sends": 1,
        "cues_with_problems": 2,
        "holds": 1,
        "held_ns": 30 * S,
        "panics": 0,
        "resets": 0,
    }
    open_, talk = data["segments"]
    assert (open_["over_ns"], open_["drift_start_ns"], open_["drift_end_ns"]) == (10 * S, 0, 10 * S)
    assert (talk["over_ns"], talk["drift_start_ns"], talk["drift_end_ns"]) == (-5 * S, 10 * S, 5 * S)
    assert (open_["holds"], open_["held_ns"], open_["longest"]) == (1, 30 * S, {"cue": "GFX 2", "ns": 68 * S})
    cues = {c["id"]: c for c in data["cues"]}
    assert cues["1"]["go_to_wire_us"] == 10.0
    assert cues["2"]["failed_sends"] == [
        {"wall_ns": 1_773_478_807_010_000_000, "device": "gfx", "reason": "network unreachable", "item": 1, "line": 10}
    ]
    assert [r["reason"] for r in cues["3"]["refusals"]] == ["the show is held: resume first"]
    assert cues["3"]["late_us"] == {"count": 1, "p50": 2000.0, "p99": 2000.0, "p999": 2000.0, "max": 2000.0}
    assert data["timing"]["late_us"] == {"count": 4, "p50": 10.0, "p99": 2000.0, "p999": 2000.0, "max": 2000.0}
    assert (data["timing"]["over_250us"], data["timing"]["over_1000us"], data["timing"]["early"]) == (2, 1, 0)
    assert [o["device"] for o in data["outages"]] == ["gfx", "lx"]
    assert data["outages"][1] | {} == {
        "device": "lx",
        "from_wall_ns": 1_773_478_880 * S,
        "to_wall_ns": 1_773_478_890 * S,
        "status": "offline",
        "detail": "connection refused",
        "reported": True,
        "failed_sends": 0,
        "cues": [],
    }


def test_newer_event_kinds_and_fields_are_ignored(
    scenario: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, log = scenario
    before = json.loads(showcall(capsys, log, "--json")[1])
    lines = log.read_text().splitlines()
    newer = []
    for line in lines:
        event = json.loads(line)
        event["show_clock_ns"] = 12345  # a field this version does not know
        newer.append(json.dumps(event))
        newer.append(json.dumps({"event": "armed", "mono_ns": event["mono_ns"], "cue": "4", "in_ns": 5}))
    log.write_text("\n".join(newer) + "\n")
    status, out, err = showcall(capsys, log, "--json")
    assert (status, err) == (0, "")
    after = json.loads(out)

    def without_lines(data: dict[str, object]) -> str:  # line numbers moved: every other line is new
        text = json.dumps(data)
        for cue in after["cues"] + before["cues"]:
            for item in cue["failed_sends"] + cue["refusals"]:
                text = text.replace(f'"line": {item["line"]}', '"line": 0')
        return text

    assert without_lines(after) == without_lines(before)


def test_runs_are_listed_and_picked(scenario: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, log = scenario
    one = log.read_text()
    log.write_text(one + one.replace('"reason":"complete"', '"reason":"quit"'))
    status, out, err = showcall(capsys, log, "--runs")
    assert (status, err) == (0, "")
    assert out == (
        "RUN  LOADED               SHOW                          FIRED  ENDED\n"
        "  1  2026-03-14 09:00:00  Scenario                        4/4  complete\n"
        "  2  2026-03-14 09:00:00  Scenario                        4/4  quit\n"
    )
    assert showcall(capsys, log)[1].splitlines()[1:3] == [
        f"run 2 of 2 in {log}",
        "loaded 2026-03-14 09:00:00; ended: quit",
    ]
    assert showcall(capsys, log, "--run", "1")[1].splitlines()[2] == "loaded 2026-03-14 09:00:00; ended: complete"
    assert showcall(capsys, log, "--run", "3") == (2, "", f"showcall: {log} has 2 runs: --run must be 1 to 2\n")


def test_a_show_file_that_cannot_be_loaded_is_said_and_the_log_still_reported(
    scenario: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    show, log = scenario
    show.write_text("showcall: 1\nshow: {}\n")
    status, out, err = showcall(capsys, log)
    assert status == 0
    assert err.startswith(f"showcall: the show file {show} cannot be loaded: {show}:2:")
    assert err.endswith(": the report says what the log alone tells\n")
    assert "SEGMENTS" not in out
    assert "  Cues        4 fired: 2 operator, 1 auto, 1 follow\n" in out
    missing = show.parent / "gone.yaml"
    status, out, err = showcall(capsys, log, "--show", missing)
    assert err == f"showcall: the show file {missing} is not there: the report says what the log alone tells\n"


def test_a_run_is_measured_against_its_show_as_kept_beside_the_log(
    scenario: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    show, log = scenario
    loaded = load_show(show)
    assert loaded.plan is not None and loaded.sources is not None
    record = record_show(loaded.plan, loaded.sources)
    keep_show(log, record)
    lines = log.read_text().splitlines()
    first = json.loads(lines[0])
    lines[0] = json.dumps(first | {"digest": record.digest})
    log.write_text("\n".join(lines) + "\n")
    show.write_text(show.read_text().replace("title: Open", "title: Opening").replace("duration: 1m", "duration: 2m"))

    status, out, err = showcall(capsys, log)
    assert (status, err) == (0, "")
    assert out.splitlines()[4] == "measured against the show as it ran (kept beside the log)"
    assert "  Open             09:00:00 09:00:05    1:00    1:10    +10.0s" in out
    status, out, err = showcall(capsys, log, "--show", show)  # the file as it is now, when asked for
    assert out.splitlines()[4] == f"measured against the show file {show} (--show)"
    assert "  Opening          09:00:00 09:00:05    2:00    1:10    -50.0s" in out

    kept_path(log, record.digest).write_text("{not json")
    status, out, err = showcall(capsys, log)
    assert status == 0
    assert err.startswith(f"showcall: warning: {kept_path(log, record.digest)}: ")
    assert err.endswith(": measuring against the show file instead\n")
    assert out.splitlines()[4] == "measured against the show file as it is now (no copy of the show as it ran)"
    assert "  Opening          09:00:00" in out


def test_a_run_on_a_rehearsal_clock_is_measured_in_show_time(
    scenario: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    show, log = scenario
    events = on_rehearsal_clock(str(show), speed=2)
    log.write_text("".join(json.dumps(e) + "\n" for e in events))
    status, out, err = showcall(capsys, log)
    assert (status, err) == (0, "")
    expected = EXPECTED.format(log=log, show=show).replace(
        "loaded 2026-03-14 09:00:00; ended: complete\n",
        "loaded 2026-03-14 03:00:00; ended: complete\n",
    )
    expected = expected.replace(
        "(no copy of the show as it ran)\n",
        "(no copy of the show as it ran)\n"
        "on a rehearsal clock at 2x speed: times of day are the show clock's and lengths\n"
        "  are show time; holds, GO-to-wire and lateness are real time (rehearsal clock\n"
        "  starts at the planned start)\n",
    )
    # the one figure in real time that differs: the hold lasted 15 s of real time (30 s of show time)
    expected = expected.replace("1, 30.0s in all", "1, 15.0s in all").replace("1 30.0s GFX 2", "1 15.0s GFX 2")
    expected = expected.replace("09:00:20  30.0s in Open", "09:00:20  15.0s in Open")
    assert out == expected
    data = json.loads(showcall(capsys, log, "--json")[1])
    assert data["show"]["clock"] == {
        "kind": "rehearsal",
        "speed": 2,
        "note": "rehearsal clock starts at the planned start",
    }


def test_the_html_report_is_one_file_with_both_plots(
    scenario: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, log = scenario
    page = log.with_suffix(".html")
    assert showcall(capsys, log, "--html", page)[0] == 0
    html = page.read_text()
    assert html.startswith("<!doctype html>") and html.count("<svg") == 2
    assert '<rect class="hold"' in html  # the hold is shaded on the over/under plot
    assert "<title>2µs–5µs: 0 sends</title>" in html and "<title>1.0ms–2.0ms: 0 sends</title>" in html
    assert "<title>2.0ms–5.0ms: 1 sends</title>" in html


def test_lateness_bins_are_1_2_5_per_decade() -> None:
    bins = histogram([0.5, 5.0, 10.0, 300.0, 2000.0])
    assert [(lo, hi) for lo, hi, _ in bins][:5] == [(0, 1), (1, 2), (2, 5), (5, 10), (10, 20)]
    assert bins[-1][:2] == (2000, 5000)
    assert {(lo, n) for lo, _, n in bins if n} == {(0, 1), (5, 1), (10, 1), (200, 1), (2000, 1)}
