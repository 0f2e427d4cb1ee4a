"""`showcall bench console` end to end on a small show: every GO seen on screen, the figures printed.

The figures' values are not checked (speed is what the benchmark prints, not what a test asserts).
"""

from __future__ import annotations

import re
import subprocess
import sys


def test_a_short_run_sees_every_go_on_screen_and_prints_the_figures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "showcall", "bench", "console", "--cues", "50", "--gos", "3", "--gap", "0.05",
         "--no-rt"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"console on a 50-cue show at 160x48, 3 GOs \(\d+ CPUs, load [\d.]+ before\)", lines[0])
    ms = r"[\d.]+ ms"
    assert re.fullmatch(rf"  GO key -> screen:  p50 {ms}   p99 {ms}   max {ms}   \(never shown: 0\)", lines[1])
    us = r"\d+ µs"
    core = rf"  timing core while the console renders: \d+ sends, lateness p50 {us}   p99 {us}   max {us}   "
    assert re.fullmatch(rf"{core}late >1 ms: \d+", lines[2])
    assert re.fullmatch(r"    (meets|MISSES) the promise \(p50 ≤ 50 µs, p99 ≤ 250 µs\); core: SCHED_OTHER.*", lines[3])


def test_a_bad_terminal_size_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "showcall", "bench", "console", "--size", "wide"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "argument --size: write the terminal size as WxH, e.g. 160x48, not 'wide'" in done.stderr
