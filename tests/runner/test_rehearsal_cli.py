"""`showcall rehearse` / `run` with the rehearsal options: refusals in words (fast: nothing starts), and one
real-time rehearsal through the headless runner on a rehearsal clock (slow)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SUMMIT = REPO / "shows" / "summit.yaml"
TINY = REPO / "shows" / "tiny.yaml"
S = 1_000_000_000


def showcall(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "showcall", *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (
            ("run", str(SUMMIT), "--headless", "--clock", "08:29:30"),
            2,
            "showcall: --clock is for rehearsals (showcall rehearse, or run --sim): a show on the real devices runs "
            "on the real time of day, at real speed, from its first cue (or --resume)",
        ),
        (
            ("run", str(SUMMIT), "--headless", "--speed", "4"),
            2,
            "showcall: --speed is for rehearsals (showcall rehearse, or run --sim): a show on the real devices runs "
            "on the real time of day, at real speed, from its first cue (or --resume)",
        ),
        (
            ("run", str(SUMMIT), "--headless", "--from-segment", "awards"),
            2,
            "showcall: --from-segment is for rehearsals (showcall rehearse, or run --sim): a show on the real "
            "devices runs on the real time of day, at real speed, from its first cue (or --resume)",
        ),
        (
            ("rehearse", str(SUMMIT), "--headless", "--resume", "--clock", "08:29:30"),
            2,
            "showcall: --clock cannot be used with --resume: a resumed run carries on its own clock from where it "
            "stopped",
        ),
        (
            ("rehearse", str(SUMMIT), "--headless", "--speed", "4", "--mtc", "127.0.0.1:9999"),
            2,
            "showcall: --speed runs showcall's internal timecode faster; timecode chased with --mtc runs at the "
            "rig's rate",
        ),
        (
            ("rehearse", str(SUMMIT), "--headless", "--clock", "25:00"),
            2,
            "showcall rehearse: error: argument --clock: bad time of day '25:00': hours 00-23, minutes and seconds "
            "00-59",
        ),
        (
            ("rehearse", str(SUMMIT), "--headless", "--speed", "3"),
            2,
            "showcall rehearse: error: argument --speed: speed '3': use 2, 4 or 8 (times real time), or 1",
        ),
        (
            ("rehearse", str(SUMMIT), "--headless", "--from-segment", "lunch"),
            1,
            "showcall: --from-segment: no segment 'lunch' in this show (its segments: walkin, open, welcome, "
            "keynote, product, panel, awards, walkout)",
        ),
        (
            ("rehearse", str(TINY), "--headless", "--from-segment", "top"),
            1,
            "showcall: --from-segment: this show has no segments (a flat cue list): take it from a cue instead",
        ),
        (("rehearse", str(TINY), "--headless", "--from", "9"), 1, "showcall: --from: no cue '9' in this show"),
    ],
)
def test_rehearsal_options_are_refused_in_words(args: tuple[str, ...], status: int, message: str) -> None:
    result = showcall(*args)
    assert result.returncode == status, result.stderr
    assert result.stderr.splitlines()[-1] == message
    assert "Traceback" not in result.stderr


def test_a_rehearsal_clock_log_resumes_only_as_a_rehearsal(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    log.write_text(
        f'{{"event":"loaded","mono_ns":1,"show_tod_ns":30570000000000,"wall_ns":2,"path":"{SUMMIT}",'
        '"clock":"rehearsal","speed":4}\n'
    )
    result = showcall("run", str(SUMMIT), "--headless", "--resume", "--log", str(log))
    assert result.returncode == 1
    assert result.stderr == (
        f"showcall: cannot resume from {log}: that run was a rehearsal on a rehearsal clock; resume it as one "
        "(showcall rehearse --resume, or run --sim --resume)\n"
    )


@pytest.mark.slow
def test_a_real_time_rehearsal_on_a_rehearsal_clock_fires_the_walk_in_at_0830(tmp_path: Path) -> None:
    """The real process, clocks and timing core: `--clock 08:29:58`, and LX 1 (`at 08:30:00`) fires ~2 s later.

    What is exact: on the rehearsal clock LX 1 fires at 08:30:00.000000000 (the clock is a linear function of
    CLOCK_MONOTONIC, so `loaded`'s stamp and the GO's fire time say it to the nanosecond). What is bounded: the
    clock is set when the session opens, a few ms before `loaded` (allowed: up to 1 s, on a shared 2-core
    machine), so LX 1 fires 1-2 s after `loaded`; its message leaves after its deadline, never before, and (an
    unprivileged process beside other jobs) within 5 ms of it; the console's bookkeeping marks it fired within
    0.5 s (a timer on an asyncio loop: it only updates the view, it sends nothing).
    """
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "showcall",
            "rehearse",
            str(SUMMIT),
            "--headless",
            "--no-rt",
            "--clock",
            "08:29:58",
            "--log",
            str(tmp_path / "run.jsonl"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    events: list[dict[str, object]] = []
    for line in proc.stdout:
        events.append(json.loads(line))
        if events[-1]["event"] == "complete" and events[-1]["cue"] == "1":
            break
    out, err = proc.communicate("quit\n", timeout=60)
    events += [json.loads(line) for line in out.splitlines() if line.strip()]
    assert proc.returncode == 0, err

    loaded = events[0]
    assert (loaded["event"], loaded["clock"], loaded["speed"]) == ("loaded", "rehearsal", 1)
    set_at = (8 * 3600 + 29 * 60 + 58) * S
    assert 0 <= int(loaded["show_tod_ns"]) - set_at < S
    go = next(e for e in events if e["event"] == "go")
    assert (go["cue"], go["source"]) == ("1", "at")
    fire_ns, loaded_ns = int(go["fire_ns"]), int(loaded["mono_ns"])
    assert int(loaded["show_tod_ns"]) + fire_ns - loaded_ns == (8 * 3600 + 30 * 60) * S
    assert S <= fire_ns - loaded_ns <= 2 * S
    assert 0 <= int(go["mono_ns"]) - fire_ns < S // 2
    sent = [e for e in events if e["event"] == "sent" and e["cue"] == "1"]
    assert len(sent) == 1 and sent[0]["due_ns"] == fire_ns
    assert 0 <= float(sent[0]["late_us"]) < 5000
    assert not [e for e in events if e["event"] in {"refused", "failed", "send_failed"}]
