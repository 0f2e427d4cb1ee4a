"""`showcall run` with a main and a backup: options checked in words, and a backup refused with the reason."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from showcall.bench.linkrig import PASSCODE, Console, free_port, write_chain

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "shows" / "tiny.yaml"


def showcall(*args: str, passcode: str | None = PASSCODE) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SHOWCALL_LINK_PASSCODE"}
    if passcode is not None:
        env["SHOWCALL_LINK_PASSCODE"] = passcode
    return subprocess.run(
        [sys.executable, "-m", "showcall", *args], capture_output=True, text=True, timeout=60, check=False, env=env
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--main"], "--main needs --listen [HOST:]PORT, and --listen is for a main"),
        (["--listen", "7100"], "--main needs --listen [HOST:]PORT, and --listen is for a main"),
        (["--main", "--listen", "7100", "--backup-of", "a:1"], "--main and --backup-of: a console is one or the other"),
        (
            ["--main", "--listen", "0.0.0.0:7100"],
            "--listen 0.0.0.0:7100: listening beyond this machine needs --allow CIDR,...",
        ),
        (["--backup-of", "h:1", "--allow", "10.0.0.0/8"], "--allow is for the main (it says who may connect)"),
        (["--allow", "10.0.0.0/8"], "--allow is for a main or a backup (--main or --backup-of)"),
        (
            ["--main", "--listen", "7100", "--resume"],
            "--resume is for a console on its own: a main or backup gets the show from the other",
        ),
        (["--backup-of", "h:1", "--heartbeat", "50ms"], "--heartbeat must be at least 100ms"),
        (
            ["--backup-of", "h:1", "--sim", "--speed", "2"],
            "--speed, --from and --from-segment are for a console on its own, not a main or backup",
        ),
        (["--backup-of", "h:1", "--heartbeat", "soon"], "--heartbeat: "),
    ],
)
def test_options_that_do_not_fit_are_a_usage_error(options: list[str], message: str) -> None:
    result = showcall("run", str(TINY), "--headless", *options)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"showcall: {message}")
    assert "Traceback" not in result.stderr


def test_a_link_without_a_passcode_does_not_start() -> None:
    result = showcall("run", str(TINY), "--headless", "--backup-of", "127.0.0.1:9", passcode=None)
    assert result.returncode == 1
    assert result.stderr == (
        "showcall: a main and its backup share a passcode: give --passcode-file PATH (or set "
        "SHOWCALL_LINK_PASSCODE) on both\n"
    )


def test_run_help_lists_the_link_options() -> None:
    text = showcall("run", "--help").stdout
    for option in (
        "--main",
        "--listen [HOST:]PORT",
        "--backup-of HOST:PORT",
        "--passcode-file PATH",
        "--allow",
        "--heartbeat DURATION",
        "--takeover-policy {ask,fire}",
    ):
        assert option in text


@pytest.fixture
def main_console(tmp_path: Path) -> Iterator[tuple[Console, int, Path]]:
    """A main on a 6-cue chain, listening on a free port (its backups may come from 127.0.0.1 only)."""
    show = tmp_path / "chain.yaml"
    write_chain(show, free_port(), 6, 100)
    port = free_port()
    main = Console(show, "--main", "--listen", f"127.0.0.1:{port}", log=tmp_path / "main.jsonl")
    main.link("took_over")
    yield main, port, show
    main.stop()


def test_a_backup_with_the_wrong_passcode_is_refused(main_console: tuple[Console, int, Path]) -> None:
    main, port, show = main_console
    result = showcall("run", str(show), "--headless", "--backup-of", f"127.0.0.1:{port}", passcode="not-the-passcode")
    assert result.returncode == 1
    assert result.stderr == f"showcall: refused by 127.0.0.1:{port}: the passcode does not match\n"
    assert main.link("refused")["detail"] == "the passcode does not match"


def test_a_backup_with_another_show_is_refused_with_the_differences(main_console: tuple[Console, int, Path]) -> None:
    main, port, show = main_console
    other = show.with_name("other.yaml")
    other.write_text(show.read_text().replace("args: [3]", "args: [33]"))
    result = showcall("run", str(other), "--headless", "--backup-of", f"127.0.0.1:{port}")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"showcall: refused by 127.0.0.1:{port}: it runs another show (the compiled show differs from this one)"
    )
    assert lines[1] == "showcall diff: the main's show -> this console's show"
    assert any(line.startswith("1 cue changed") for line in lines)
    assert any("/cue" in line and "33" in line for line in lines), result.stderr
    assert main.link("refused")["detail"] == "it runs another show (the compiled show differs from this one)"


def test_a_backup_from_an_address_not_allowed_is_refused(tmp_path: Path) -> None:
    show = tmp_path / "chain.yaml"
    write_chain(show, free_port(), 3, 100)
    port = free_port()
    main = Console(show, "--main", "--listen", f"127.0.0.1:{port}", "--allow", "10.0.0.0/8", log=tmp_path / "m.jsonl")
    try:
        main.link("took_over")
        result = showcall("run", str(show), "--headless", "--backup-of", f"127.0.0.1:{port}")
        refused = main.link("refused")
    finally:
        main.stop()
    assert result.returncode == 1
    assert result.stderr == (
        f"showcall: 127.0.0.1:{port} closed the connection before the handshake "
        "(is this machine's address on the main's --allow list?)\n"
    )
    assert refused["detail"] == "a connection from 127.0.0.1, which --allow does not list"
