"""Who may call the show over OSC control: real UDP packets from 127.0.0.1 and from a "stranger" bound to
127.0.0.2 (Linux routes all of 127/8 to lo), an allow-list, a passcode in the address, and silencing.
Time for the limits is the engine's virtual clock, so the windows are exact and nothing sleeps."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pythonosc.osc_message_builder import OscMessageBuilder

from showcall import cli
from showcall.engine import events as ev
from showcall.runner.control import REPORT_BUDGET, ControlInput, listen
from showcall.runner.controlguard import (
    PASSCODE_ENV,
    ControlPolicy,
    ControlPolicyError,
    parse_allow,
    passcode_from,
)

from support.engines import Rig, S, rig
from support.tools import free_port

SHOW = """\
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}]}
  - {id: "2", dept: SND}
  - {id: "3", dept: LX}
"""
PASSCODE = "stage-left-42"
REPO = Path(__file__).resolve().parents[2]


def osc(address: str, *args: object) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return bytes(builder.build().dgram)


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for packets already sent to loopback to be read (a bound, not a timing tolerance)."""
    deadline = time.monotonic() + 5.0
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


class Sender:
    """A UDP socket bound to `source` sending to the control port; waits until control has read each packet."""

    def __init__(self, control: ControlInput, port: int, source: str) -> None:
        self.control, self.port = control, port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((source, 0))

    async def send(self, packet: bytes) -> None:
        seen = self.control.stats.accepted + self.control.stats.dropped_total
        self.sock.sendto(packet, ("127.0.0.1", self.port))
        await until(lambda: self.control.stats.accepted + self.control.stats.dropped_total > seen, "the packet")

    def close(self) -> None:
        self.sock.close()


def refusals(r: Rig) -> list[str]:
    return [e.reason for e in r.of(ev.Refused)]  # type: ignore[attr-defined]


def untouched(r: Rig) -> None:
    """Nothing the caller would see changed: no cue fired, playhead on 1, no hold, no panic."""
    assert r.gos() == []
    assert r.engine.snapshot().playhead == 0
    assert not r.of(ev.Hold) and not r.of(ev.PanicEvent) and not r.of(ev.Standby)[1:]


async def test_a_stranger_is_dropped_and_counted_and_changes_nothing(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW)
    port = free_port()
    control = await listen(r.engine, port)  # the default: 127.0.0.1 only
    stranger = Sender(control, port, "127.0.0.2")
    local = Sender(control, port, "127.0.0.1")
    try:
        for packet in [osc("/showcall/go"), osc("/showcall/panic"), osc("/showcall/standby", "3"), b"junk"]:
            await stranger.send(packet)
        untouched(r)
        assert control.stats.dropped == {"not allowed": 4}
        assert refusals(r) == ["control packet from 127.0.0.2 dropped: the sender is not in --control-allow"] * 4
        await local.send(osc("/showcall/go"))
        assert [g[0] for g in r.gos()] == ["1"]
        assert control.stats.accepted == 1
    finally:
        stranger.close()
        local.close()
        control.close()


async def test_listening_on_every_address_takes_only_the_allowed_networks(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW)
    port = free_port()
    control = await listen(r.engine, port, ControlPolicy("0.0.0.0", parse_allow("127.0.0.2/32, 10.0.0.0/8")))
    allowed = Sender(control, port, "127.0.0.2")
    stranger = Sender(control, port, "127.0.0.3")
    try:
        await stranger.send(osc("/showcall/go"))
        untouched(r)
        await allowed.send(osc("/showcall/go", 1))
        assert [g[0] for g in r.gos()] == ["1"]
        assert (control.stats.accepted, dict(control.stats.dropped)) == (1, {"not allowed": 1})
    finally:
        allowed.close()
        stranger.close()
        control.close()


async def test_a_passcode_is_needed_from_every_source_and_never_logged(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW)
    port = free_port()
    control = await listen(r.engine, port, ControlPolicy(passcode=PASSCODE))
    local = Sender(control, port, "127.0.0.1")
    try:
        await local.send(osc("/showcall/go"))
        await local.send(osc("/showcall/stage-left-41/go"))
        await local.send(osc("/showcall/STAGE-LEFT-42/panic"))
        await local.send(osc("/showcall/stage-left-42"))  # the passcode alone is the no-passcode form
        untouched(r)
        assert control.stats.dropped == {"no passcode": 2, "wrong passcode": 2}
        assert refusals(r) == [
            "control packet from 127.0.0.1 dropped: no passcode (send /showcall/<passcode>/<command>)",
            "control packet from 127.0.0.1 dropped: wrong passcode",
            "control packet from 127.0.0.1 dropped: wrong passcode",
            "control packet from 127.0.0.1 dropped: no passcode (send /showcall/<passcode>/<command>)",
        ]
        await local.send(osc(f"/showcal/{PASSCODE}/go"))  # a typo in the prefix: the passcode is not logged
        assert refusals(r)[-1] == (
            "control packet from 127.0.0.1 dropped: unknown address (not shown while a passcode is set)"
        )
        await local.send(osc(f"/showcall/{PASSCODE}/fire"))
        assert refusals(r)[-1] == "control packet from 127.0.0.1 dropped: unknown address /showcall/<passcode>/fire"
        await local.send(osc(f"/showcall/{PASSCODE}/go", 1))
        await local.send(osc(f"/showcall/{PASSCODE}/go", 0))  # the button's release
        await local.send(osc(f"/showcall/{PASSCODE}/standby", "3"))
        assert [g[0] for g in r.gos()] == ["1"]
        assert r.engine.snapshot().playhead == 2
        assert control.stats.accepted == 3
        assert not any("stage-left" in reason.lower() for reason in refusals(r))
    finally:
        local.close()
        control.close()


async def test_a_passcode_sent_to_a_run_without_one_is_not_logged(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW)
    control = ControlInput(r.engine)
    assert str(control.handle(osc(f"/showcall/{PASSCODE}/go"))) == (
        "unknown address /showcall/<...>/go (no passcode is set here)"
    )
    untouched(r)


async def test_five_wrong_passcodes_in_ten_seconds_silence_that_source_for_thirty(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW)
    port = free_port()
    control = await listen(r.engine, port, ControlPolicy(allow=parse_allow("127.0.0.2"), passcode=PASSCODE))
    guesser = Sender(control, port, "127.0.0.2")
    local = Sender(control, port, "127.0.0.1")
    try:
        for _ in range(4):  # four wrong, then a pause longer than the window: not silenced
            await guesser.send(osc("/showcall/guess-0000/go"))
        r.clock.advance(11 * S)
        for i in range(4):
            await guesser.send(osc(f"/showcall/guess-{i:04}/go"))
        assert control.stats.silences == 0
        await guesser.send(osc("/showcall/guess-9999/go"))  # the fifth within 10 s
        assert control.stats.silences == 1
        assert refusals(r)[-1] == (
            "control packet from 127.0.0.2 dropped: wrong passcode; 5 within 10 s: the sender is ignored for 30 s"
        )
        await guesser.send(osc(f"/showcall/{PASSCODE}/go"))  # even the right one, while silenced
        untouched(r)
        assert control.stats.dropped == {"wrong passcode": 9, "silenced": 1}
        await local.send(osc(f"/showcall/{PASSCODE}/standby", "2"))  # another source is not affected
        assert r.engine.snapshot().playhead == 1
        r.clock.advance(30 * S)
        await guesser.send(osc(f"/showcall/{PASSCODE}/go"))
        assert [g[0] for g in r.gos()] == ["2"]
    finally:
        guesser.close()
        local.close()
        control.close()


def test_a_flood_is_logged_within_a_budget_and_summed_up(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW)
    control = ControlInput(r.engine)
    for i in range(1000):
        control.datagram_received(b"junk" if i % 2 else osc(f"/x/{i}"), ("127.0.0.1", 9))
    assert len(r.of(ev.Refused)) == REPORT_BUDGET
    assert not r.of(ev.ControlReport)
    r.clock.advance(10 * S)  # the window closes: what was not logged one by one is summed up
    (report,) = r.of(ev.ControlReport)
    assert report.to_dict() == {
        "event": "control",
        "mono_ns": r.at(10),
        "accepted": 0,
        "dropped": {"unknown address": 500, "not OSC": 500},
        "unlogged": {"unknown address": 495, "not OSC": 495},
        "silences": 0,
        "final": False,
    }
    control.datagram_received(osc("/showcall/go"), ("127.0.0.1", 9))
    control.datagram_received(b"junk", ("127.0.0.2", 9))  # a new window: logged again
    assert refusals(r)[-1] == "control packet from 127.0.0.2 dropped: the sender is not in --control-allow"
    assert control.finish() == (
        "control: 1 command, 1,001 packets dropped (unknown address 500, not OSC 500, not allowed 1)"
    )
    assert control.finish() == control.stats.summary()  # the final event is emitted once
    final = r.of(ev.ControlReport)[-1]
    assert [e.final for e in r.of(ev.ControlReport)] == [False, True]  # type: ignore[attr-defined]
    assert final.to_dict()["unlogged"] == {}


def test_policies_that_are_unsafe_or_unusable_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ControlPolicyError, match=r"--control-host 0\.0\.0\.0 accepts control from other machines"):
        ControlPolicy("0.0.0.0")
    with pytest.raises(ControlPolicyError, match="--control-host stagepc accepts"):
        ControlPolicy("stagepc")  # a name is not looked up: it counts as beyond this machine
    assert ControlPolicy("localhost").allows("127.0.0.1")
    assert ControlPolicy("::1").allows("::1")
    assert ControlPolicy("::", parse_allow("10.0.0.0/24")).allows("::ffff:10.0.0.7")  # dual-stack IPv4 sender
    assert not ControlPolicy("::", parse_allow("10.0.0.0/24")).allows("10.0.1.7")
    assert not ControlPolicy().allows("not an address")
    assert parse_allow("10.0.0.5/24") == parse_allow("10.0.0.0/24")  # host bits are forgiven
    with pytest.raises(ControlPolicyError, match=r"not a network: '10\.0\.0\.0/33'"):
        parse_allow("10.0.0.0/33")
    with pytest.raises(ControlPolicyError, match="at least one network"):
        parse_allow(" , ")
    with pytest.raises(ControlPolicyError, match="too short: at least 8 characters"):
        passcode_from("abc", None, {})
    with pytest.raises(ControlPolicyError, match=r"may hold only letters, digits and - _ \. ~"):
        passcode_from("has/slash", None, {})
    file = tmp_path / "passcode"
    file.write_text(f"{PASSCODE}\nignored second line\n")
    assert passcode_from(None, file, {}) == PASSCODE
    assert passcode_from(None, None, {PASSCODE_ENV: "from-the-env"}) == "from-the-env"
    assert passcode_from(None, None, {}) is None
    with pytest.raises(ControlPolicyError, match="not both"):
        passcode_from(PASSCODE, file, {})
    with pytest.raises(ControlPolicyError, match=f"cannot read the passcode file {tmp_path / 'none'}"):
        passcode_from(None, tmp_path / "none", {})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--control", "9000", "--control-host", "0.0.0.0"], "showcall: --control-host 0.0.0.0 accepts control from"),
        (["--control-allow", "10.0.0.0/24"], "showcall: --control-allow needs --control PORT"),
        (["--control", "9000", "--control-allow", "ten"], "showcall: not a network: 'ten' (write CIDR, e.g."),
        (["--control", "9000", "--control-passcode", "short"], "showcall: the passcode from --control-passcode is"),
    ],
)
def test_the_command_line_refuses_unsafe_control_options(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["run", str(REPO / "shows" / "tiny.yaml"), "--headless", *args]) == 2
    assert capsys.readouterr().err.startswith(message)


def test_a_headless_run_logs_refusals_and_its_control_summary(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "run.jsonl"
    secret = tmp_path / "passcode"
    secret.write_text(PASSCODE + "\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "showcall",
            "run",
            str(REPO / "shows" / "tiny.yaml"),
            "--headless",
            "--no-rt",
            "--log",
            str(log),
            "--control",
            str(port),
            "--control-passcode-file",
            str(secret),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert '"event":"loaded"' in proc.stdout.readline()  # listening: the port opens before the show starts
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(osc("/showcall/go"), ("127.0.0.1", port))
            sock.sendto(osc("/showcall/wrong-pass/go"), ("127.0.0.1", port))
            sock.sendto(osc(f"/showcall/{PASSCODE}/standby", "3"), ("127.0.0.1", port))
        while '"cue":"3"' not in (line := proc.stdout.readline()) or '"event":"standby"' not in line:
            assert line, "the run ended before the standby from control"
        _, err = proc.communicate("quit\n", timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert err == "showcall: control: 1 command, 2 packets dropped (no passcode 1, wrong passcode 1)\n"
    lines = log.read_text()
    assert PASSCODE not in lines and "wrong-pass" not in lines
    assert lines.count('"event":"refused","mono_ns"') == 2
    assert lines.splitlines()[-1].endswith(
        '"accepted":1,"dropped":{"no passcode":1,"wrong passcode":1},"unlogged":{},"silences":0,"final":true}'
    )
