"""kill -9 of the headless console at a random point of a 200-cue follow chain, then `--resume --auto`.

Real processes, a real timing core, a real UDP receiver: the receiver is the judge. Every trial (seeded) must
end with each of the 200 messages received exactly once. The timing core outlives the console by the moment it
takes to read end of file on its socket; it stops sending and appends its last sends to the log
(showcall.timing.lastwords), so a send whose report died with the console is still known to the resume.

CI runs 5 trials (about a minute); the long profile runs 50:
`SHOWCALL_LONG=1 pytest tests/runner/test_kill_resume.py -s` (its figures are in docs/reliability.md).
Each trial prints where it was killed and what the resume found: how many sends only the core's last words
told of, and any error the resume reported.
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

import pytest

from support.receivers import ThreadedUdpReceiver
from support.tmux import descendants

pytestmark = pytest.mark.slow

CUES = 200
TRIALS = 50 if os.environ.get("SHOWCALL_LONG") else 5
WAIT_S = 60.0
"""A trial's processes start, run a ~7 s chain and resume within this on a loaded 2-core machine."""


def chain(port: int, seed: int) -> tuple[str, float]:
    """A 200-cue show: a manual cue, then follows 20-50 ms apart (seeded); each cue sends `/k/<n>`.
    Returns the show text and the chain's length in seconds."""
    rng = random.Random(seed)
    follows = [rng.randint(20, 50) for _ in range(CUES - 1)]
    lines = [
        "showcall: 1",
        "show: {title: Kill test, go_guard: 100ms}",
        f"devices: {{out: {{driver: osc, host: 127.0.0.1, port: {port}}}}}",
        "departments: {GFX: {name: Graphics}}",
        "cues:",
        '  - {id: "1", dept: GFX, actions: [{osc: {device: out, address: /k/1}}]}',
    ]
    for n, ms in enumerate(follows, start=2):
        action = f"{{osc: {{device: out, address: /k/{n}}}}}"
        lines.append(f'  - {{id: "{n}", dept: GFX, go: {{follow: {ms}ms}}, actions: [{action}]}}')
    return "\n".join(lines) + "\n", sum(follows) / 1000


@pytest.fixture
def receiver() -> Iterator[ThreadedUdpReceiver]:
    r = ThreadedUdpReceiver()
    yield r
    r.close()


def run(show: Path, log: Path, *args: str, stdin: int | None = subprocess.PIPE) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "showcall", "run", str(show), "--headless", "--no-rt", "--log", str(log), *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.mark.parametrize("seed", range(TRIALS))
def test_kill_9_at_a_random_point_then_resume_sends_every_message_exactly_once(
    tmp_path: Path, receiver: ThreadedUdpReceiver, seed: int
) -> None:
    text, length_s = chain(receiver.port, seed)
    show, log = tmp_path / "show.yaml", tmp_path / "run.jsonl"
    show.write_text(text)
    console = run(show, log)
    assert console.stdin is not None and console.stdout is not None
    console.stdin.write("go\n")
    console.stdin.flush()
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:  # wait for the GO itself, then kill somewhere in the chain
        line = console.stdout.readline()
        if not line or '"event":"go"' in line:
            break
    kill_after = random.Random(1000 + seed).uniform(0.0, length_s)
    time.sleep(kill_after)
    cores = [pid for pid in descendants(console.pid) if pid != console.pid]
    killed, killed_ns = time.monotonic(), time.monotonic_ns()
    os.kill(console.pid, signal.SIGKILL)
    deadline = killed + WAIT_S
    while any(alive(pid) for pid in cores):  # the orphaned core stops at once; wait for its last words
        assert time.monotonic() < deadline, "the timing core outlived the console"
        time.sleep(0.001)
    core_gone_ms = (time.monotonic() - killed) * 1000
    console.wait(timeout=WAIT_S)
    for stream in (console.stdin, console.stdout, console.stderr):
        stream.close()
    before = Counter(receiver.settle())

    with open(os.devnull) as nothing:
        resumed = run(show, log, "--resume", "--auto", "100ms", stdin=nothing.fileno())
        out, err = resumed.communicate(timeout=WAIT_S)
    assert resumed.returncode == 0, err
    assert "Traceback" not in err
    got = Counter(receiver.settle())

    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{") and x.endswith("}")]
    words = [x for x in lines if x["event"] == "core_sent"]
    logged_ids = {x["item_id"] for x in lines[: lines.index(words[0])] if x["event"] == "sent"} if words else set()
    told = [i for i, _, _ in words[0]["items"] if i not in logged_ids] if words else []
    errors = [x["message"] for x in lines if x["event"] == "error"]
    spoke = f"{(words[0]['mono_ns'] - killed_ns) / 1e6:.1f} ms after the kill" if words else "none"
    print(
        f"\ntrial {seed}: killed {kill_after:.3f} s into the chain with {sum(before.values())} messages out; "
        f"its timing cores gone {core_gone_ms:.0f} ms later; "
        f"last words: {spoke}, "
        f"{len(told)} sends known only from them; "
        f"resume sent {sum(got.values()) - sum(before.values())}; errors: {errors or 'none'}"
    )
    assert events_end(out)
    missing = [n for n in range(1, CUES + 1) if got[f"/k/{n}"] == 0]
    twice = sorted((address, count) for address, count in got.items() if count > 1)
    assert (missing, twice) == ([], []), f"missing {missing}, sent more than once {twice}"
    assert sum(got.values()) == CUES


def events_end(out: str) -> bool:
    """The resumed run's last stdout line is `end` (the chain completed)."""
    last = json.loads(out.splitlines()[-1])
    return bool(last["event"] == "end" and last["reason"] == "complete")
