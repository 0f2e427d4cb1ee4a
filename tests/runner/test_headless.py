"""`showcall run --headless` as a real process: real timing core, real UDP, events on stdout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.receivers import UdpReceiver

SHOW = """\
showcall: 1
show: {{title: Headless test, go_guard: 100ms}}
devices:
  gfx: {{driver: osc, host: 127.0.0.1, port: {port}}}
departments: {{GFX: {{name: Graphics}}}}
cues:
  - {{id: "1", dept: GFX, actions: [{{osc: {{device: gfx, address: /cue/1, args: [1]}}}}]}}
  - {{id: "2", dept: GFX, go: {{follow: 200ms}}, actions: [{{osc: {{device: gfx, address: /cue/2}}}}]}}
  - {{id: "3", dept: GFX, actions: [{{osc: {{device: gfx, address: /cue/3}}}}, {{wait: 100ms}},
      {{osc: {{device: gfx, address: /cue/3b, args: ["x", 2.5]}}}}]}}
  - {{id: "4", dept: GFX, actions: [{{osc: {{device: gfx, address: /cue/4}}}}]}}
  - {{id: "5", dept: GFX, actions: [{{osc: {{device: gfx, address: /cue/5}}}}]}}
  - {{id: "6", dept: GFX, go: {{after: 100ms}}, actions: [{{osc: {{device: gfx, address: /cue/6}}}}]}}
"""


@pytest.fixture
def receiver() -> Iterator[UdpReceiver]:
    r = UdpReceiver()
    yield r
    r.close()


def start(show: Path, *args: str, log: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "showcall", "run", str(show), "--headless", "--log", str(log), "--no-rt", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a test can kill the console and its timing core together
    )


def events_of(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_commands_in_events_out_messages_on_the_wire(tmp_path: Path, receiver: UdpReceiver) -> None:
    show = tmp_path / "show.yaml"
    show.write_text(SHOW.format(port=receiver.port))
    proc = start(show, "--auto", "150ms", log=tmp_path / "run.jsonl")
    out, err = proc.communicate("go\nnonsense here\n", timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    events = events_of(out)
    names = [e["event"] for e in events]
    assert names[0] == "loaded" and names[-1] == "end"
    assert [(e["cue"], e["source"]) for e in events if e["event"] == "go"] == [
        ("1", "operator"),
        ("2", "follow"),
        ("3", "auto"),
        ("4", "auto"),
        ("5", "auto"),
        ("6", "after"),
    ]
    refused = [e for e in events if e["event"] == "refused"]
    assert refused[0]["command"] == "nonsense here"
    sent = [e for e in events if e["event"] == "sent"]
    assert len(sent) == 7
    assert all(isinstance(e["late_us"], float) and e["late_us"] >= 0 for e in sent)  # never early
    assert all(e["sent_ns"] >= e["due_ns"] for e in sent)
    got = receiver.wait_for(7)
    assert [address for address, _ in got] == ["/cue/1", "/cue/2", "/cue/3", "/cue/3b", "/cue/4", "/cue/5", "/cue/6"]
    assert got[3] == ("/cue/3b", ["x", 2.5])
    log_lines = events_of((tmp_path / "run.jsonl").read_text())
    assert [e["event"] for e in log_lines] == names  # the log holds every event printed


def test_quit_ends_a_run_with_exit_0(tmp_path: Path, receiver: UdpReceiver) -> None:
    show = tmp_path / "show.yaml"
    show.write_text(SHOW.format(port=receiver.port))
    proc = start(show, log=tmp_path / "run.jsonl")
    out, err = proc.communicate("go\nquit\n", timeout=60)
    assert proc.returncode == 0, err
    events = events_of(out)
    assert events[-1]["event"] == "end" and events[-1]["reason"] == "quit"


def test_a_broken_show_is_refused_without_a_traceback(tmp_path: Path) -> None:
    show = tmp_path / "show.yaml"
    show.write_text("showcall: 1\nshow: {title: T}\ncues: [{id: 1, dept: LX}]\n")
    proc = subprocess.run(
        [sys.executable, "-m", "showcall", "run", str(show), "--headless"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert "department 'LX' is not declared" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_crash_resume_fires_nothing_twice(tmp_path: Path, receiver: UdpReceiver) -> None:
    """Kill the console and its timing core mid-show, resume from the log: every message exactly once."""
    show = tmp_path / "show.yaml"
    log = tmp_path / "run.jsonl"
    show.write_text(SHOW.format(port=receiver.port))
    proc = start(show, "--auto", "400ms", log=log)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        event = json.loads(line)
        if event["event"] == "complete" and event["cue"] == "3":
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    before = [address for address, _ in receiver.wait_for(4, timeout=2)]
    assert before == ["/cue/1", "/cue/2", "/cue/3", "/cue/3b"]

    resumed = start(show, "--resume", "--auto", "200ms", log=log)
    out, err = resumed.communicate("", timeout=60)
    assert resumed.returncode == 0, err
    events = events_of(out)
    assert events[0]["event"] == "loaded" and events[0]["resumed"] is True
    assert [e["cue"] for e in events if e["event"] == "go"] == ["4", "5", "6"]
    got = [address for address, _ in receiver.wait_for(7)]
    assert got == ["/cue/1", "/cue/2", "/cue/3", "/cue/3b", "/cue/4", "/cue/5", "/cue/6"]


def test_commands_from_a_file_or_dev_null_need_no_pipe(tmp_path: Path, receiver: UdpReceiver) -> None:
    show = tmp_path / "show.yaml"
    show.write_text(SHOW.format(port=receiver.port))
    base = [sys.executable, "-m", "showcall", "run", str(show), "--headless", "--no-rt", "--log", str(tmp_path / "l")]
    with open(os.devnull) as devnull:
        auto = subprocess.run(
            [*base, "--auto", "100ms"], stdin=devnull, capture_output=True, text=True, timeout=60, check=False
        )
    assert auto.returncode == 0, auto.stderr
    assert auto.stderr == ""
    commands = tmp_path / "commands.txt"
    commands.write_text("go\nquit\n")
    with commands.open() as source:
        scripted = subprocess.run(base, stdin=source, capture_output=True, text=True, timeout=60, check=False)
    assert scripted.returncode == 0, scripted.stderr
    assert scripted.stderr == ""
    assert events_of(scripted.stdout)[-1] == {**events_of(scripted.stdout)[-1], "event": "end", "reason": "quit"}
