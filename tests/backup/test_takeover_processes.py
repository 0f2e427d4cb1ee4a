"""A main and its backup as real processes on loopback, a follow chain to a real UDP receiver that judges.

The faults: the main killed with -9 (a crash), its whole process group frozen (a machine gone silent), the link
stalled (a proxy stops carrying bytes: nothing closed), the main's engine stopped and continued (SIGSTOP,
SIGCONT: not dead, just silent), and take-over and hand-back by hand. Every cue must reach the receiver exactly
once, and never may the main send after the backup's first send (both live).

The kill trials run `SHOWCALL_BACKUP_TRIALS` seeds (2 here; `showcall bench backup` runs 30 of each fault and
prints the take-over gap's p50/p99/max: docs/backup.md). Bounds on real time are generous: the heartbeat
window is 500 ms, and a take-over by silence must come within it plus one second on a loaded 2-core machine
(the bench measures the real gap against heartbeat + 100 ms).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from showcall.bench.linkrig import MS, Pair, S, judge, run_trial

pytestmark = pytest.mark.slow

TRIALS = int(os.environ.get("SHOWCALL_BACKUP_TRIALS", "2"))
HEARTBEAT_NS = 500 * MS
LOADED_MACHINE_NS = 1 * S


@pytest.mark.parametrize("seed", range(TRIALS))
def test_a_main_killed_mid_chain_is_taken_over_and_every_cue_arrives_once(tmp_path: Path, seed: int) -> None:
    trial = run_trial(tmp_path, seed, "kill")
    v = trial.verdict
    assert (v.duplicates, v.missing, v.interleaved) == ((), (), False), trial
    assert trial.took_over["detail"].startswith("the main's showcall is gone")
    assert v.main_cues and v.backup_cues  # both sent: the fault came mid-chain
    assert v.gap_ns is not None and v.gap_ns < HEARTBEAT_NS + LOADED_MACHINE_NS


def test_a_frozen_main_is_taken_over_after_the_heartbeat_window(tmp_path: Path) -> None:
    trial = run_trial(tmp_path, 7, "freeze")
    v = trial.verdict
    assert (v.duplicates, v.missing, v.interleaved) == ((), (), False), trial
    silent_for = float(trial.took_over["detail"].removeprefix("nothing from the main for ").removesuffix(" s"))
    assert silent_for >= 0.5  # never before the window: the main's lease may still run until then
    assert v.gap_ns is not None and v.gap_ns < HEARTBEAT_NS + LOADED_MACHINE_NS


def _cues(doubts: list[list[object]]) -> set[int]:
    return {int(str(d[0])) for d in doubts}


def test_a_stalled_link_does_not_make_both_live_and_once_back_nothing_goes_twice(tmp_path: Path) -> None:
    pair = Pair.start(tmp_path, cues=20, spacing_ms=100, policy="ask", proxy=True)
    try:
        pair.go()
        time.sleep(0.5)
        assert pair.proxy is not None
        pair.proxy.pause()  # the link stalls: nothing is closed, nothing gets through
        paused_ns = time.monotonic_ns()
        took_over = pair.backup.link("took_over", timeout_s=10)
        holding = pair.main.link("holding", timeout_s=10)
        time.sleep(0.5)
        pair.proxy.resume()  # the main hears the backup is live with a higher term: it stands down, says what
        pair.main.link("following", timeout_s=10)  # it sent meanwhile, and follows
        settled = pair.backup.link("settled", timeout_s=10)
        pair.receiver.wait_for(20, timeout_s=5)
        time.sleep(0.3)
        v = judge(pair, paused_ns)
    finally:
        pair.close()
    assert holding["mono_ns"] < took_over["mono_ns"]  # the main held its sends before the backup went live
    assert not v.interleaved
    main_port = min(pair.receiver.arrivals, key=lambda a: a.at_ns).port
    in_stall = {a.cue for a in pair.receiver.arrivals if a.port == main_port and a.at_ns > paused_ns}
    assert in_stall <= _cues(took_over["doubts"])  # the main's sends in its lease were all in doubt
    assert (v.duplicates, v.missing) == ((), ()), (settled, took_over)


def test_a_main_stopped_then_continued_finds_the_backup_live_and_stays_muted(tmp_path: Path) -> None:
    pair = Pair.start(tmp_path, cues=20, spacing_ms=100, policy="fire")
    try:
        pair.go()
        time.sleep(0.5)
        pair.main.signal(signal.SIGSTOP)  # its engine only: its timing core runs on, to the end of its lease
        stopped_ns = time.monotonic_ns()
        took_over = pair.backup.link("took_over", timeout_s=10)
        time.sleep(0.3)
        pair.main.signal(signal.SIGCONT)
        standing = pair.main.link("standing_down", timeout_s=10)
        pair.main.link("following", timeout_s=10)
        continued_ns = time.monotonic_ns()
        settled = pair.backup.link("settled", timeout_s=10)
        pair.receiver.wait_for(20, timeout_s=5)
        time.sleep(0.3)
        v = judge(pair, stopped_ns)
    finally:
        pair.close()
    assert not v.interleaved and v.missing == ()
    main_port = min(pair.receiver.arrivals, key=lambda a: a.at_ns).port
    assert not [a for a in pair.receiver.arrivals if a.port == main_port and a.at_ns > continued_ns]
    assert "live with term 2" in standing["detail"]
    # With `fire`, what the main's core sent in its lease after its engine stopped went twice, and the backup
    # says which once the main is back (with `ask` the test above shows none goes twice).
    named = {int(part.split()[1]) for part in settled["detail"].partition("sent by both: ")[2].split(", ") if part}
    assert set(v.duplicates) == named <= _cues(took_over["doubts"])


def test_take_over_by_hand_and_hand_back_leave_nothing_in_doubt(tmp_path: Path) -> None:
    pair = Pair.start(tmp_path, cues=24, spacing_ms=100, policy="ask")
    try:
        pair.go()
        time.sleep(0.6)
        pair.backup.command("takeover")  # the main answers: it stands down first, then the backup goes live
        took_over = pair.backup.link("took_over", timeout_s=10)
        pair.main.link("following", timeout_s=10)
        time.sleep(0.6)
        pair.main.command("takeover")  # hand-back: the main, following, takes over the same way
        back = pair.main.wait_for(lambda e: e.get("what") == "took_over" and "handed over" in e["detail"], 10)
        pair.backup.link("following", timeout_s=10)
        pair.receiver.wait_for(24, timeout_s=5)
        time.sleep(0.3)
        v = judge(pair, 0)
    finally:
        pair.close()
    assert took_over["detail"] == "handed over by the main" and took_over["doubts"] == []
    assert back["doubts"] == []
    assert (v.duplicates, v.missing) == ((), ())
    ports = [a.port for a in sorted(pair.receiver.arrivals, key=lambda a: a.at_ns)]
    changes = [p for i, p in enumerate(ports) if i == 0 or p != ports[i - 1]]
    assert len(changes) == 3 and changes[0] != changes[1] != changes[2]  # main, then backup, then main again
