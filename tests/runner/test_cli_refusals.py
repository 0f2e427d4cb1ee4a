"""`showcall run`, `rehearse` and `sim` refuse bad options and unusable resume logs in words, not tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "shows" / "tiny.yaml"


def showcall(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "showcall", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_ports_and_addresses_are_checked() -> None:
    cases = {
        (
            "run",
            str(TINY),
            "--headless",
            "--control",
            "99999",
        ): "argument --control: port 99999 is out of range 1..65535",
        ("run", str(TINY), "--headless", "--mtc", "nonsense"): "argument --mtc: write HOST:PORT, e.g. 127.0.0.1:9090,"
        " not 'nonsense'",
        ("sim", "eos", "--port", "http"): "argument --port: not a port number: 'http'",
    }
    for args, message in cases.items():
        result = showcall(*args)
        assert result.returncode == 2, args
        assert result.stderr.splitlines()[-1].endswith(message), result.stderr
        assert "Traceback" not in result.stderr


def test_resume_refuses_another_shows_log_and_a_broken_log(tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text('{"event":"loaded","mono_ns":1,"wall_ns":2,"path":"/elsewhere/show.yaml"}\n')
    result = showcall("run", str(TINY), "--headless", "--resume", "--log", str(other))
    assert result.returncode == 1
    assert result.stderr == f"showcall: cannot resume from {other}: it is the log of /elsewhere/show.yaml, not {TINY}\n"
    broken = tmp_path / "broken.jsonl"
    broken.write_text(f'{{"event":"loaded","mono_ns":1,"wall_ns":2,"path":"{TINY}"}}\n{{"event":"go","cue":"1"}}\n')
    result = showcall("run", str(TINY), "--headless", "--resume", "--log", str(broken))
    assert result.returncode == 1
    assert result.stderr.startswith(f"showcall: cannot resume from {broken}: event 2 ('go') is not as showcall")
    assert "Traceback" not in result.stderr
