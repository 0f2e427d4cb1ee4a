"""Compiled bytes, checked with independent decoders: python-osc's parser, mido's parser, MSC examples."""

from __future__ import annotations

from typing import Any

import mido
import pytest
from pythonosc.osc_message import OscMessage

from showcall.compile.plan import Plan, WireMessage

from support.showfiles import Write, load

DEVICES = """\
showcall: 1
show: {title: Wire}
devices:
  lx: {driver: eos, host: 127.0.0.1}
  snd: {driver: qlab, host: 127.0.0.1}
  mix: {driver: x32, host: 127.0.0.1}
  res: {driver: resolume, host: 127.0.0.1}
  mil: {driver: millumin, host: 127.0.0.1}
  d3: {driver: disguise, host: 127.0.0.1, port: 7401}
  gfx: {driver: osc, host: 127.0.0.1, port: 9000}
  keys: {driver: midi, midi_port: "127.0.0.1:9080"}
  desk: {driver: msc, midi_port: "127.0.0.1:9080", device_id: 1, command_format: lighting}
  mq: {driver: msc, midi_port: "127.0.0.1:9081", dialect: magicq}
departments: {LX: {}}
cues:
"""


def compile_actions(write: Write, *actions: str) -> list[WireMessage]:
    """Compile one cue holding `actions` (YAML flow mappings); its messages."""
    text = DEVICES + "  - id: 1\n    dept: LX\n    actions:\n" + "".join(f"      - {a}\n" for a in actions)
    loaded = load(write(text))
    assert [str(p) for p in loaded.problems] == []
    assert loaded.plan is not None
    return list(loaded.plan.cues[0].messages)


def osc(message: WireMessage) -> tuple[str, list[Any]]:
    """Decode with python-osc's parser."""
    decoded = OscMessage(message.payload)
    return decoded.address, list(decoded.params)


def midi(message: WireMessage) -> mido.Message:
    """Decode with mido's parser (exactly one message)."""
    parser = mido.Parser()
    parser.feed(message.payload)
    messages = list(parser)
    assert len(messages) == 1
    return messages[0]


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("lx.fire: {list: 2, cue: 12.5}", [("/eos/cue/2/12.5/fire", [])]),
        ("lx.fire: {cue: 7}", [("/eos/cue/1/7/fire", [])]),
        ("lx.go: {}", [("/eos/key/go_0", [1.0]), ("/eos/key/go_0", [0.0])]),
        ("lx.stop: {}", [("/eos/key/stop", [])]),
        ("lx.back: {}", [("/eos/key/back", [])]),
        ("lx.macro: {number: 5}", [("/eos/macro/5/fire", [])]),
        ("lx.sub: {number: 3, level: 0.5}", [("/eos/sub/3", [0.5])]),
        ('lx.cmd: {text: "Chan 1 At Full#"}', [("/eos/newcmd", ["Chan 1 At Full#"])]),
        ("snd.go: {}", [("/go", [])]),
        ("snd.start: {cue: 12}", [("/cue/12/start", [])]),
        ("snd.start: {cue: intro}", [("/cue/intro/start", [])]),
        ("snd.stop: {cue: 4}", [("/cue/4/stop", [])]),
        ("snd.stop: {}", [("/stop", [])]),
        ("snd.panic: {}", [("/panic", [])]),
        ("snd.playhead: {cue: 5}", [("/playhead/5", [])]),
        ("snd.reset: {}", [("/reset", [])]),
        ("mix.mute: {channel: 3, on: true}", [("/ch/03/mix/on", [0])]),
        ("mix.mute: {channel: 12, on: false}", [("/ch/12/mix/on", [1])]),
        ("mix.fader: {channel: 1, level: 0.75}", [("/ch/01/mix/fader", [0.75])]),
        ("mix.scene: {number: 4}", [("/-action/goscene", [4])]),
        ("res.clip: {layer: 2, clip: 3}", [("/composition/layers/2/clips/3/connect", [1])]),
        ("res.column: {number: 4}", [("/composition/columns/4/connect", [1])]),
        ("res.opacity: {layer: 1, value: 0.25}", [("/composition/layers/1/video/opacity", [0.25])]),
        ("res.clear: {}", [("/composition/disconnectall", [1])]),
        ("mil.column: {column: 3}", [("/millumin/action/launchColumn", [3])]),
        ("mil.column: {column: Finale}", [("/millumin/action/launchColumn", ["Finale"])]),
        ("mil.stop_column: {column: 3}", [("/millumin/action/stopColumn", [3])]),
        ("mil.next_column: {}", [("/millumin/action/launchNextColumn", [])]),
        ("mil.timeline_play: {}", [("/millumin/action/playTimeline", [])]),
        ("mil.timeline_pause: {}", [("/millumin/action/pauseTimeline", [])]),
        ("mil.segment: {name: Act 2}", [("/millumin/action/goToTimelineSegment", ["Act 2"])]),
        ("d3.play: {}", [("/d3/showcontrol/play", [])]),
        ("d3.stop: {}", [("/d3/showcontrol/stop", [])]),
        ('d3.cue: {number: "1.2.5"}', [("/d3/showcontrol/cue", [1, 2, 5])]),
        ("d3.next_section: {}", [("/d3/showcontrol/nextsection", [])]),
        ("d3.previous_section: {}", [("/d3/showcontrol/previoussection", [])]),
        ("d3.return_to_start: {}", [("/d3/showcontrol/returntostart", [])]),
    ],
)
def test_profile_verbs_become_the_documented_osc(
    write: Write, action: str, expected: list[tuple[str, list[Any]]]
) -> None:
    messages = compile_actions(write, action)
    assert [osc(m) for m in messages] == expected


def test_osc_argument_types_survive_a_real_parser(write: Write) -> None:
    (message,) = compile_actions(
        write,
        'osc: {device: gfx, address: /lower3/on, args: [1, 2.5, "Jane Doe", true, false, null, {f: 1}, {d: 0.1},'
        ' {h: 5000000000}, {i: "7"}, {s: 12}, {b: "00ff10"}]}',
    )
    decoded = OscMessage(message.payload)
    assert decoded.address == "/lower3/on"
    assert decoded.params == [1, 2.5, "Jane Doe", True, False, None, 1.0, 0.1, 5000000000, 7, "12", b"\x00\xff\x10"]
    assert message.payload.split(b",", 1)[1].startswith(b"ifsTFNfdhisb")


def test_waits_shift_the_actions_after_them(write: Write) -> None:
    messages = compile_actions(
        write, "lx.fire: {cue: 1}", "wait: 1.5s", "snd.go: {}", "wait: 250ms", "mix.scene: {number: 1}"
    )
    assert [(m.device, m.offset_ns) for m in messages] == [
        ("lx", 0),
        ("snd", 1_500_000_000),
        ("mix", 1_750_000_000),
    ]


def test_raw_midi_through_mido_parser(write: Write) -> None:
    messages = compile_actions(
        write,
        "midi: {device: keys, type: note_on, channel: 1, note: 60, velocity: 100}",
        "midi: {device: keys, type: control_change, channel: 16, control: 7, value: 127}",
        "midi: {device: keys, type: program_change, channel: 10, program: 5}",
        "midi: {device: keys, type: pitchwheel, channel: 2, pitch: -8192}",
        "midi: {device: keys, type: sysex, data: [1, 2, 3]}",
        "midi: {device: keys, type: note_off, channel: 1, note: 60}",
    )
    assert [m.payload.hex(" ") for m in messages] == [
        "90 3c 64",
        "bf 07 7f",
        "c9 05",
        "e1 00 00",
        "f0 01 02 03 f7",
        "80 3c 40",
    ]
    assert midi(messages[0]) == mido.Message("note_on", channel=0, note=60, velocity=100)
    assert midi(messages[1]) == mido.Message("control_change", channel=15, control=7, value=127)
    assert midi(messages[4]) == mido.Message("sysex", data=[1, 2, 3])


def test_msc_matches_the_specification_example(write: Write) -> None:
    """domain.md: cue 235.6, list 36.6, path 59 -> 32 33 35 2E 36 00 33 36 2E 36 00 35 39."""
    (message,) = compile_actions(write, 'msc: {device: desk, command: go, cue: "235.6", list: "36.6", path: "59"}')
    assert message.payload.hex(" ").upper() == "F0 7F 01 02 01 01 32 33 35 2E 36 00 33 36 2E 36 00 35 39 F7"
    assert midi(message).type == "sysex"


def test_msc_profile_verbs(write: Write) -> None:
    messages = compile_actions(
        write,
        "desk.go: {cue: 12.5, list: 1}",
        "desk.go: {}",
        "desk.stop: {}",
        "desk.fire: {macro: 5}",
        "desk.all_off: {}",
        "desk.set: {control: 200, value: 16383}",
    )
    assert [m.payload.hex(" ").upper() for m in messages] == [
        "F0 7F 01 02 01 01 31 32 2E 35 00 31 F7",
        "F0 7F 01 02 01 01 F7",
        "F0 7F 01 02 01 02 F7",
        "F0 7F 01 02 01 07 05 F7",
        "F0 7F 01 02 01 08 F7",
        "F0 7F 01 02 01 06 48 01 7F 7F F7",
    ]


def test_magicq_dialect_go_on_a_playback(write: Write) -> None:
    """domain.md: F0 7F 7F 02 01 01 32 00 31 30 F7 = GO cue 2 on stack 10 (MagicQ)."""
    (message,) = compile_actions(write, "msc: {device: mq, command: go, cue: 2, list: 10, command_format: lighting}")
    assert message.payload.hex(" ").upper() == "F0 7F 7F 02 01 01 32 00 31 30 F7"


def plan_of(write: Write, devices: str) -> Plan:
    text = (
        f"showcall: 1\nshow: {{title: E}}\ndevices:\n{devices}departments: {{LX: {{}}}}\ncues: [{{id: 1, dept: LX}}]\n"
    )
    loaded = load(write(text))
    assert [str(p) for p in loaded.problems] == []
    assert loaded.plan is not None
    return loaded.plan


def test_endpoints_take_profile_defaults_and_device_overrides(write: Write) -> None:
    plan = plan_of(
        write,
        "  lx: {driver: eos, host: 10.0.0.10}\n"
        "  lx2: {driver: eos, host: 10.0.0.11, framing: slip, port: 3037}\n"
        "  snd: {driver: qlab, host: 10.0.0.30}\n"
        "  mix: {driver: x32, host: 10.0.0.20}\n"
        "  gfx: {driver: osc, host: 10.0.0.40, port: 9000, protocol: tcp}\n"
        "  keys: {driver: midi, midi_port: USB MIDI 1}\n",
    )
    endpoints = {e.device: e for e in plan.endpoints()}
    assert (endpoints["lx"].kind, endpoints["lx"].port, endpoints["lx"].framing) == ("osc-tcp", 3032, "length")
    assert (endpoints["lx2"].kind, endpoints["lx2"].port, endpoints["lx2"].framing) == ("osc-tcp", 3037, "slip")
    assert (endpoints["snd"].kind, endpoints["snd"].port, endpoints["snd"].reply_port) == ("osc-udp", 53000, 53001)
    assert endpoints["mix"].keepalive_every_ns == 9_000_000_000
    assert [OscMessage(p).address for p in endpoints["mix"].keepalive] == ["/xremote"]
    assert endpoints["mix"].panic == ()
    assert [OscMessage(p).address for p in endpoints["snd"].panic] == ["/panic"]
    assert (endpoints["gfx"].kind, endpoints["gfx"].framing) == ("osc-tcp", "slip")
    assert (endpoints["keys"].kind, endpoints["keys"].midi_port) == ("midi", "USB MIDI 1")


def test_eos_packets_over_512_bytes_are_refused(write: Write) -> None:
    text = DEVICES + "  - {id: 1, dept: LX, actions: [{lx.cmd: {text: " + "x" * 600 + "}}]}\n"
    found = [str(p) for p in load(write(text)).problems]
    assert found == ["show.yaml:16:34: cue 1: OSC packet of 620 bytes is over the eos limit of 512"]


def test_generic_midi_panic_is_all_notes_off_on_every_channel(write: Write) -> None:
    plan = plan_of(write, '  keys: {driver: midi, midi_port: "127.0.0.1:9080"}\n')
    panic = plan.devices["keys"].endpoint.panic
    assert [midi(WireMessage("keys", 0, packet, "")) for packet in panic] == [
        mido.Message("control_change", channel=channel, control=123, value=0) for channel in range(16)
    ]
