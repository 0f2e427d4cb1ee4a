"""`showcall bench report` as a user runs it: a tiny run prints every figure; its synthesised log is one
`showcall report` reads with the counts it was made with. Speeds are printed by the benchmark, never asserted."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from showcall.bench.report import write_log
from showcall.bench.showgen import write_synthetic_show

SECONDS = r"\d+\.\d{3} s"


def showcall(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "showcall", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_a_tiny_run_prints_every_figure(tmp_path: Path) -> None:
    result = showcall("bench", "report", "--cues", "40", "--runs", "1", "--keep", str(tmp_path))
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        r"A synthesised log of a 40-cue run: [\d,]+ events, \d+\.\d MiB \(synthetic-40\.jsonl\)", lines[0]
    )
    for line, label in zip(lines[2:6], ("text", "--show", "--json", "--html"), strict=True):
        assert re.fullmatch(rf"  {re.escape(label)} +{SECONDS}  \(CPU +{SECONDS}\)", line)  # no verdict under 10,000
    assert lines[6].startswith("Machine: ")
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")


def test_json_has_every_run_of_every_figure() -> None:
    result = showcall("bench", "report", "--cues", "20", "--runs", "2", "--json")
    assert (result.returncode, result.stderr) == (0, "")
    data = json.loads(result.stdout)
    assert list(data["figures"]) == ["text", "--show", "--json", "--html"]
    assert all(len(figure["samples"]) == 2 for figure in data["figures"].values())
    assert data["met"] is None  # a verdict only for the 10,000 cues the target is about


def test_the_synthesised_log_reads_back_with_what_it_was_made_of(tmp_path: Path) -> None:
    show = write_synthetic_show(tmp_path / "show.yaml", 600)
    log = tmp_path / "run.jsonl"
    write_log(show, log)
    events = [json.loads(line) for line in log.read_text().splitlines()]
    result = showcall("report", str(log), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    gos = Counter(e["source"] for e in events if e["event"] == "go")
    assert data["totals"]["by_source"] == dict(gos) and sum(gos.values()) == 600
    assert data["totals"]["sends"] == sum(1 for e in events if e["event"] == "sent")
    assert data["totals"]["failed_sends"] == sum(1 for e in events if e["event"] == "send_failed") > 0
    assert data["show"]["measured_against"] == "the show as it ran (kept beside the log)"
    assert data["totals"]["holds"] == 1 and [o["device"] for o in data["outages"]] == ["snd"]
