"""Every way of stopping a run drains first: real processes, a real timing core, a real UDP receiver.

A 40-cue follow chain (25 ms apart) is stopped mid-way by `quit`, end of input, SIGTERM, SIGINT, and in a
real terminal by the console's `q` and by signals. The receiver is the judge: every datagram it got has a
`sent` event in the log (and on stdout, headless), none came twice, and `end` is the last line. No timing is
asserted: the stop lands wherever it lands, and the checks hold wherever that is.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.receivers import UdpReceiver
from support.tmux import WAIT_S, Tmux, descendants, private_tmux

CUES = 40
FOLLOW_MS = 25


def chain_show(port: int, *, cues: int = CUES, follow_ms: int = FOLLOW_MS) -> str:
    """A manual cue followed by a chain, each cue one datagram `/c/<id>` to 127.0.0.1:`port`."""
    lines = [
        "showcall: 1",
        "show: {title: Drain test, go_guard: 100ms}",
        f"devices: {{gfx: {{driver: osc, host: 127.0.0.1, port: {port}}}}}",
        "departments: {GFX: {name: Graphics}}",
        "cues:",
    ]
    for n in range(1, cues + 1):
        go = "" if n == 1 else f", go: {{follow: {follow_ms}ms}}"
        lines.append(f'  - {{id: "{n}", dept: GFX{go}, actions: [{{osc: {{device: gfx, address: /c/{n}}}}}]}}')
    return "\n".join(lines) + "\n"


@pytest.fixture
def receiver() -> Iterator[UdpReceiver]:
    r = UdpReceiver()
    yield r
    r.close()


@pytest.fixture
def show(tmp_path: Path, receiver: UdpReceiver) -> Path:
    path = tmp_path / "show.yaml"
    path.write_text(chain_show(receiver.port))
    return path


def headless(show: Path, log: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "showcall", "run", str(show), "--headless", "--log", str(log), "--no-rt", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a signal sent to the test's group does not reach it, and vice versa
    )


def read_until_sent(proc: subprocess.Popen[str], count: int) -> list[str]:
    """Lines from stdout up to the `count`-th `sent` event."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if sum('"event":"sent"' in x for x in lines) >= count:
            break
    return lines


def finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """The rest of stdout and stderr, once the process exits (read through the same buffered files as
    `read_until_sent`: `communicate` would bypass what they already buffered)."""
    assert proc.stdout is not None and proc.stderr is not None
    with proc:  # closes the pipes
        out, err = proc.stdout.read(), proc.stderr.read()
        proc.wait(timeout=WAIT_S)
    return out, err


def events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def check_nothing_lost(log: Path, receiver: UdpReceiver) -> list[dict[str, Any]]:
    """The receiver's datagrams and the log's `sent` events are the same, once each; `end` is last."""
    logged = events(log.read_text())
    assert logged[-1]["event"] == "end", logged[-3:]
    sent = Counter(str(e["cue"]) for e in logged if e["event"] == "sent")
    time.sleep(0.2)  # a datagram sent just before `end` is still crossing loopback
    got = Counter(address.removeprefix("/c/") for address, _ in receiver.drain())
    assert got == sent, f"on the wire {sorted(got.items())}, logged {sorted(sent.items())}"
    assert all(n == 1 for n in got.values())
    return logged


@pytest.mark.parametrize(
    ("how", "status", "reason"),
    [("quit", 0, "quit"), ("eof", 0, "end of input"), ("SIGTERM", 143, "SIGTERM"), ("SIGINT", 130, "SIGINT")],
)
def test_every_way_of_stopping_headless_logs_every_send_before_end(
    show: Path, tmp_path: Path, receiver: UdpReceiver, how: str, status: int, reason: str
) -> None:
    log = tmp_path / "run.jsonl"
    proc = headless(show, log)
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    before = read_until_sent(proc, 8)  # the chain is under way
    if how == "quit":
        proc.stdin.write("quit\n")
        proc.stdin.flush()
    elif how == "eof":
        proc.stdin.close()
    else:
        os.kill(proc.pid, signal.Signals[how])
    out, err = finish(proc)
    assert proc.returncode == status, err
    assert "Traceback" not in err
    printed = events("".join(before) + out)
    assert printed[-1]["event"] == "end" and printed[-1]["reason"] == reason
    assert printed[-1]["unconfirmed"] == 0
    logged = check_nothing_lost(log, receiver)
    assert [e["event"] for e in logged] == [e["event"] for e in printed]  # stdout and the log agree
    assert 8 <= sum(e["event"] == "sent" for e in logged) < CUES  # stopped mid-chain, and nothing more fired
    quits = [e for e in logged if e["event"] == "quit"]
    assert len(quits) == 1 and quits[0]["reason"] == reason


def test_go_then_quit_at_once_puts_the_cue_on_the_wire_and_in_the_log(
    show: Path, tmp_path: Path, receiver: UdpReceiver
) -> None:
    """The issue's example: `printf 'go\\nquit\\n' | showcall run ... --headless --log run.jsonl`."""
    log = tmp_path / "run.jsonl"
    proc = headless(show, log)
    out, err = proc.communicate("go\nquit\n", timeout=WAIT_S)
    assert proc.returncode == 0, err
    printed = events(out)
    names = [e["event"] for e in printed]
    assert names.index("go") < names.index("sent") < len(names) - 1
    assert names[-1] == "end"
    logged = check_nothing_lost(log, receiver)
    assert [(e["cue"], e["source"]) for e in logged if e["event"] == "go"] == [("1", "operator")]


def test_a_second_sigint_ends_at_once_with_end_last(show: Path, tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    proc = headless(show, log)
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    read_until_sent(proc, 4)
    os.kill(proc.pid, signal.SIGINT)
    os.kill(proc.pid, signal.SIGINT)
    _, err = finish(proc)
    assert proc.returncode == 130, err
    logged = events(log.read_text())
    assert logged[-1]["event"] == "end"
    if logged[-1]["unconfirmed"]:  # forced before the core answered: the log names what it did not confirm
        assert logged[-2]["event"] == "error" and "not confirmed by the timing core" in logged[-2]["message"]


# ---- the console, in a real terminal ------------------------------------------------------------------------

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.fixture
def terminal() -> Iterator[Tmux]:
    with private_tmux() as session:
        yield session


def start_console(terminal: Tmux, show: Path, log: Path, status: Path) -> int:
    """Start `showcall run` in the terminal, wait for its standby box; returns the console's pid."""
    console = shlex.join([sys.executable, "-m", "showcall", "run", str(show), "--no-rt", "--log", str(log)])
    terminal.start(f"{console}; echo $? > {shlex.quote(str(status))}")
    screen = terminal.wait_for(lambda text: "STANDBY" in text)
    assert "STANDBY" in screen, screen
    assert terminal.pane_pid is not None
    shell_children = [pid for pid in descendants(terminal.pane_pid) if pid != terminal.pane_pid]
    return min(shell_children)  # the console started first; its timing cores after it


def wait_status(status: Path) -> int:
    deadline = time.monotonic() + WAIT_S
    while not status.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    text = status.read_text().strip() if status.exists() else ""
    assert text, "the console did not exit"
    return int(text)


def wait_sent(log: Path, count: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if log.exists() and log.read_text().count('"event":"sent"') >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"fewer than {count} sends logged")


@needs_tmux
@pytest.mark.parametrize(
    ("how", "status", "reason"),
    [("q", 0, "quit from the console"), ("SIGTERM", 143, "SIGTERM"), ("SIGINT", 130, "SIGINT")],
)
def test_the_console_drains_before_it_exits(
    terminal: Tmux, show: Path, tmp_path: Path, receiver: UdpReceiver, how: str, status: int, reason: str
) -> None:
    log, status_file = tmp_path / "run.jsonl", tmp_path / "status"
    console = start_console(terminal, show, log, status_file)
    terminal.keys("Space")
    wait_sent(log, 6)
    if how == "q":
        terminal.keys("q")
        terminal.wait_for(lambda text: "Quit while the show is running?" in text)
        terminal.keys("y")
    else:
        os.kill(console, signal.Signals[how])
    assert wait_status(status_file) == status
    logged = check_nothing_lost(log, receiver)
    assert logged[-1]["reason"] == reason
    assert 6 <= sum(e["event"] == "sent" for e in logged) < CUES
