"""The console's view data, without a terminal: department keys, the caller's time formats, cue search,
simulator records, and the feed's coalescing."""

from __future__ import annotations

from pathlib import Path

from showcall.compile.showfile import load_show
from showcall.engine import events as ev
from showcall.model.show import Department
from showcall.sim.records import SimRecord
from showcall.tui.data.feed import ShowFeed
from showcall.tui.data.find import find_cues
from showcall.tui.data.keys import department_keys
from showcall.tui.data.packets import describe_packet
from showcall.tui.data.simulators import describe_record
from showcall.tui.data.text import clock, countdown, lateness, over_under, signed

SHOWS = Path(__file__).resolve().parents[2] / "shows"
S = 1_000_000_000


def test_declared_department_keys_win_and_the_others_get_a_free_letter():
    departments = {
        "SND": Department(),
        "SPOT": Department(),
        "STAGE": Department(key="s"),
        "SFX": Department(),
        "LX": Department(name="Lighting"),
    }
    assert department_keys(departments) == {"s": "STAGE", "n": "SND", "p": "SPOT", "f": "SFX", "l": "LX"}


def test_the_concert_show_uses_its_declared_keys():
    loaded = load_show(SHOWS / "concert.yaml")
    assert loaded.show is not None
    assert department_keys(loaded.show.departments) == {
        "l": "LX",
        "v": "VID",
        "s": "SND",
        "x": "SFX",
        "p": "SPOT",
        "t": "STAGE",
    }


def test_times_are_written_the_way_a_caller_reads_them():
    assert clock(None) == "-:--"
    assert clock(133 * S) == "2:13"
    assert clock(3733 * S) == "1:02:13"
    assert signed(42 * S) == "+0:42"
    assert signed(-167 * S) == "−2:47"
    assert signed(300_000_000) == "±0:00"
    assert over_under(42 * S) == "OVER +0:42"
    assert over_under(-65 * S) == "UNDER −1:05"
    assert over_under(0) == "ON TIME"
    assert countdown(1 * S) == "0:01.0"
    assert countdown(724_560_000_000) == "12:04.5"
    assert countdown(3723_400_000_000) == "1:02:03.4"
    assert countdown(-5) == "0:00.0"
    assert lateness(14.2) == "+14µs"
    assert lateness(1234.0) == "+1.2ms"
    assert lateness(None) == ""


def test_find_by_number_then_department_and_number_then_words():
    loaded = load_show(SHOWS / "summit.yaml")
    assert loaded.plan is not None
    cues = loaded.plan.cues
    ids = [cues[i].id for i in find_cues(cues, "21")]
    assert ids[0] == "21" and set(ids[1:5]) == {"21.1", "21.2", "21.3", "21.4"}
    assert [cues[i].id for i in find_cues(cues, "LX 21.1")] == ["21.1"]
    assert all("lectern" in cues[i].cue.label.lower() for i in find_cues(cues, "lectern special"))
    assert find_cues(cues, "") == []


def test_simulator_records_become_one_line_each():
    record = SimRecord(5, "lx", "received", "/eos/cue/1/12/fire", peer="127.0.0.1:5000")
    received = describe_record(record)
    assert (received.device, received.kind, received.text, received.at_ns) == (
        "lx",
        "received",
        "/eos/cue/1/12/fire",
        5,
    )


def test_feedback_packets_are_described():
    from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
    from pythonosc.osc_message_builder import OscMessageBuilder

    from showcall.devices.oscmsg import decode_osc

    builder = OscMessageBuilder("/eos/out/active/cue/1/12")
    builder.add_arg(0.5)
    assert describe_packet(builder.build().dgram) == "/eos/out/active/cue/1/12 0.5"
    assert describe_packet(bytes([0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0xF7])) == "F0 7F 01 02 01 01 F7"
    # the one OSC formatter: the console's line reads as the simulators' and the feedback decoder's do
    builder = OscMessageBuilder("/lower3/on")
    for arg in (1, "Jane Doe", True, b"\x00\x01", 0.1234567):
        builder.add_arg(arg)
    packet = builder.build().dgram
    assert describe_packet(packet) == '/lower3/on 1 "Jane Doe" true <blob 2 bytes> 0.123457'
    assert describe_packet(packet) == decode_osc(packet)[0].summary()
    bundle = OscBundleBuilder(IMMEDIATELY)
    bundle.add_content(builder.build())
    bundle.add_content(OscMessageBuilder("/eos/out/ping").build())
    assert (
        describe_packet(bundle.build().dgram) == '/lower3/on 1 "Jane Doe" true <blob 2 bytes> 0.123457; /eos/out/ping'
    )
    long = OscMessageBuilder("/eos/out/cmd")
    long.add_arg("x" * 80)
    assert describe_packet(long.build().dgram) == f'/eos/out/cmd "{"x" * 58}…'
    assert describe_packet(b"/bad\x00\x00\x00\x00,q\x00\x00") == "2F 62 61 64 00 00 00 00 2C 71 00 00"


def test_a_burst_of_events_signals_the_screen_once_until_it_looks(virtual_console):
    console = virtual_console("summit.yaml", time_of_day="08:29:50")
    engine = console.engine
    signals: list[int] = []
    feed = ShowFeed(engine, console.scheduler, lambda: signals.append(1))
    engine.start()
    console.clock.advance(15 * S)  # doors: three cues fire, each with its sends and standby moves
    assert len(signals) == 1
    changes = feed.take()
    assert changes.playhead and changes.structure
    assert [line.text for line in changes.log if line.kind == "go"] == [
        "GO LX 1 (at)",
        "GO VID 2 (follow)",
        "GO SND 3 (follow)",
    ]
    engine.announce(ev.ErrorEvent(engine.clock.now_ns(), message="log not writable"))
    assert len(signals) == 2  # after a take, the next event signals again
    feed.close()


def test_a_flood_at_the_control_port_is_one_log_line_per_window(virtual_console):
    console = virtual_console("tiny.yaml")
    engine = console.engine
    feed = ShowFeed(engine, console.scheduler, lambda: None)
    engine.start()  # an engine holds every event until its `loaded`
    feed.take()
    now = engine.clock.now_ns()
    engine.announce(ev.ControlReport(now, accepted=0, dropped={"not OSC": 990}, unlogged={"not OSC": 980}))
    engine.announce(ev.ControlReport(now, accepted=0, dropped={"not OSC": 990}, final=True))  # nothing new: no line
    assert [(line.kind, line.text) for line in feed.take().log] == [
        ("refused", "control: 980 more packets dropped (not OSC 980)")
    ]
    feed.close()
