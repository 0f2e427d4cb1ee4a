"""`showcall sim`: --list, --help, usage errors, and a real process printing what it receives until SIGINT."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import sys
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import build_msg

from showcall.cli import main
from showcall.sim.base import Listen
from showcall.sim.qlab import QlabSimulator

SHOW_DRIVERS = Path(__file__).resolve().parents[2] / "shows" / "drivers"


def test_list_names_every_driver_with_its_transport(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = {line.split()[0]: line for line in lines}
    assert set(table) == {"disguise", "eos", "midi", "millumin", "msc", "osc", "qlab", "resolume", "x32"}
    assert table["eos"].split()[1:3] == ["tcp/length", "3032"]
    assert table["x32"].split()[1:3] == ["udp", "10023"]
    assert table["msc"].split()[1:3] == ["midi", "socket"]


def test_list_takes_a_shows_own_drivers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "--list", "--drivers", str(SHOW_DRIVERS)]) == 0
    assert any(line.startswith("sfx_midi   midi socket") for line in capsys.readouterr().out.splitlines())


def test_help_describes_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["sim", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for option in ("DRIVER", "--list", "--port N", "--host ADDR", "--protocol", "--framing", "--reply-port", "--json"):
        assert option in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sim"], "showcall sim: give a DRIVER to simulate (showcall sim --list shows them)"),
        (["sim", "nope"], "showcall sim: no driver named 'nope'; drivers: disguise, eos, midi,"),
        (["sim", "x32", "--framing", "slip"], "showcall sim: --framing applies to OSC over TCP (--protocol tcp)"),
        (["sim", "midi", "--protocol", "tcp"], "showcall sim: midi is a MIDI driver: it listens as a mido socket"),
        (["sim", "eos", "--reply-port", "53001"], "showcall sim: --reply-port is for qlab"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith(message)


async def test_a_simulator_process_prints_json_lines_and_stops_on_sigint() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "showcall",
        "sim",
        "x32",
        "--port",
        "0",
        "--json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        banner = (await asyncio.wait_for(process.stderr.readline(), 20)).decode()
        found = re.fullmatch(
            r"showcall sim: x32 simulator listening on udp 127\.0\.0\.1:(\d+) \(Ctrl-C to stop\)\n", banner
        )
        assert found is not None, banner
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(build_msg("/ch/07/mix/on", [0]).dgram, ("127.0.0.1", int(found.group(1))))
            lines = [json.loads(await asyncio.wait_for(process.stdout.readline(), 10)) for _ in range(2)]
        assert [(line["kind"], line["summary"]) for line in lines] == [
            ("received", "/ch/07/mix/on 0"),
            ("state", "ch 07 muted"),
        ]
        assert lines[0]["message"] == {"address": "/ch/07/mix/on", "args": [0]}
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 10) == 0
        assert (await process.stderr.read()).decode() == "showcall sim: received 1, sent 0, dropped 0\n"
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_qlab_reply_port_answers_like_the_real_one() -> None:
    """With --reply-port, answers go to that port of the sender's host, not to the sender's own port."""
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener,
    ):
        listener.bind(("127.0.0.1", 0))
        listener.setblocking(False)
        qlab = QlabSimulator("qlab", Listen("osc-udp"), reply_port=listener.getsockname()[1], cues=["1"])
        await qlab.start()
        try:
            sender.sendto(build_msg("/go").dgram, ("127.0.0.1", qlab.port))
            loop = asyncio.get_running_loop()
            reply = OscMessage(await asyncio.wait_for(loop.sock_recv(listener, 65536), 5))
        finally:
            await qlab.aclose()
    assert reply.address == "/reply/go"
    assert json.loads(reply.params[0]) == {"workspace_id": "SHOWCALL-SIM", "address": "/go", "status": "ok"}
    assert qlab.running == ["1"]
