"""`showcall bench engine` end to end on tiny counts: every GO reaches the receiver, the long run loses nothing.

The latency figures are printed by the benchmark, not checked here; what is checked is what it counts.
"""

from __future__ import annotations

import json
import subprocess
import sys


def test_a_tiny_run_counts_every_go_and_every_message() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "showcall", "bench", "engine", "--gos", "3", "--cues", "20", "--gap-ms", "5", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert (figures["go_lead_us"], figures["realtime_requested"]) == (1000.0, False)
    for condition in ("control_idle", "control_ui_load", "stdin_idle"):
        row = figures[condition]
        assert (row["count"], row["received"]) == (3, 3), condition
        assert row["min_us"] <= row["p50_us"] <= row["p99_us"] <= row["max_us"]
    long = figures["long_run"]
    assert (long["cues"], long["received"], long["missed"], long["duplicated"], long["early"]) == (20, 20, 0, 0, 0)
    assert len(long["rss_mb"]) >= 2
