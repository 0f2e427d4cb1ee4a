"""`showcall bench timing`: options, a short real run end to end (slow), JSON shape and honest counts."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from showcall.bench import timing as bench


def test_options_are_added_to_a_parser_and_documented() -> None:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--no-rt", "--json", "--samples", "50", "--conditions", "ui"])
    assert (args.no_rt, args.json, args.samples, args.conditions, args.mode) == (True, True, 50, "ui", "precise")
    for action in parser._actions:
        assert action.help, f"{action.dest} has no help text"


def test_bad_arguments_exit_2_before_starting_anything(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    assert bench.run(parser.parse_args(["--conditions", "idle,disco"])) == 2
    assert "bad arguments (disco)" in capsys.readouterr().err


@pytest.mark.slow
def test_a_short_run_reports_every_figure_as_json() -> None:
    # Small counts: this proves the machinery end to end (processes, receiver, JSON), not the figures.
    cmd = [sys.executable, "-m", "showcall.bench.timing", "--json", "--no-rt", "--samples", "40", "--conditions",
           "ui", "--modes", "precise,sleep", "--bursts", "2", "--burst-size", "64", "--panics", "2",
           "--cpu-seconds", "0.3"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True)
    result = json.loads(done.stdout)
    assert result["environment"]["realtime_requested"] is False
    assert result["environment"]["priority"].startswith("SCHED_OTHER")
    for condition in ("ui",):
        row = result["conditions"][condition]
        for who in ("core", "naive"):
            for where in ("wire", "sender"):
                summary = row[who][where]
                assert summary["n"] + summary["lost"] == 40
        assert row["core"]["wire"]["early"] == row["core"]["sender"]["early"] == 0
        assert row["core"]["wire"]["lost"] == 0
    assert set(result["modes"]) == {"precise", "sleep"}
    assert result["burst"]["lost"] == 0 and result["burst"]["in_order"] is True
    assert result["panic"]["latency"]["n"] == 2 and result["panic"]["sent_after_panic"] == 0
    assert {t["what"] for t in result["verdict"]} >= {
        "p99 on the wire, UI load",
        "early sends by the core, every condition",
    }
    assert "ui: the naive scheduler and the core, 40 sends each" in done.stderr
