"""`showcall bench soak` end to end on a short run: it counts what it says, and loses nothing it should not.

The figures (lateness, memory) are printed by the benchmark, not checked here; what is checked is that the
counts add up: every device received at most what the log says was sent to it (never more: nothing twice), a
device that never failed received exactly that, and memory and descriptors were sampled.
"""

from __future__ import annotations

import json
import subprocess
import sys


def test_a_short_soak_counts_every_send_and_samples_memory_and_descriptors() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "showcall", "bench", "soak", "--minutes", "0.4", "--seed", "3", "--json"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert 0 < figures["cues_fired"] <= figures["cues"]
    assert figures["sent"] > figures["cues_fired"] and figures["early"] == 0
    assert set(figures["lateness_us"]) == {"p50", "p99", "p99.9", "max"}
    failed = {fault.split()[0] for fault in figures["faults"]}
    for name, device in figures["devices"].items():
        assert device["received"] <= device["logged_sent"], name
        if name not in failed:
            assert device["received"] == device["logged_sent"], name
    for process in ("console", "core"):
        assert len(figures[process]["rss_mb"]) >= 2 and len(figures[process]["fds"]) >= 2
    assert figures["log_lines"] > figures["sent"]


def test_minutes_must_be_positive() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "showcall", "bench", "soak", "--minutes", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == "showcall: --minutes: must be more than 0\n"
