"""Provides MIDI outputs: a mido socket port `host:port` (raw MIDI bytes over TCP) or a named port via mido.

A named port opens through python-rtmidi where the machine has a MIDI system. Where it has none (no
`/dev/snd/seq`, or python-rtmidi not installed, as on CI) the output is OFFLINE with words saying so and
what to do, and a send raises `MidiPortUnavailableError`: never a silent no-op. Payloads are complete MIDI
messages (sysex included); `frame` checks that and changes nothing. `MidiRecorder` keeps what was sent and
writes a standard MIDI file.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import mido

from showcall.errors import MidiUnavailableError, ShowcallError
from showcall.transports.base import DeviceDownError, Endpoint, LinkState, LinkStatus, OutputBase
from showcall.transports.tcp import StreamOutput

__all__ = [
    "RTMIDI_BACKEND",
    "MidiOutput",
    "MidiPayloadError",
    "MidiPortOutput",
    "MidiPortUnavailableError",
    "MidiRecorder",
    "MidiSocketOutput",
    "check_midi_message",
    "describe_midi_system",
    "make_midi_output",
    "midi_port_problem",
    "parse_socket_address",
]

RTMIDI_BACKEND = "mido.backends.rtmidi"
PORT_RETRY_NS = 2_000_000_000
_USE_SOCKET = "use a mido socket port 'host:port' instead"


class MidiPayloadError(ShowcallError, ValueError):
    """Bytes handed to a MIDI output are not exactly one complete MIDI message."""


class MidiPortUnavailableError(DeviceDownError, MidiUnavailableError):
    """A send to a named MIDI port that is not open: no MIDI system, or no port by that name."""


def parse_socket_address(text: str) -> tuple[str, int] | None:
    """`(host, port)` for `host:port` as mido socket ports write it, or None for a MIDI port name."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or ":" in host or any(c.isspace() for c in host) or not port.isdigit():
        return None
    number = int(port)
    return (host, number) if 0 < number < 65_536 else None


# Bytes in a message by status byte; system common and real-time ones by their own value. Undefined
# status bytes (F4, F5, F9, FD) have no length: no device would know what to do with them.
_LENGTHS = {**dict.fromkeys(range(0x80, 0xC0), 3), **dict.fromkeys(range(0xC0, 0xE0), 2)}
_LENGTHS |= dict.fromkeys(range(0xE0, 0xF0), 3)
_LENGTHS |= {0xF1: 2, 0xF2: 3, 0xF3: 2, 0xF6: 1, 0xF8: 1, 0xFA: 1, 0xFB: 1, 0xFC: 1, 0xFE: 1, 0xFF: 1}


def check_midi_message(payload: bytes) -> None:
    """Raise MidiPayloadError unless `payload` is exactly one complete MIDI message (sysex included)."""
    if payload:
        status, body = payload[0], payload[1:]
        if status == 0xF0:
            ok = len(payload) >= 2 and payload[-1] == 0xF7 and all(b < 0x80 for b in body[:-1])
        else:
            ok = _LENGTHS.get(status) == len(payload) and all(b < 0x80 for b in body)
        if ok:
            return
    raise MidiPayloadError(f"not one complete MIDI message: {bytes(payload).hex(' ')}")


def _system_problem(backend: str) -> tuple[str | None, list[str]]:
    """(why there is no MIDI system, or None; the output port names when there is one)."""
    if backend == RTMIDI_BACKEND:
        no_seq = sys.platform.startswith("linux") and not os.path.exists("/dev/snd/seq")
        if importlib.util.find_spec("rtmidi") is None:
            seq = "; /dev/snd/seq missing" if no_seq else ""
            return f"no MIDI system on this machine (python-rtmidi is not installed{seq}); {_USE_SOCKET}", []
        if no_seq:
            return (
                f"no MIDI system on this machine (/dev/snd/seq missing; python-rtmidi cannot open ports); "
                f"{_USE_SOCKET}",
                [],
            )
    try:
        names = list(mido.Backend(backend, load=True).get_output_names())
    except Exception as exc:  # rtmidi raises its own error types; the words go to the caller, nothing is hidden
        return f"no MIDI system on this machine ({backend} failed: {exc}); {_USE_SOCKET}", []
    return None, names


def describe_midi_system(port_name: str | None = None, *, backend: str = RTMIDI_BACKEND) -> str:
    """Words on the machine's MIDI system, and on `port_name` when given, for a status line or an error."""
    system, names = _system_problem(backend)
    if system:
        return system
    if port_name is None:
        return f"MIDI output ports: {', '.join(names)}" if names else "MIDI system present, but no output ports"
    if port_name not in names:
        return f"no MIDI port named {port_name!r}; available: {', '.join(names) or 'none'}"
    return f"MIDI port {port_name!r} is available"


def midi_port_problem(port_name: str, *, backend: str = RTMIDI_BACKEND) -> str | None:
    """Why the named port cannot be opened (no MIDI system, no such port), or None when it is listed."""
    text = describe_midi_system(port_name, backend=backend)
    return None if text == f"MIDI port {port_name!r} is available" else text


class MidiRecorder:
    """Keeps every MIDI message sent, per device, and writes them as a standard MIDI file (1 tick = 1 ms).

    Real-time messages (clock, start, stop: F8-FF) cannot be stored in a MIDI file; they are counted in
    `skipped_realtime` instead.
    """

    TICKS_PER_BEAT = 500
    TEMPO = 500_000  # µs per beat, so a tick is 1 ms

    def __init__(self) -> None:
        self.events: list[tuple[str, int, bytes]] = []
        self.skipped_realtime = 0

    def record(self, device: str, at_ns: int, wire: bytes) -> None:
        """Note that `wire` went to `device` at `at_ns` (monotonic ns)."""
        self.events.append((device, at_ns, wire))

    def save(self, path: str | Path) -> None:
        """Write a type 1 MIDI file: one track per device, named after it, times relative to the first send."""
        midi_file = mido.MidiFile(type=1, ticks_per_beat=self.TICKS_PER_BEAT)
        start = min((at for _, at, _ in self.events), default=0)
        tracks: dict[str, tuple[Any, list[int]]] = {}
        self.skipped_realtime = 0
        for device, at_ns, wire in sorted(self.events, key=lambda event: event[1]):
            if wire[0] >= 0xF8:
                self.skipped_realtime += 1
                continue
            if device not in tracks:
                track = mido.MidiTrack()
                if not tracks:
                    track.append(mido.MetaMessage("set_tempo", tempo=self.TEMPO, time=0))
                track.append(mido.MetaMessage("track_name", name=device, time=0))
                midi_file.tracks.append(track)
                tracks[device] = (track, [0])
            track, last = tracks[device]
            tick = (at_ns - start) // 1_000_000
            track.append(mido.Message.from_bytes(wire, time=tick - last[0]))
            last[0] = tick
        midi_file.save(str(path))


class MidiSocketOutput(StreamOutput):
    """MIDI to a mido socket port (`mido.sockets.PortServer`): raw MIDI bytes over TCP, reconnecting."""

    def __init__(self, endpoint: Endpoint) -> None:
        address = parse_socket_address(endpoint.midi_port)
        if address is None:
            raise ValueError(f"midi_port {endpoint.midi_port!r} is not host:port")
        super().__init__(endpoint, *address)
        self.recorder: MidiRecorder | None = None
        self._parser = mido.Parser()

    def frame(self, payload: bytes) -> bytes:
        """The message itself, once checked to be exactly one complete MIDI message."""
        check_midi_message(payload)
        return payload

    def _send(self, wire: bytes) -> None:
        """Write the message now (and record it when a recorder is attached)."""
        super()._send(wire)
        if self.recorder is not None:
            self.recorder.record(self.endpoint.device, time.monotonic_ns(), wire)

    def _send_many(self, wires: Sequence[bytes]) -> tuple[int, Exception | None]:
        """Write these messages now, back to back in one write (and record them when a recorder is attached)."""
        sent, failure = super()._send_many(wires)
        if self.recorder is not None and failure is None:
            at = time.monotonic_ns()
            for wire in wires:
                self.recorder.record(self.endpoint.device, at, wire)
        return sent, failure

    def _on_connected(self) -> None:
        self._parser = mido.Parser()

    def _deframe(self, data: bytes) -> list[bytes]:
        self._parser.feed(data)
        return [bytes(message.bytes()) for message in self._parser]


class MidiPortOutput(OutputBase):
    """MIDI to a named port through a mido backend (python-rtmidi by default); retried every 2 s while absent."""

    failures = (Exception,)  # a backend's own error types (rtmidi's, an unplugged device): the port is gone

    def __init__(self, endpoint: Endpoint, *, backend: str = RTMIDI_BACKEND) -> None:
        super().__init__(endpoint)
        self.recorder: MidiRecorder | None = None
        self._backend = backend
        self._port: Any = None
        self._raw_send: Callable[[bytes], object] | None = None
        self._status = LinkStatus(LinkState.CONNECTING, "not opened yet")
        self._retry_at: int | None = None

    def open(self, now_ns: int) -> None:
        """Open the port; OFFLINE with the reason (and retried) when it cannot be."""
        name = self.endpoint.midi_port
        problem = midi_port_problem(name, backend=self._backend)
        if problem is None:
            try:
                self._port = mido.Backend(self._backend, load=True).open_output(name)
            except Exception as exc:  # backend errors are foreign types; report them as the port's status
                problem = f"cannot open MIDI port {name!r}: {exc}"
        if problem is not None:
            self._status = LinkStatus(LinkState.OFFLINE, problem)
            self.stats.last_error = problem
            self._retry_at = now_ns + PORT_RETRY_NS
            return
        # python-rtmidi takes raw bytes; other backends need a mido message.
        self._raw_send = getattr(getattr(self._port, "_rt", None), "send_message", None)
        self._status = LinkStatus(LinkState.ONLINE, "")
        self._retry_at = None

    def status(self) -> LinkStatus:
        """ONLINE once the port is open, else OFFLINE with why."""
        return self._status

    def frame(self, payload: bytes) -> bytes:
        """The message itself, once checked to be exactly one complete MIDI message."""
        check_midi_message(payload)
        return payload

    def _send(self, wire: bytes) -> None:
        """Send the message now; MidiPortUnavailableError when the port is not open."""
        port = self._port
        if port is None:
            raise MidiPortUnavailableError(self.endpoint.device, self._status.detail or "MIDI port not open")
        if self._raw_send is not None:
            self._raw_send(wire)
        else:
            port.send(mido.Message.from_bytes(wire))
        if self.recorder is not None:
            self.recorder.record(self.endpoint.device, time.monotonic_ns(), wire)

    def _down(self, failure: Exception) -> DeviceDownError:
        """A backend error (device unplugged): the port is gone until reopened."""
        self._lost(time.monotonic_ns(), f"MIDI port {self.endpoint.midi_port!r} failed: {failure}")
        return MidiPortUnavailableError(self.endpoint.device, self._status.detail)

    def fileno(self) -> int | None:
        """MIDI ports give no descriptor to watch."""
        return None

    def wants_write(self) -> bool:
        """Never: sends complete at once."""
        return False

    def on_ready(self, now_ns: int, readable: bool, writable: bool) -> list[bytes]:
        """Nothing to read: no descriptor is watched."""
        return []

    def service(self, now_ns: int) -> None:
        """Try the port again when the retry time has come (an interface plugged in later)."""
        if self._port is None and self._retry_at is not None and now_ns >= self._retry_at:
            self.open(now_ns)

    def next_service_ns(self) -> int | None:
        """The next retry while the port is not open."""
        return self._retry_at

    def close(self) -> None:
        """Close the port for good."""
        if self._port is not None:
            self._port.close()
        self._port = None
        self._raw_send = None
        self._retry_at = None
        self._status = LinkStatus(LinkState.OFFLINE, "closed")

    def _lost(self, now_ns: int, reason: str) -> None:
        port, self._port, self._raw_send = self._port, None, None
        if port is not None:
            port.close()
        self.stats.last_error = reason
        self._status = LinkStatus(LinkState.OFFLINE, reason)
        self._retry_at = now_ns + PORT_RETRY_NS


MidiOutput = MidiSocketOutput | MidiPortOutput
"""Either kind of MIDI output; `make_midi_output` picks by the endpoint's `midi_port`."""


def make_midi_output(endpoint: Endpoint) -> MidiSocketOutput | MidiPortOutput:
    """A socket output for `host:port`, else a named-port output (not opened yet)."""
    if parse_socket_address(endpoint.midi_port) is not None:
        return MidiSocketOutput(endpoint)
    return MidiPortOutput(endpoint)
