"""Provides a private tmux server for tests that run the console in a real terminal.

It runs on its own socket, so it never touches a tmux the developer uses, and `close` kills that server
and every process the console started, even when an assertion failed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

WAIT_S = 30.0
"""Upper bound for the console to start (interpreter, show, simulators, timing core processes) or to
show a key's effect on a loaded machine; only a broken console ever waits this long."""


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
        left = descendants(self.pane_pid) if self.pane_pid is not None else []
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)
        if self.socket_path:
            Path(self.socket_path).unlink(missing_ok=True)  # a killed server can leave its socket file
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def descendants(pid: int) -> list[int]:
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


@contextlib.contextmanager
def private_tmux(width: int = 100, height: int = 30) -> Iterator[Tmux]:
    """A private tmux server, killed with everything the console started when the block ends."""
    session = Tmux(width, height)
    try:
        yield session
    finally:
        session.close()
