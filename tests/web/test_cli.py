"""`--web`, `--web-passcode` and `--web-control` on the command line: unsafe or unusable options are usage
errors in words (exit 2), an address in use is a clear error (exit 1), never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from showcall.cli import build_parser
from showcall.commands.run import web_options
from showcall.web.access import WebAccessError, WebOptions

REPO = Path(__file__).resolve().parents[2]
TINY = str(REPO / "shows" / "tiny.yaml")


def showcall(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "showcall", *args], capture_output=True, text=True, timeout=60, check=False, env=env
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--web", "0.0.0.0:8080"],
            "showcall: --web 0.0.0.0:8080 listens beyond this machine: give --web-passcode too "
            "(crew then open the views once with ?key=PASSCODE)",
        ),
        (["--web-control"], "showcall: --web-control needs --web [HOST:]PORT"),
        (["--web", "ballroom"], "showcall: --web: write [HOST:]PORT, e.g. 8080 or 0.0.0.0:8080, not 'ballroom'"),
        (["--web", "8080", "--web-passcode", "1234"], "showcall: --web-passcode must be at least 6 characters"),
    ],
)
def test_unsafe_or_unusable_web_options_are_usage_errors(args: list[str], words: str) -> None:
    result = showcall("rehearse", TINY, "--headless", *args)
    assert result.returncode == 2
    assert result.stderr == words + "\n"


def test_an_address_in_use_is_said_plainly() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = showcall("rehearse", TINY, "--headless", "--no-rt", "--web", f"127.0.0.1:{port}")
    assert result.returncode == 1
    assert result.stderr.endswith(f"showcall: cannot serve the web views on 127.0.0.1:{port}: Address already in use\n")
    assert "Traceback" not in result.stderr


def test_the_passcode_may_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOWCALL_WEB_PASSCODE", "gaffer-tape")
    args = build_parser().parse_args(["rehearse", TINY, "--web", "0.0.0.0:8080", "--web-control"])
    assert web_options(args) == WebOptions("0.0.0.0", 8080, "gaffer-tape", control=True)
    monkeypatch.delenv("SHOWCALL_WEB_PASSCODE")
    args = build_parser().parse_args(["rehearse", TINY, "--web", "0.0.0.0:8080"])
    with pytest.raises(WebAccessError):
        web_options(args)
    assert web_options(build_parser().parse_args(["run", TINY])) is None
