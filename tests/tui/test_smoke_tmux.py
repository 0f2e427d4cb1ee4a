"""Smoke test in a real terminal: `showcall rehearse` in tmux, Space, read the screen, quit with q then y.

It runs on a private tmux server (its own socket), so it never touches a tmux the developer uses,
and it kills that server and every process the console started, even when an assertion fails.
"""

from __future__ import annotations

import shlex
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.tmux import WAIT_S, Tmux, private_tmux

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    with private_tmux() as session:
        yield session


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
