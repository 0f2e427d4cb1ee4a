"""OSC control input: commands from real packets, malformed ones dropped and counted."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from showcall.engine import events as ev
from showcall.runner.control import ControlInput, listen

from support.engines import rig
from support.tools import free_port, require_tool

SHOW = """\
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}]}
  - {id: "2", dept: SND}
  - {id: "3", dept: LX}
"""


def osc(address: str, *args: object) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return bytes(builder.build().dgram)


def test_control_messages_call_the_show(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW)
    control = ControlInput(r.engine)
    assert control.handle(osc("/showcall/go")) is None
    r.advance_to(1)
    assert control.handle(osc("/showcall/go", 0)) is None  # Companion's button release: ignored
    assert control.handle(osc("/showcall/ack", "snd")) is None
    assert control.handle(osc("/showcall/standby", 3)) is None
    assert control.handle(osc("/showcall/hold")) is None
    assert control.handle(osc("/showcall/resume", 1.0)) is None
    assert control.handle(osc("/showcall/go", 1)) is None
    r.advance_to(2)
    assert r.gos() == [("1", "control", 0.0), ("3", "control", 1.0)]
    assert [e.dept for e in r.of(ev.Ack)] == ["SND"]  # type: ignore[attr-defined]
    assert control.stats.accepted == 7


def test_malformed_control_packets_are_dropped_and_counted(tmp_path: Path) -> None:
    r = rig(tmp_path, SHOW)
    control = ControlInput(r.engine)
    bundle = OscBundleBuilder(IMMEDIATELY)
    bundle.add_content(OscMessageBuilder("/showcall/go").build())
    packets = {
        b"\x00\x01garbage": "not an OSC message",
        osc("/showcall/go")[:-3]: "not an OSC message",
        b"/showcall/go\x00\x00\x00\x00,i\x00\x00\x00\x01": "not an OSC message",  # truncated argument
        b"/showcall/go\x00\x00\x00\x00,x\x00\x00": "not an OSC message",  # a type tag OSC does not have
        bytes(bundle.build().dgram): "bundle (send plain messages)",
        b"/" + b"x" * 9000: "oversized",
        osc("/other/go"): "unknown address /other/go",
        osc("/showcall/fire"): "unknown address /showcall/fire",
        osc("/showcall/standby"): "standby takes one argument (a cue id)",
        osc("/showcall/go", 1, 2): "go takes no arguments",
    }
    for packet, reason in packets.items():
        assert str(control.handle(packet)) == reason
        control.datagram_received(packet, ("127.0.0.1", 9))
    assert control.stats.dropped_total == 2 * len(packets)
    assert control.stats.dropped == {
        "not OSC": 8,
        "bundle": 2,
        "oversized": 2,
        "unknown address": 4,
        "bad arguments": 4,
    }
    assert r.gos() == []
    assert len(r.of(ev.Refused)) == len(packets)


async def test_oscsend_calls_go_over_real_udp(tmp_path: Path) -> None:
    require_tool("oscsend", "liblo-tools")
    r = rig(tmp_path, SHOW)
    port = free_port()
    control = await listen(r.engine, port)
    try:
        subprocess.run(["oscsend", "127.0.0.1", str(port), "/showcall/go"], check=True, timeout=10)
        subprocess.run(["oscsend", "127.0.0.1", str(port), "/showcall/standby", "s", "3"], check=True, timeout=10)
        for _ in range(200):
            if control.stats.accepted >= 2:
                break
            await asyncio.sleep(0.01)
        assert control.stats.accepted == 2
        assert [g[0] for g in r.gos()] == ["1"]
        assert r.engine.snapshot().playhead == 2
    finally:
        control.close()
