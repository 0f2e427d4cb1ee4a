"""kill -9 of the timing core mid-show: the console notices, its warm spare takes over, nothing fires twice.

A real headless run of a 120-cue follow chain (25 ms apart) to a real UDP receiver; the active core (its pid is
in the `timing` event) is killed at a seeded random point. The receiver is the judge: every message arrives
exactly once. The console's `error` events say the core was lost and how many sends the new core was handed,
and a `device` event follows from the new core. The time from the kill to the console's `error` is printed
(the promise is 100 ms; the client notices the process's exit at once) and asserted only loosely: a loaded
2-core machine may be slow to schedule the console.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.receivers import ThreadedUdpReceiver
from support.tmux import descendants

pytestmark = pytest.mark.slow

CUES = 120
FOLLOW_MS = 25
WAIT_S = 60.0


def chain(port: int) -> str:
    lines = [
        "showcall: 1",
        "show: {title: Core kill test}",
        f"devices: {{out: {{driver: osc, host: 127.0.0.1, port: {port}}}}}",
        "departments: {GFX: {name: Graphics}}",
        "cues:",
        '  - {id: "1", dept: GFX, actions: [{osc: {device: out, address: /k/1}}]}',
    ]
    for n in range(2, CUES + 1):
        action = f"{{osc: {{device: out, address: /k/{n}}}}}"
        lines.append(f'  - {{id: "{n}", dept: GFX, go: {{follow: {FOLLOW_MS}ms}}, actions: [{action}]}}')
    return "\n".join(lines) + "\n"


@pytest.fixture
def receiver() -> Iterator[ThreadedUdpReceiver]:
    r = ThreadedUdpReceiver()
    yield r
    r.close()


@pytest.mark.parametrize("seed", range(3))
def test_killing_the_core_mid_show_hands_every_unsent_message_to_the_spare_once(
    tmp_path: Path, receiver: ThreadedUdpReceiver, seed: int
) -> None:
    show, log = tmp_path / "show.yaml", tmp_path / "run.jsonl"
    show.write_text(chain(receiver.port))
    proc = subprocess.Popen(
        [sys.executable, "-m", "showcall", "run", str(show), "--headless", "--no-rt", "--log", str(log), "--auto"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    lines: list[dict[str, Any]] = []
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:  # `--auto` GOes cue 1 a second after the start
        event = json.loads(proc.stdout.readline())
        lines.append(event)
        if event["event"] == "go":
            break
    core = next(e["pid"] for e in lines if e["event"] == "timing")
    spare = [pid for pid in descendants(proc.pid) if pid not in (proc.pid, core)]
    time.sleep(random.Random(seed).uniform(0.2, (CUES - 1) * FOLLOW_MS / 1000 - 0.5))
    killed_ns = time.monotonic_ns()
    os.kill(core, signal.SIGKILL)
    with proc:  # the rest read through the same buffered file: communicate() would skip what it buffered
        out, err = proc.stdout.read(), proc.stderr.read() if proc.stderr else ""
        proc.wait(timeout=WAIT_S)
    assert proc.returncode == 0, err
    events = lines + [json.loads(line) for line in out.splitlines()]
    got = Counter(receiver.settle())

    errors = [e for e in events if e["event"] == "error"]
    lost, restarted = errors[0], errors[1]
    assert lost["message"].startswith("timing core lost (the core process exited (killed by SIGKILL)")
    assert "restarting it, pending sends will follow" in lost["message"]
    new_pid = int(restarted["message"].split("(pid ")[1].split(")")[0])
    assert new_pid in spare  # the warm spare, started before the kill, took over
    handed = int(restarted["message"].split(": ")[1].split(" ")[0])
    after = events[events.index(restarted) :]
    assert any(e["event"] == "device" and e["device"] == "out" for e in after)  # the new core opened it
    noticed_ms = (lost["mono_ns"] - killed_ns) / 1e6
    print(f"\ncore {core} killed: noticed after {noticed_ms:.2f} ms; pid {new_pid} took over {handed} sends")
    assert noticed_ms < 1_000  # the promise is 100 ms; loose here (see module docstring)
    assert events[-1]["event"] == "end" and events[-1]["reason"] == "complete"
    missing = [n for n in range(1, CUES + 1) if got[f"/k/{n}"] == 0]
    twice = sorted((address, count) for address, count in got.items() if count > 1)
    assert (missing, twice) == ([], [])
    sent = Counter(e["cue"] for e in events if e["event"] == "sent")
    assert sent == Counter(str(n) for n in range(1, CUES + 1))  # and each is in the log once
