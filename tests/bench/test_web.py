"""`showcall bench web`: its figures, its verdict, and one small run end to end."""

from __future__ import annotations

import json
import subprocess
import sys

from showcall.bench.web import Run, render, show_text, summary


def test_summaries_are_measured_values() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert summary(values) == {"n": 100, "p50": 50.0, "p99": 99.0, "p999": 100.0, "max": 100.0}
    assert summary([]) == {"n": 0}


def test_the_generated_show_alternates_departments_and_sends_each_message() -> None:
    text = show_text(gos=2, messages=3, port=9999)
    cues = [line for line in text.splitlines() if line.startswith("  - ")]
    assert len(cues) == 3 and "dept: LX" in cues[0] and "dept: SND" in cues[1]
    assert cues[0].count("osc:") == 3 and cues[0].count("wait: 2ms") == 2


def test_the_report_and_its_verdict() -> None:
    base = Run("no browser", go_command_ms=[1.0, 2.0], late_us=[3.0, 4.0], cpu_ms_per_go=0.5)
    loaded = Run("with browsers", [1.5], [10.0, 60.0], [10.0], [20.0], [5.0], clients=2, browsers=1, stalled=1)
    text = render([base, loaded])
    assert text.splitlines() == [
        "no browser: 0 WebSocket clients, 0 chromium pages, 0 stalled",
        "  GO command to go event      n=2      p50    1.000  p99    2.000  p99.9    2.000  max    2.000 ms",
        "  timing core lateness        n=2      p50    3.000  p99    4.000  p99.9    4.000  max    4.000 µs",
        "  showcall process CPU        0.50 ms a GO (engine, views, ticks; not the core)",
        "with browsers: 2 WebSocket clients, 1 chromium pages, 1 stalled",
        "  event to WebSocket client   n=2      p50   10.000  p99   60.000  p99.9   60.000  max   60.000 ms",
        "  event to first of them      n=1      p50   10.000  p99   10.000  p99.9   10.000  max   10.000 ms",
        "  event to chromium page      n=1      p50   20.000  p99   20.000  p99.9   20.000  max   20.000 ms",
        "  GO command to go event      n=1      p50    1.500  p99    1.500  p99.9    1.500  max    1.500 ms",
        "  timing core lateness        n=1      p50    5.000  p99    5.000  p99.9    5.000  max    5.000 µs",
        "verdict: event to chromium page p99 20.0 ms (target <= 50 ms): PASS",
    ]
    without_pages = Run("with browsers", to_clients_ms=[10.0, 60.0], clients=2)
    assert render([base, without_pages]).splitlines()[-1] == (
        "verdict: event to WebSocket client p99 60.0 ms (target <= 50 ms): FAIL"
    )


def test_a_small_run_end_to_end() -> None:
    args = ["--gos", "4", "--clients", "3", "--browsers", "0", "--stalled", "1", "--messages", "2", "--json"]
    result = subprocess.run(
        [sys.executable, "-m", "showcall", "bench", "web", *args, "--interval-ms", "150"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    loaded, base = figures["with browsers"], figures["no browser"]
    assert loaded["to_clients_ms"]["n"] == 12  # 3 clients x 4 GOs: every go event reached every client
    assert loaded["to_first_client_ms"]["n"] == 4
    assert (loaded["clients"], loaded["browsers"], loaded["stalled"]) == (3, 0, 1)
    assert base["to_clients_ms"] == {"n": 0} and base["go_command_ms"]["n"] == 4
    assert base["late_us"]["n"] == loaded["late_us"]["n"] == 8  # 4 cues x 2 messages, each run
    assert figures["verdict"]["target_ms"] == 50.0 and figures["verdict"]["on"] == "event to WebSocket client"
    assert base["cpu_ms_per_go"] >= 0 and loaded["cpu_ms_per_go"] >= 0
