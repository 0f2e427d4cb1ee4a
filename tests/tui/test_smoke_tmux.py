"""Smoke test in a real terminal: `showcall rehearse` in tmux, Space, read the screen, quit with q then y.

It runs on a private tmux server (its own socket), so it never touches a tmux the developer uses,
and it kills that server and every process the console started, even when an assertion fails.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 30.0
"""Upper bound for the console to start (interpreter, show, simulators, timing core processes) or to
show a key's effect on a loaded machine; only a broken console ever waits this long."""

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    """One private tmux server with one window of a fixed size."""

    def __init__(self, width: int = 100, height: int = 30) -> None:
        self.socket = f"showcall-smoke-{uuid.uuid4().hex[:8]}"
        self.width, self.height = width, height
        self.pane_pid: int | None = None
        self.socket_path = ""

    def run(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True)
        return done.stdout

    def start(self, command: str) -> None:
        self.run("new-session", "-d", "-s", "smoke", "-x", str(self.width), "-y", str(self.height), command)
        self.socket_path = self.run("display-message", "-p", "-t", "smoke", "#{socket_path}").strip()
        self.pane_pid = int(self.run("display-message", "-p", "-t", "smoke", "#{pane_pid}").strip())

    def screen(self) -> str:
        try:
            return self.run("capture-pane", "-p", "-t", "smoke")
        except subprocess.CalledProcessError:  # the window closed: the console exited
            return ""

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "smoke", *keys)

    def wait_for(self, predicate: Callable[[str], bool]) -> str:
        deadline = time.monotonic() + WAIT_S
        text = self.screen()
        while not predicate(text) and time.monotonic() < deadline:
            time.sleep(0.1)
            text = self.screen()
        return text

    def close(self) -> None:
        """Kill the server, then whatever the console left behind (its timing core processes)."""
        left = _descendants(self.pane_pid) if self.pane_pid is not None else []
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)
        if self.socket_path:
            Path(self.socket_path).unlink(missing_ok=True)  # a killed server can leave its socket file
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _descendants(pid: int) -> list[int]:
    """The process `pid` and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    session = Tmux()
    try:
        yield session
    finally:
        session.close()


def test_rehearse_in_a_real_terminal(tmux: Tmux, tmp_path: Path) -> None:
    status = tmp_path / "status"
    log = tmp_path / "log.jsonl"
    console = shlex.join(
        [sys.executable, "-m", "showcall", "rehearse", str(REPO / "shows/tiny.yaml"), "--no-rt", "--log", str(log)]
    )
    # the exit status goes to a file: the window closes with the console
    tmux.start(f"cd {shlex.quote(str(REPO))} && {console}; echo $? > {shlex.quote(str(status))}")

    screen = tmux.wait_for(lambda text: "STANDBY" in text)
    assert "REHEARSAL · TINY SHOW" in screen
    assert "▶ LX 1  House to half" in screen
    assert "Traceback" not in screen

    tmux.keys("Space")
    screen = tmux.wait_for(lambda text: "▶ LX 3  House out, stage up" in text)
    assert "▶ LX 3  House out, stage up" in screen  # GO took LX 1; SND 2 follows by itself
    assert '"event":"go"' in log.read_text()

    tmux.keys("q")
    screen = tmux.wait_for(lambda text: "Quit while the show is running?" in text)
    assert "Quit while the show is running?" in screen
    tmux.keys("y")
    deadline = time.monotonic() + WAIT_S
    while not status.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status.read_text().strip() == "0"
