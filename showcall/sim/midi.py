"""Provides the MIDI simulator, on a mido socket port: what arrived, notes held, programs, controllers, MSC.

Every MIDI device is simulated by one of these, `msc` devices too: MIDI Show Control sysex is decoded with
showcall.protocols.msc into a readable line ("MSC go cue 12.5 list 1 (device 1, lighting)"). Given the
device's own MSC device id and command format, it acts only on messages meant for it (its id, a group,
or all-call 127; its format or all-types), as the real receiver does, and records the rest as ignored.
It answers nothing.
"""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar

import mido

from showcall.compile.plan import Plan
from showcall.protocols import msc
from showcall.sim.base import Simulator
from showcall.sim.listeners import Peer
from showcall.sim.records import MidiIn
from showcall.transports.base import OutputKind

__all__ = ["MidiSimulator", "describe_midi"]

ALL_CALL = 0x7F
_ALL_NOTES_OFF = (120, 123)  # all sound off, all notes off
_LAST = 10


def _msc_text(message: msc.MscMessage) -> str:
    parts = [f"MSC {message.command_name}"]
    for name in ("cue", "list", "path", "control", "value", "macro"):
        value = getattr(message, name)
        if value is not None:
            parts.append(f"{name} {value}")
    if message.time is not None:
        t = message.time
        parts.append(f"time {t.hours:02d}:{t.minutes:02d}:{t.seconds:02d}:{t.frames:02d}")
    parts.append(f"(device {message.device_id}, {message.command_format_name})")
    return " ".join(parts)


def describe_midi(data: bytes) -> tuple[str, msc.MscMessage | None]:
    """A readable line for one MIDI message (channels 1-16 as show files write them), and its MSC if it is MSC.

    Raises ValueError when the bytes are not a MIDI message mido knows.
    """
    if data[:2] == b"\xf0\x7f" and len(data) > 4 and data[3] == 0x02:
        try:
            decoded = msc.decode(data)
        except msc.MscError as exc:
            return f"sysex {len(data)} bytes: not valid MSC ({exc})", None
        return _msc_text(decoded), decoded
    message = mido.Message.from_bytes(data)
    kind = message.type
    if kind in ("note_on", "note_off"):
        if kind == "note_on" and message.velocity:
            return f"note_on ch {message.channel + 1} note {message.note} vel {message.velocity}", None
        return f"note_off ch {message.channel + 1} note {message.note}", None
    if kind == "control_change":
        return f"cc ch {message.channel + 1} control {message.control} value {message.value}", None
    if kind == "program_change":
        return f"program_change ch {message.channel + 1} program {message.program}", None
    if kind == "pitchwheel":
        return f"pitch bend ch {message.channel + 1} {message.pitch}", None
    if kind == "sysex":
        return f"sysex {len(data)} bytes: {data.hex(' ')}", None
    return str(message).removesuffix(" time=0"), None


class MidiSimulator(Simulator):
    """A MIDI receiver on a mido socket port (see module docstring)."""

    driver = "midi"
    kinds: ClassVar[frozenset[OutputKind]] = frozenset({"midi"})
    keeps = (
        "notes held, program, controllers and pitch bend per channel; MSC decoded and acted on when addressed "
        "to its device id and format; answers nothing"
    )

    def __init__(self, *args: Any, msc_device_id: int | None = None, msc_format: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.msc_device_id = msc_device_id
        self.msc_format = msc_format
        self.notes: dict[int, set[int]] = {}
        self.programs: dict[int, int] = {}
        self.controls: dict[int, dict[int, int]] = {}
        self.pitch: dict[int, int] = {}
        self.msc: dict[str, Any] = {"last": None, "cues": {}, "loaded": None, "all_off": False, "macro": None}
        self.last: deque[str] = deque(maxlen=_LAST)

    @classmethod
    def plan_options(cls, plan: Plan, device: str) -> dict[str, Any]:
        """An `msc` device's own device id and command format (the device's, else its profile's)."""
        profile = plan.devices[device].profile
        if profile.msc is None:
            return {}
        config = plan.show.devices.get(device)
        device_id = config.device_id if config is not None and config.device_id is not None else profile.msc.device_id
        fmt = config.command_format if config is not None and config.command_format is not None else None
        return {
            "msc_device_id": device_id,
            "msc_format": msc.command_format_code(fmt if fmt is not None else profile.msc.command_format),
        }

    def state(self) -> dict[str, Any]:
        """Per channel (1-16): notes held, program, controllers, pitch bend; MSC state; the last messages."""
        return {
            "notes": {str(ch + 1): sorted(notes) for ch, notes in sorted(self.notes.items()) if notes},
            "programs": {str(ch + 1): p for ch, p in sorted(self.programs.items())},
            "controls": {str(ch + 1): {str(c): v for c, v in sorted(cs.items())} for ch, cs in self.controls.items()},
            "pitch": {str(ch + 1): p for ch, p in sorted(self.pitch.items())},
            "msc": {**self.msc, "cues": dict(self.msc["cues"])},
            "last": list(self.last),
        }

    def packet(self, data: bytes, peer: Peer) -> None:
        """One complete MIDI message from the socket port."""
        self.stats.packets += 1
        self._remember(peer)
        try:
            text, decoded = describe_midi(data)
        except ValueError:
            self.dropped("not a MIDI message", peer, len(data))
            return
        self.stats.received += 1
        self.last.append(text)
        self._record("received", text, peer, MidiIn(bytes(data), text))
        if decoded is not None:
            self._msc(decoded, peer, text)
        elif text.startswith("sysex") and "not valid MSC" in text:
            self.stats.ignored += 1
        else:
            self._channel_message(mido.Message.from_bytes(data))

    def _channel_message(self, message: Any) -> None:
        kind = message.type
        if kind in ("note_on", "note_off"):
            held = self.notes.setdefault(message.channel, set())
            if kind == "note_on" and message.velocity:
                held.add(message.note)
            else:
                held.discard(message.note)
            shown = ", ".join(str(n) for n in sorted(held)) or "none"
            self._changed(f"ch {message.channel + 1} notes held: {shown}")
        elif kind == "control_change":
            self.controls.setdefault(message.channel, {})[message.control] = message.value
            if message.control in _ALL_NOTES_OFF and self.notes.get(message.channel):
                self.notes[message.channel].clear()
                self._changed(f"ch {message.channel + 1} all notes off")
        elif kind == "program_change":
            self.programs[message.channel] = message.program
            self._changed(f"ch {message.channel + 1} program {message.program}")
        elif kind == "pitchwheel":
            self.pitch[message.channel] = message.pitch

    def _for_me(self, message: msc.MscMessage) -> bool:
        own, fmt = self.msc_device_id, self.msc_format
        id_ok = (
            own is None
            or own == ALL_CALL
            or message.device_id in (own, ALL_CALL)
            or 0x70 <= message.device_id < ALL_CALL
        )
        fmt_ok = fmt is None or fmt == ALL_CALL or message.command_format in (fmt, ALL_CALL)
        return id_ok and fmt_ok

    def _msc(self, message: msc.MscMessage, peer: Peer, text: str) -> None:
        if not self._for_me(message):
            self.stats.ignored += 1
            own = "any" if self.msc_device_id is None else str(self.msc_device_id)
            fmt = "any" if self.msc_format is None else msc.command_format_name(self.msc_format)
            self._record("ignored", f"{text}: not for this device (id {own}, {fmt})", peer)
            return
        state = self.msc
        name = message.command_name
        state["last"] = text.removeprefix("MSC ")
        cues: dict[str, str] = state["cues"]
        cue_list = message.list or ""
        if name in ("go", "timed_go", "go_off", "go_jam_clock"):
            cues[cue_list] = message.cue or "(next)"
            self._changed(f"MSC {name}: list {cue_list or '-'} cue {cues[cue_list]}")
        elif name == "load":
            state["loaded"] = message.cue
            self._changed(f"MSC cue {message.cue} loaded")
        elif name == "fire":
            state["macro"] = message.macro
            self._changed(f"MSC macro {message.macro} fired")
        elif name in ("all_off", "restore"):
            state["all_off"] = name == "all_off"
            self._changed("MSC all off" if name == "all_off" else "MSC outputs restored")
        elif name == "reset":
            cues.clear()
            self._changed("MSC reset")
        else:
            self._changed(f"MSC {name}" + (f" cue {message.cue}" if message.cue else ""))
