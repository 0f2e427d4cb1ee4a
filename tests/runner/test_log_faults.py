"""The event log's disk fills up mid-show, or was full from the start: the show goes on, and says so loudly.

Real processes and a real receiver. A full disk mid-show is made by the kernel, not by a mock: the run gets a
file size limit (RLIMIT_FSIZE), so once its log reaches that size every further write fails with EFBIG ("File
too large"), as a write to a full disk fails with ENOSPC (Python ignores SIGXFSZ, so the write returns the
error). A disk full from the start is a log that is a symlink to /dev/full (every write: ENOSPC). Either way:
an `error` event on stdout says the log is not written, every message still reaches the device, `end` is the
last line and the exit status is 0. (The console shows the same `error` as a notice: tests/tui/test_console.py.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.receivers import ThreadedUdpReceiver

CUES = 40
LIMIT = 16_000
"""The log's size limit: reached after a dozen cues of the chain (each writes ~600 bytes of events)."""


def chain(port: int) -> str:
    lines = [
        "showcall: 1",
        "show: {title: Log faults}",
        f"devices: {{out: {{driver: osc, host: 127.0.0.1, port: {port}}}}}",
        "departments: {GFX: {name: Graphics}}",
        "cues:",
        '  - {id: "1", dept: GFX, actions: [{osc: {device: out, address: /c/1}}]}',
    ]
    for n in range(2, CUES + 1):
        lines.append(
            f'  - {{id: "{n}", dept: GFX, go: {{follow: 25ms}}, actions: [{{osc: {{device: out, address: /c/{n}}}}}]}}'
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def receiver() -> Iterator[ThreadedUdpReceiver]:
    r = ThreadedUdpReceiver()
    yield r
    r.close()


LIMITED = (
    "import os, resource, sys; n = int(sys.argv[1]); resource.setrlimit(resource.RLIMIT_FSIZE, (n, n)); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[2:]])"
)
"""Runs the rest of its arguments as a Python command under a file size limit (no preexec_fn: this test
process has a receiver thread, and forking with threads then running Python code in the child is unsafe)."""


def run(show: Path, log: Path, *, file_limit: int | None = None) -> tuple[int, list[dict[str, Any]], str]:
    command = ["-m", "showcall", "run", str(show), "--headless", "--no-rt", "--auto", "--log", str(log)]
    if file_limit is not None:
        command = ["-c", LIMITED, str(file_limit), *command]
    proc = subprocess.run(
        [sys.executable, *command],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.returncode, [json.loads(x) for x in proc.stdout.splitlines() if x.strip()], proc.stderr


def check_show_went_on(events: list[dict[str, Any]], receiver: ThreadedUdpReceiver) -> None:
    assert events[-1]["event"] == "end" and events[-1]["reason"] == "complete"
    assert Counter(receiver.settle()) == Counter(f"/c/{n}" for n in range(1, CUES + 1))
    assert sum(e["event"] == "sent" for e in events) == CUES  # stdout still has every send


def test_a_log_whose_disk_fills_mid_show(tmp_path: Path, receiver: ThreadedUdpReceiver) -> None:
    show, log = tmp_path / "show.yaml", tmp_path / "logs" / "run.jsonl"
    show.write_text(chain(receiver.port))
    status, events, err = run(show, log, file_limit=LIMIT)
    assert status == 0, err
    assert "Traceback" not in err
    errors = [e["message"] for e in events if e["event"] == "error"]
    assert len(errors) == 1, errors  # said once, not at every event
    assert f"cannot write the event log {log} (File too large): no more events are logged" in errors[0]
    check_show_went_on(events, receiver)
    written = log.read_text().splitlines()
    assert 10 < len(written) < len(events)  # it was written until the disk filled
    assert log.stat().st_size <= LIMIT
    failed_at = next(i for i, e in enumerate(events) if e["event"] == "error")
    assert any(e["event"] == "sent" for e in events[failed_at:])  # the show went on after it


def test_a_log_on_a_full_disk_from_the_start(tmp_path: Path, receiver: ThreadedUdpReceiver) -> None:
    show, log = tmp_path / "show.yaml", tmp_path / "run.jsonl"
    show.write_text(chain(receiver.port))
    log.symlink_to("/dev/full")
    status, events, err = run(show, log)
    assert status == 0, err
    errors = [e["message"] for e in events if e["event"] == "error"]
    assert len(errors) == 1 and "(No space left on device): no more events are logged" in errors[0]
    check_show_went_on(events, receiver)
