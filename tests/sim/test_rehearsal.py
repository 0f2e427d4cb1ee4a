"""Each simulator driven by showcall's own compiled messages through the real outputs, on 127.0.0.1: the
device's state changes, and its feedback comes back through the output and decodes with the FeedbackDecoder."""

from __future__ import annotations

import asyncio
import json
import select
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import build_msg

from showcall.devices.feedback import DeviceReport, FeedbackDecoder
from showcall.loader.profiles import load_profiles
from showcall.protocols import msc
from showcall.sim.base import Listen
from showcall.sim.disguise import DisguiseSimulator
from showcall.sim.eos import EosSimulator
from showcall.sim.midi import MidiSimulator
from showcall.sim.qlab import QlabSimulator
from showcall.sim.resolume import ResolumeSimulator
from showcall.sim.x32 import X32Simulator
from showcall.transports.base import Endpoint, LinkState
from showcall.transports.tcp import TcpOutput
from showcall.transports.udp import UdpOutput

if TYPE_CHECKING:
    from conftest import Rehearsal


def sim(rehearsal: Rehearsal, device: str) -> Any:
    return rehearsal.rig.simulators[device]


async def test_eos_fire_go_and_ping_over_length_framed_tcp(rehearsal: Rehearsal) -> None:
    wire, lx = rehearsal.wire, sim(rehearsal, "lx")
    assert isinstance(lx, EosSimulator)
    assert lx.state()["pending"] == "1/12"  # the rig taught it the show's cues: 12 and 13 of list 1

    wire.fire("1")
    await wire.until(lambda: "active cue 1/12 (0%)" in wire.details("lx"), "Eos active cue feedback")
    assert (lx.active, lx.pending) == (("1", "12"), ("1", "13"))
    assert wire.details("lx")[:2] == ["pending cue 1/13", "active cue 1/12 (0%)"]
    news = [r for r in wire.reports["lx"] if not r.routine]
    assert [(r.report, dict(r.fields), r.value) for r in news[:2]] == [
        ("pending_cue", {"list": "1", "cue": "13"}, None),
        ("active_cue", {"list": "1", "cue": "12"}, 0.0),
    ]

    wire.fire("2")  # lx.go: key down then up; GO fires the pending cue once
    await wire.until(lambda: "active cue 1/13 (0%)" in wire.details("lx"), "GO to fire the pending cue")
    assert (lx.active, lx.pending) == (("1", "13"), None)

    pings = sum(r.report == "ping" for r in wire.reports["lx"])  # the keep-alive's answers so far
    wire.fire("3")  # fire 13 again, then /eos/ping
    await wire.until(lambda: sum(r.report == "ping" for r in wire.reports["lx"]) > pings, "the ping's answer")
    ping = [r for r in wire.reports["lx"] if r.report == "ping"][-1]
    assert (ping.routine, ping.address, ping.detail) == (True, "/eos/out/ping", "ping answered")


async def test_eos_over_slip_framing(rehearsal: Rehearsal) -> None:
    wire = rehearsal.wire
    assert wire.outputs["lxslip"].endpoint.framing == "slip"
    wire.fire("1")
    await wire.until(lambda: "active cue 1/5 (0%)" in wire.details("lxslip"), "feedback over SLIP")
    assert sim(rehearsal, "lxslip").active == ("1", "5")


async def test_eos_fade_reports_progress_until_complete() -> None:
    eos = EosSimulator("lx", Listen("osc-tcp", framing="length"), fade_s=0.06, progress_every_s=0.02)
    await eos.start()
    out = TcpOutput(Endpoint("lx", "osc-tcp", "127.0.0.1", eos.port, framing="length"))
    received: list[OscMessage] = []

    async def pump(condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 5
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            fd = out.fileno()
            if fd is not None:
                readable, writable, _ = select.select([fd], [fd] if out.wants_write() else [], [], 0)
                packets = out.on_ready(time.monotonic_ns(), bool(readable), bool(writable))
                received.extend(OscMessage(packet) for packet in packets)
            await asyncio.sleep(0.002)

    try:
        out.open(time.monotonic_ns())
        await pump(lambda: out.status().state is LinkState.ONLINE, "the connection")
        out.send(out.frame(build_msg("/eos/cue/2/7/fire").dgram))
        await pump(lambda: bool(received) and received[-1].params == [1.0], "the fade to complete")
        assert {message.address for message in received} == {"/eos/out/active/cue/2/7"}
        fractions = [message.params[0] for message in received]
        assert fractions[0] == 0.0
        assert fractions == sorted(fractions) and len(fractions) >= 3  # progress in between, never backwards
        assert eos.state()["fraction"] == 1.0
    finally:
        out.close()
        await eos.aclose()


async def test_two_qlabs_answer_each_sender_with_reply_json(rehearsal: Rehearsal) -> None:
    wire = rehearsal.wire
    snd, vid = sim(rehearsal, "snd"), sim(rehearsal, "vid")
    assert isinstance(snd, QlabSimulator) and isinstance(vid, QlabSimulator)
    assert vid.playhead == "20"  # the only cue the show names on vid

    wire.fire("10")  # snd.start INTRO, vid.go
    await wire.until(lambda: wire.reports["snd"] and wire.reports["vid"], "both replies")
    assert snd.running == ["INTRO"] and vid.running == ["20"] and vid.playhead is None
    (snd_reply,) = wire.reports["snd"]
    (vid_reply,) = wire.reports["vid"]
    assert (snd_reply.report, snd_reply.detail) == ("reply", "reply /cue/INTRO/start ok")
    assert snd_reply.fields == {"address": "cue/INTRO/start"}
    assert snd_reply.value == {"workspace_id": "SHOWCALL-SIM", "address": "/cue/INTRO/start", "status": "ok"}
    assert vid_reply.detail == "reply /go ok"  # to vid's socket only: each QLab answers its own sender

    wire.fire("11")  # snd.stop INTRO, vid.playhead 20
    await wire.until(lambda: len(wire.reports["snd"]) == len(wire.reports["vid"]) == 2, "both replies")
    assert snd.running == [] and vid.playhead == "20"

    wire.send("snd", build_msg("/cue/NOPE/explode").dgram)  # not a QLab method: answered with an error
    await wire.until(lambda: "reply /cue/NOPE/explode error" in wire.details("snd"), "the error reply")
    wire.send("snd", build_msg("/runningCues").dgram)
    await wire.until(lambda: wire.reports["snd"][-1].address == "/reply/runningCues", "the query's reply")
    assert json.loads(wire.reports["snd"][-1].args[0])["data"] == []


async def test_x32_feeds_back_changes_only_while_subscribed(rehearsal: Rehearsal) -> None:
    wire, mix = rehearsal.wire, sim(rehearsal, "mix")
    assert isinstance(mix, X32Simulator)
    # The output sent its keep-alive (/xremote) when it opened.
    await wire.until(lambda: len(mix.subscribers()) == 1, "the /xremote keep-alive")

    wire.fire("20")
    await wire.until(lambda: len(wire.reports["mix"]) == 2 and mix.recalled["scene"] == 4, "feedback and the scene")
    assert wire.details("mix") == ["ch 03 muted", "ch 03 fader 0.75 (+0.0 dB)"]
    assert mix.state()["muted"] == [3] and mix.state()["scene"] == 4

    rehearsal.advance(10.0)  # no /xremote for 10 s on the simulator's clock: the subscription lapses
    assert mix.subscribers() == []
    wire.send("mix", build_msg("/ch/03/mix/on", [1]).dgram)
    wire.send("mix", build_msg("/ch/03/mix/on").dgram)  # a query is answered, subscribed or not
    await wire.until(lambda: len(wire.reports["mix"]) == 3, "the query's answer")
    # UDP on loopback keeps order: had the change been fed back, it would have come before the answer.
    assert wire.details("mix")[2] == "ch 03 unmuted"
    assert [r.args for r in wire.reports["mix"][2:]] == [(1,)]

    wire.send("mix", build_msg("/xremote").dgram)
    wire.send("mix", build_msg("/ch/03/mix/fader", [0.5]).dgram)
    await wire.until(lambda: len(wire.reports["mix"]) == 4, "feedback after renewing")
    assert wire.details("mix")[3] == "ch 03 fader 0.50 (-10.0 dB)"


async def test_x32_takes_at_most_four_subscribers() -> None:
    mix = X32Simulator("mix", Listen("osc-udp"))
    await mix.start()
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(5)]
    try:
        for sock in socks:
            sock.sendto(build_msg("/xremote").dgram, ("127.0.0.1", mix.port))
        for _ in range(500):
            if mix.stats.received == 5:
                break
            await asyncio.sleep(0.002)
        assert len(mix.subscribers()) == 4
        assert mix.records("state")[-1].summary.endswith("refused: 4 clients already subscribed")
    finally:
        for sock in socks:
            sock.close()
        await mix.aclose()


async def test_video_servers_keep_clip_column_and_cue(rehearsal: Rehearsal) -> None:
    wire = rehearsal.wire
    wall, proj, d3 = sim(rehearsal, "wall"), sim(rehearsal, "proj"), sim(rehearsal, "d3")
    assert isinstance(wall, ResolumeSimulator) and isinstance(d3, DisguiseSimulator)
    wire.fire("30")
    await wire.until(lambda: d3.transport == "playing", "the last message of the cue")
    assert wall.state() == {"clips": {"1": 2}, "column": 3, "opacity": {"1": 0.5}}
    assert proj.state() == {"column": 2, "timeline": "playing", "segment": "Act 2"}
    assert (d3.cue, d3.transport) == ("1.2.5", "playing")

    wire.send("d3", build_msg("/d3/showcontrol/stop", [0.5]).dgram)  # a lone float other than 1.0: ignored
    wire.send("d3", build_msg("/D3/SHOWCONTROL/STOP").dgram)  # disguise addresses are case-sensitive
    wire.send("d3", build_msg("/d3/showcontrol/nextsection", [1.0]).dgram)
    await wire.until(lambda: d3.section == 1, "next section")
    assert d3.transport == "playing" and d3.stats.ignored == 1
    wire.send("proj", build_msg("/ACTION/launchNextColumn").dgram)  # Millumin: any case, prefix optional
    await wire.until(lambda: proj.column == 3, "next column")


async def test_disguise_heartbeat_reaches_the_output_as_routine_feedback() -> None:
    d3 = DisguiseSimulator("d3", Listen("osc-udp"), heartbeat_s=0.01)
    await d3.start()
    out = UdpOutput(Endpoint("d3", "osc-udp", "127.0.0.1", d3.port))
    profile = load_profiles().get("disguise")
    assert profile is not None
    decoder = FeedbackDecoder({"d3": profile.profile})
    try:
        out.open(time.monotonic_ns())
        out.send(build_msg("/d3/showcontrol/play").dgram)  # heartbeats go to whoever talks to it
        reports: list[DeviceReport] = []
        deadline = time.monotonic() + 5
        while len(reports) < 2:
            assert time.monotonic() < deadline, "no heartbeat"
            for packet in out.on_ready(time.monotonic_ns(), True, False):
                reports += decoder.decode("d3", packet)
            await asyncio.sleep(0.005)
        assert {(r.report, r.routine) for r in reports} == {("heartbeat", True)}
        assert all(0.0 <= r.value <= 1.0 for r in reports) and reports[0].value != reports[1].value
        assert d3.records("sent") == []  # counted, not recorded: one a second would drown the log
        assert d3.stats.sent >= 2
    finally:
        out.close()
        await d3.aclose()


async def test_midi_and_msc_devices_sharing_a_named_port_both_work(rehearsal: Rehearsal) -> None:
    wire = rehearsal.wire
    keys, lxmsc = sim(rehearsal, "keys"), sim(rehearsal, "lxmsc")
    assert isinstance(keys, MidiSimulator) and isinstance(lxmsc, MidiSimulator)
    # Both were on "USB MIDI 1"; each now has its own mido socket port.
    ports = {rehearsal.rig.endpoints[d].midi_port for d in ("keys", "lxmsc")}
    assert len(ports) == 2 and all(p.startswith("127.0.0.1:") for p in ports)

    wire.fire("40")
    await wire.until(lambda: lxmsc.stats.received == 1 and keys.stats.received == 2, "both devices' messages")
    assert keys.state()["notes"] == {"10": [36]} and keys.state()["programs"] == {"1": 5}
    assert lxmsc.state()["msc"]["cues"] == {"1": "12.5"}
    assert [r.summary for r in lxmsc.records("received")] == ["MSC go cue 12.5 list 1 (device 1, lighting)"]

    # MSC for another device id, or another command format, is not acted on (recorded as ignored).
    wire.send("lxmsc", msc.encode("go", device_id=2, command_format="lighting", cue="99"))
    wire.send("lxmsc", msc.encode("go", device_id=1, command_format="sound", cue="98"))
    wire.send("lxmsc", msc.encode("go", device_id=127, command_format="all_types", cue="13"))
    await wire.until(lambda: lxmsc.stats.received == 4, "three more MSC messages")
    assert lxmsc.state()["msc"]["cues"] == {"": "13"} | {"1": "12.5"}
    assert lxmsc.stats.ignored == 2


async def test_generic_osc_over_tcp_records_what_arrived(rehearsal: Rehearsal) -> None:
    wire, gfx = rehearsal.wire, sim(rehearsal, "gfx")
    wire.fire("50")
    await wire.until(lambda: gfx.stats.received == 1, "the message")
    (record,) = gfx.records("received")
    assert record.summary == '/lower3/on 1 "Jane Doe"'
    assert record.message.as_dict() == {"address": "/lower3/on", "args": [1, "Jane Doe"]}
    assert gfx.state()["counts"] == {"/lower3/on": 1}


async def test_panic_packets_stop_each_device(rehearsal: Rehearsal) -> None:
    wire = rehearsal.wire
    for cue in ("1", "10", "30"):
        wire.fire(cue)
    d3 = sim(rehearsal, "d3")
    await wire.until(lambda: d3.transport == "playing", "the cues")
    for device, endpoint in rehearsal.rig.endpoints.items():
        for packet in endpoint.panic:
            wire.send(device, packet)
    stopped = {
        "lx": lambda: sim(rehearsal, "lx").stopped,
        "snd": lambda: sim(rehearsal, "snd").running == [],
        "vid": lambda: sim(rehearsal, "vid").running == [],
        "wall": lambda: sim(rehearsal, "wall").clips == {},
        "proj": lambda: sim(rehearsal, "proj").timeline == "paused",
        "d3": lambda: d3.transport == "stopped",
    }
    await wire.until(lambda: all(check() for check in stopped.values()), "every device's panic")
    assert sim(rehearsal, "mix").stats.received == 1  # the X32 has no panic: only its /xremote arrived


async def test_rig_subscribe_sees_every_simulator(rehearsal: Rehearsal) -> None:
    seen: list[tuple[str, str]] = []
    unsubscribe = rehearsal.rig.subscribe(lambda r: seen.append((r.device, r.kind)))
    rehearsal.wire.fire("30")
    await rehearsal.wire.until(lambda: ("d3", "state") in seen, "disguise's records")
    # Only the cue's devices changed (the Eos outputs may also send their /eos/ping keep-alive meanwhile).
    assert {device for device, kind in seen if kind == "state"} == {"wall", "proj", "d3"}
    unsubscribe()
    count = len(seen)
    rehearsal.wire.fire("50")
    await rehearsal.wire.until(lambda: sim(rehearsal, "gfx").stats.received == 1, "gfx")
    assert len(seen) == count
    snapshot = rehearsal.rig.snapshot()
    assert snapshot["wall"]["state"]["column"] == 3 and snapshot["gfx"]["stats"]["received"] == 1
