"""`showcall bench load` as a user runs it: its help, and a tiny run that prints every figure.

The figures' values are not checked: speed is what the benchmark reports, not what a test asserts.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SECONDS = r"\d+\.\d{3} s"


def showcall(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "showcall", *args], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )


def test_help_names_every_option() -> None:
    result = showcall("bench", "load", "--help")
    assert result.returncode == 0
    for option in ("--cues", "--runs", "--show", "--json"):
        assert option in result.stdout


def test_a_tiny_run_prints_every_figure_and_verdict() -> None:
    result = showcall("bench", "load", "--cues", "200", "--runs", "1")
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        r"Loading a generated 200-cue show \([\d,]+ KiB\), in-process, median of 1 fresh process\(es\):", lines[0]
    )
    figure = rf"{SECONDS}  \(CPU +{SECONDS}\)"
    for label in ("read YAML", "validate + expand", "lint", "compile", "stages together"):
        assert any(re.fullmatch(rf"  {re.escape(label)} +{figure}", line) for line in lines), label
    assert any(re.fullmatch(rf"  load_show +{figure}   target < 1\.5 s is for 10000 cues", line) for line in lines)
    assert "`showcall check` wall time, interpreter start-up included, median of 1:" in lines
    verdict = r"   target < 0\.5 s: (met|MISSED)"
    assert any(re.fullmatch(rf"  shows/summit\.yaml +{figure}{verdict}", line) for line in lines)
    assert any(re.fullmatch(rf"  200-cue show +{figure}", line) for line in lines)
    machine = r"Machine: \d+ cores, 1-minute load average [\d.]+ before and [\d.]+ after"
    if lines[-1].startswith("Note: showcall's modules have no cached bytecode"):
        lines.pop()  # said only where the modules are not compiled ahead (PYTHONDONTWRITEBYTECODE, a fresh clone)
    assert re.fullmatch(rf"{machine}( \(above the core count: other work slowed these figures\))?", lines[-1])


def test_json_has_every_figure() -> None:
    result = showcall("bench", "load", "--cues", "50", "--runs", "1", "--json")
    assert result.returncode == 0
    figures = json.loads(result.stdout)
    assert figures["runs"] == 1
    assert figures["generated_show"]["cues"] == 50
    load = figures["load"]
    assert list(load["stages"]) == ["read_yaml", "validate_expand", "lint", "compile"]
    measured = [*load["stages"].values(), load["load_show"], figures["check"]["typical"], figures["check"]["generated"]]
    for figure in measured:
        assert figure["wall_s"] > 0
        assert figure["cpu_s"] >= 0
        assert len(figure["wall_runs_s"]) == len(figure["cpu_runs_s"]) == 1
    assert load["met"] is None  # the target is for 10,000 cues
    assert figures["check"]["show"] == "shows/summit.yaml"
    assert isinstance(figures["check"]["met"], bool)


def test_a_missing_typical_show_is_a_usage_error() -> None:
    result = showcall("bench", "load", "--cues", "10", "--runs", "1", "--show", "no/such.yaml")
    assert result.returncode == 2
    assert "no show at no/such.yaml" in result.stderr
