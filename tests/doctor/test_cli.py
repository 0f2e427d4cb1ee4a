"""`showcall doctor` as a user runs it: the report, the exit statuses and the --json document.

The machine's facts are handed in (so no test depends on this machine's limits, governor or battery);
the show's devices are real sockets on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from showcall.cli import main
from showcall.doctor.items import Item, Level
from showcall.doctor.machine import MachineFacts
from showcall.doctor.render import render_text

from support.showfiles import Write

READY = MachineFacts()
ITEM_KEYS = {"group", "check", "title", "level", "found", "fix", "detail", "data"}


@pytest.fixture
def facts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[MachineFacts]]:
    """The machine facts the command sees: set `facts[0]`."""
    given = [READY]

    def gather(log_dir: Path, *, sample_s: float | None = 0.5, root: Path = Path("/")) -> MachineFacts:
        return replace(given[0], log_dir=str(log_dir))

    monkeypatch.setattr("showcall.commands.doctor.gather_machine", gather)
    yield given


@pytest.fixture
def eos_listener() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def _closed_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _show(write: Write, eos_port: int, gfx_port: int) -> Path:
    return write(
        f"""\
        showcall: 1
        show: {{title: Doctor test}}
        devices:
          lx: {{driver: eos, host: 127.0.0.1, port: {eos_port}}}
          gfx: {{driver: osc, host: 127.0.0.1, port: {gfx_port}}}
        departments:
          LX: {{name: Lighting}}
        cues:
          - {{id: "1", dept: LX, actions: [{{lx.go: {{}}}}, {{osc: {{device: gfx, address: /a}}}}]}}
        """
    )


def test_a_ready_machine_exits_0_with_every_item_ok(facts: list[MachineFacts], capsys: pytest.CaptureFixture[str]):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("showcall doctor ")
    assert out[2] == "this machine"
    assert out[3] == "  OK    real-time priority: SCHED_FIFO allowed (RLIMIT_RTPRIO 20)"
    assert out[-1] == "verdict: all 9 OK: ready for the show"
    assert all(len(line) <= 80 for line in out)


def test_warnings_exit_0_unless_strict(facts: list[MachineFacts], capsys: pytest.CaptureFixture[str]) -> None:
    facts[0] = replace(READY, governors={"cpu0": "powersave"}, cpus_usable=1, cpus_total=1)
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[3].startswith("  WARN  CPU frequency governor: powersave on every CPU")
    assert out[-1] == "verdict: 2 WARN, 7 OK: ready, with the warnings above"
    assert main(["doctor", "--strict"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "verdict: 2 WARN, 7 OK: --strict: warnings count as failures"


def test_a_failed_item_exits_1_and_comes_first(facts: list[MachineFacts], capsys: pytest.CaptureFixture[str]) -> None:
    facts[0] = replace(READY, governors={"cpu0": "powersave"}, log_free_bytes=1024)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[3].startswith("  FAIL  event log: ")
    assert out[-1] == "verdict: 1 FAIL, 1 WARN, 7 OK: fix the FAIL items before the show"


def test_a_show_with_a_closed_port_fails_and_names_the_device(
    facts: list[MachineFacts], write: Write, eos_listener: int, capsys: pytest.CaptureFixture[str]
) -> None:
    gfx = _closed_udp_port()
    path = _show(write, eos_listener, gfx)
    assert main(["doctor", str(path)]) == 1
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    start = out.index(f"the show's devices ({path})")
    assert out[start + 1] == "  OK    show file: loads: 1 cue, 2 devices"
    assert out[start + 2] == f"  FAIL  gfx: udp 127.0.0.1:{gfx}: port closed (ICMP port unreachable)"
    assert any(line.startswith(f"  OK    lx: tcp 127.0.0.1:{eos_listener}: port answers in ") for line in out)
    assert out[-1] == "verdict: 1 FAIL, 11 OK: fix the FAIL items before the show"
    assert "probing 2 devices" in captured.err


def test_json_has_the_documented_shape(
    facts: list[MachineFacts], write: Write, eos_listener: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _show(write, eos_listener, _closed_udp_port())
    assert main(["doctor", str(path), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.err == ""  # no progress lines around machine output
    doc = json.loads(captured.out)
    assert set(doc) == {"doctor", "verdict", "exit_status", "strict", "counts", "when", "user", "host", "show", "items"}
    assert (doc["doctor"], doc["verdict"], doc["exit_status"], doc["strict"]) == (1, "fail", 1, False)
    assert doc["counts"] == {"ok": 11, "warn": 0, "fail": 1}
    assert doc["show"] == str(path)
    assert all(set(item) == ITEM_KEYS for item in doc["items"])
    by_check = {item["check"]: item for item in doc["items"]}
    assert by_check["device:gfx"]["level"] == "fail"
    assert by_check["device:gfx"]["data"]["port_state"] == "refused"
    assert by_check["device:lx"]["data"]["port_state"] == "answered"
    assert by_check["realtime"]["fix"] is None
    assert by_check["show"]["data"] == {"path": str(path), "cues": 1, "devices": 2}


def test_a_broken_show_is_a_failed_item_with_its_problems(
    facts: list[MachineFacts], write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write("showcall: 1\nshow: {title: x}\ncues: [{id: '1', dept: LX, lable: x}]\n")
    assert main(["doctor", str(path)]) == 1
    out = capsys.readouterr().out
    assert "  FAIL  show file: 1 problem: the show will not start (devices not probed)" in out
    assert f"        {path}:3:" in out  # each problem as `showcall check` prints it
    assert "device:" not in out


def test_a_missing_show_file_is_a_failed_item(
    facts: list[MachineFacts], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor", str(tmp_path / "nope.yaml"), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [i["level"] for i in doc["items"] if i["check"] == "show"] == ["fail"]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["doctor", "--no-such-option"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_help_names_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["doctor", "--help"])
    out = capsys.readouterr().out
    assert all(option in out for option in ("--json", "--probe", "--strict", "FILE"))


def test_text_stays_within_80_columns_and_commands_are_never_wrapped() -> None:
    command = "  sudo setcap cap_sys_nice+ep /opt/a/very/long/path/to/the/show/laptops/own/venv/bin/python3.11"
    item = Item("machine", "realtime", "real-time priority", Level.WARN, "word " * 40, f"as root:\n{command}")
    lines = render_text([item], header="h", show=None).splitlines()
    assert (" " * 13 + command) in lines
    assert all(len(line) <= 80 for line in lines if line.strip() != command.strip())


def test_the_real_command_on_this_machine_agrees_with_its_exit_status() -> None:
    command = [sys.executable, "-m", "showcall", "doctor", "--json"]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    doc = json.loads(done.stdout)
    assert done.returncode == doc["exit_status"]
    assert [i["check"] for i in doc["items"]][:2] == ["realtime", "rt-throttling"]
    assert "Traceback" not in done.stderr
