"""MIDI outputs: a real mido socket-port server, a machine without a MIDI system, a test backend, recording."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mido
import mido.sockets
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from showcall.errors import MidiUnavailableError
from showcall.model.times import FrameRate, Timecode
from showcall.protocols import msc, mtc
from showcall.transports import midi
from showcall.transports.base import DeviceDownError, Endpoint, LinkState, LinkStatus
from showcall.transports.midi import (
    MidiPayloadError,
    MidiPortOutput,
    MidiPortUnavailableError,
    MidiRecorder,
    MidiSocketOutput,
    check_midi_message,
    describe_midi_system,
    make_midi_output,
    parse_socket_address,
)

if TYPE_CHECKING:
    from conftest import Core

MS = 1_000_000
NOTE_ON = bytes.fromhex("90 3C 64")
CC = bytes.fromhex("B5 07 7F")
MSC_GO = msc.encode("go", command_format="lighting", cue="12.5", list="1", device_id=1)
QUARTER = mtc.quarter_frame(3, Timecode(1, 0, 10, 0), FrameRate.FPS_25)
PITCH = bytes.fromhex("E0 00 40")


def test_public_names_are_what_was_meant() -> None:
    assert set(midi.__all__) == {
        "RTMIDI_BACKEND", "MidiOutput", "MidiPayloadError", "MidiPortOutput", "MidiPortUnavailableError",
        "MidiRecorder", "MidiSocketOutput", "check_midi_message", "describe_midi_system", "make_midi_output",
        "midi_port_problem", "parse_socket_address",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("127.0.0.1:9080", ("127.0.0.1", 9080)),
        ("localhost:1", ("localhost", 1)),
        ("USB MIDI 1", None),
        ("Midi Through:Midi Through Port-0 14:0", None),  # an ALSA port name, not an address
        ("host:0", None),
        ("host:70000", None),
        (":9080", None),
    ],
)
def test_socket_addresses_and_port_names(text: str, address: tuple[str, int] | None) -> None:
    assert parse_socket_address(text) == address


def test_payloads_must_be_exactly_one_complete_message() -> None:
    for payload in (NOTE_ON, MSC_GO, QUARTER, PITCH, bytes.fromhex("F8"), bytes.fromhex("C0 05"), b"\xf0\xf7"):
        check_midi_message(payload)
    for payload in (
        bytes.fromhex("90 3C"),
        NOTE_ON + CC,
        MSC_GO[:-1],
        bytes.fromhex("3C 64"),
        bytes.fromhex("90 80 00"),
        bytes.fromhex("F0 01 90 F7"),
        bytes.fromhex("F4"),
        b"",
    ):
        with pytest.raises(MidiPayloadError, match=r"^not one complete MIDI message: "):
            check_midi_message(payload)


@given(
    payload=st.one_of(
        st.binary(max_size=6),
        st.tuples(st.integers(0x80, 0xFF), st.binary(max_size=4)).map(lambda t: bytes((t[0],)) + t[1]),
        st.binary(max_size=8).map(lambda b: b"\xf0" + b + b"\xf7"),
    )
)
def test_payload_check_agrees_with_mido(payload: bytes) -> None:
    """mido's parser is the independent judge, except for the undefined status bytes it passes through."""
    assume(not set(payload) & {0xF4, 0xF5, 0xF9, 0xFD})
    messages = mido.parse_all(payload)
    mido_says = len(messages) == 1 and bytes(messages[0].bytes()) == payload
    try:
        check_midi_message(payload)
    except MidiPayloadError:
        assert not mido_says
    else:
        assert mido_says


def test_socket_port_messages_arrive_at_mido_port_server(free_tcp_port: int, core: type[Core]) -> None:
    server = mido.sockets.PortServer("127.0.0.1", free_tcp_port)
    out = make_midi_output(Endpoint("keys", "midi", midi_port=f"127.0.0.1:{free_tcp_port}"))
    assert isinstance(out, MidiSocketOutput)
    loop = core(out)
    out.open(time.monotonic_ns())
    loop.run_until(lambda: out.status().state is LinkState.ONLINE, "connect")
    # mido 1.3's PortServer.iter_pending() blocks forever (its _receive passes block=True on), so take
    # the connection from the real server and read mido's own SocketPort for it.
    accepted: list[Any] = []
    loop.run_until(lambda: bool(accepted.append(server.accept(block=False)) or accepted[-1]), "mido to accept")
    conn = accepted[-1]
    payloads = [NOTE_ON, MSC_GO, CC, QUARTER, PITCH]
    for payload in payloads:
        out.send(out.frame(payload))
    received: list[Any] = []

    def all_arrived() -> bool:
        received.extend(conn.iter_pending())  # mido's SocketPort parses the bytes with mido.Parser
        return len(received) >= len(payloads)

    loop.run_until(all_arrived, "mido's socket port to parse every message")
    assert [bytes(m.bytes()) for m in received] == payloads
    assert [m.type for m in received] == ["note_on", "sysex", "control_change", "quarter_frame", "pitchwheel"]
    assert msc.decode(bytes(received[1].bytes())).cue == "12.5"
    # The server talks back: feedback comes out as whole MIDI messages.
    conn.send(mido.Message("note_off", channel=2, note=61, velocity=0))
    conn.send(mido.Message("sysex", data=(0x7F, 0x7F, 0x01, 0x01, 0x21, 0x00, 0x0A, 0x00)))
    loop.run_until(lambda: len(loop.received["keys"]) == 2, "feedback from the server")
    assert loop.received["keys"] == [bytes.fromhex("82 3D 00"), bytes.fromhex("F0 7F 7F 01 01 21 00 0A 00 F7")]
    assert out.stats.sent == 5
    out.close()
    conn.close()
    server.close()


def test_socket_port_that_is_down_is_offline_and_refuses_sends(unlistened: Any) -> None:
    port = unlistened.getsockname()[1]
    out = make_midi_output(Endpoint("keys", "midi", midi_port=f"127.0.0.1:{port}"))
    out.open(0)
    loop_deadline = time.monotonic() + 5
    while out.status().state is not LinkState.OFFLINE and time.monotonic() < loop_deadline:
        out.on_ready(0, True, True)
    assert out.status() == LinkStatus(LinkState.OFFLINE, "connection refused")
    with pytest.raises(DeviceDownError, match=r"^device keys: connection refused$"):
        out.send(NOTE_ON)
    out.close()


def _expected_no_system_text() -> str | None:
    """What this machine must say, when it is one without a MIDI system (this one and CI)."""
    no_seq = sys.platform.startswith("linux") and not os.path.exists("/dev/snd/seq")
    if importlib.util.find_spec("rtmidi") is None:
        seq = "; /dev/snd/seq missing" if no_seq else ""
        return (
            f"no MIDI system on this machine (python-rtmidi is not installed{seq}); "
            "use a mido socket port 'host:port' instead"
        )
    if no_seq:
        return (
            "no MIDI system on this machine (/dev/snd/seq missing; python-rtmidi cannot open ports); "
            "use a mido socket port 'host:port' instead"
        )
    return None


@pytest.mark.skipif(_expected_no_system_text() is None, reason="this machine has a MIDI system")
def test_named_port_without_a_midi_system_is_offline_in_words_never_silent() -> None:
    expected = _expected_no_system_text()
    assert describe_midi_system() == expected
    assert describe_midi_system("USB MIDI 1") == expected
    out = make_midi_output(Endpoint("keys", "midi", midi_port="USB MIDI 1"))
    assert isinstance(out, MidiPortOutput)
    out.open(5 * MS)
    assert out.status() == LinkStatus(LinkState.OFFLINE, expected)
    with pytest.raises(MidiPortUnavailableError) as info:
        out.send(out.frame(NOTE_ON))
    assert isinstance(info.value, DeviceDownError)
    assert isinstance(info.value, MidiUnavailableError)
    assert str(info.value) == f"device keys: {expected}"
    assert out.next_service_ns() == 5 * MS + midi.PORT_RETRY_NS
    out.service(5 * MS + midi.PORT_RETRY_NS)
    assert out.status() == LinkStatus(LinkState.OFFLINE, expected)


@pytest.mark.skipif(_expected_no_system_text() is not None, reason="this machine has no MIDI system")
def test_unknown_port_name_lists_the_ports_there_are() -> None:
    text = describe_midi_system("showcall test: no such port")
    assert text.startswith("no MIDI port named 'showcall test: no such port'; available: ")


class _TestBackend:
    """A mido backend module made at test time: ports are whatever `names` holds; sends are kept."""

    def __init__(self) -> None:
        self.names: list[str] = ["Port A"]
        self.sent: list[bytes] = []
        self.broken = False
        backend = self

        class Output(mido.ports.BaseOutput):  # type: ignore[misc]
            def _open(self, **kwargs: object) -> None:
                if self.name not in backend.names:
                    raise OSError(f"unknown port {self.name!r}")

            def _send(self, message: Any) -> None:
                if backend.broken:
                    raise OSError("device unplugged")
                backend.sent.append(bytes(message.bytes()))

        self.module = types.ModuleType("showcall_test_midi_backend")
        self.module.Output = Output  # type: ignore[attr-defined]
        self.module.get_devices = lambda **kwargs: [  # type: ignore[attr-defined]
            {"name": name, "is_input": False, "is_output": True} for name in self.names
        ]


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> _TestBackend:
    fake = _TestBackend()
    # mido loads backends by module name; register this one under a name of its own.
    monkeypatch.setitem(sys.modules, fake.module.__name__, fake.module)
    return fake


def test_named_port_opens_when_plugged_in_sends_and_reports_unplugging(backend: _TestBackend) -> None:
    out = MidiPortOutput(Endpoint("keys", "midi", midi_port="Port B"), backend=backend.module.__name__)
    out.open(0)
    assert out.status() == LinkStatus(LinkState.OFFLINE, "no MIDI port named 'Port B'; available: Port A")
    backend.names.append("Port B")
    out.service(midi.PORT_RETRY_NS - 1)
    assert out.status().state is LinkState.OFFLINE
    out.service(midi.PORT_RETRY_NS)
    assert out.status() == LinkStatus(LinkState.ONLINE)
    assert out.next_service_ns() is None
    assert describe_midi_system(backend=backend.module.__name__) == "MIDI output ports: Port A, Port B"
    out.recorder = MidiRecorder()
    for payload in (NOTE_ON, MSC_GO, QUARTER):
        out.send(out.frame(payload))
    assert backend.sent == [NOTE_ON, MSC_GO, QUARTER]
    assert [wire for _, _, wire in out.recorder.events] == [NOTE_ON, MSC_GO, QUARTER]
    backend.broken = True
    with pytest.raises(MidiPortUnavailableError, match=r"^device keys: MIDI port 'Port B' failed: device unplugged$"):
        out.send(NOTE_ON)
    assert out.status() == LinkStatus(LinkState.OFFLINE, "MIDI port 'Port B' failed: device unplugged")
    assert (out.stats.sent, out.stats.failed) == (3, 1)
    out.close()


def test_recorder_writes_a_midi_file_mido_reads_back(tmp_path: Path) -> None:
    recorder = MidiRecorder()
    t0 = 7_000 * MS
    recorder.record("keys", t0, NOTE_ON)
    recorder.record("lxmsc", t0 + 20 * MS, MSC_GO)
    recorder.record("keys", t0 + 10 * MS, CC)
    recorder.record("keys", t0 + 12_500_000, QUARTER)
    recorder.record("keys", t0 + 13 * MS, bytes.fromhex("F8"))
    path = tmp_path / "show.mid"
    recorder.save(path)
    assert recorder.skipped_realtime == 1
    midi_file = mido.MidiFile(path)
    assert midi_file.ticks_per_beat == 500
    keys, lxmsc = midi_file.tracks
    assert [(m.type, m.time) for m in keys] == [
        ("set_tempo", 0),
        ("track_name", 0),
        ("note_on", 0),
        ("control_change", 10),
        ("quarter_frame", 2),
        ("end_of_track", 0),
    ]
    assert [bytes(m.bytes()) for m in keys if not m.is_meta] == [NOTE_ON, CC, QUARTER]
    assert keys[0].tempo == 500_000  # with 500 ticks a beat, one tick is one millisecond
    assert lxmsc[0].name == "lxmsc"
    assert (lxmsc[1].type, lxmsc[1].time, bytes(lxmsc[1].bytes())) == ("sysex", 20, MSC_GO)


def test_socket_output_records_what_it_sends(free_tcp_port: int, core: type[Core]) -> None:
    server = mido.sockets.PortServer("127.0.0.1", free_tcp_port)
    out = MidiSocketOutput(Endpoint("keys", "midi", midi_port=f"127.0.0.1:{free_tcp_port}"))
    out.recorder = MidiRecorder()
    loop = core(out)
    out.open(time.monotonic_ns())
    loop.run_until(lambda: out.status().state is LinkState.ONLINE, "connect")
    before = time.monotonic_ns()
    out.send(NOTE_ON)
    out.send(CC)
    assert [(device, wire) for device, _, wire in out.recorder.events] == [("keys", NOTE_ON), ("keys", CC)]
    assert all(before <= at <= time.monotonic_ns() for _, at, _ in out.recorder.events)
    out.close()
    server.close()
