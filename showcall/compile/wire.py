"""Provides the encoders from action forms to wire bytes: OSC packets, MIDI messages, MSC sysex.

mido is the MIDI codec; OSC is encoded here (see build_osc) and decoded in the tests by python-osc
and liblo's oscdump. Each builder raises ValueError with a message that can be shown next to the
action's location.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from typing import Any

from showcall.model.times import FrameRate, Timecode

INT32 = (-(2**31), 2**31 - 1)
OSC_TYPES = {"i", "h", "f", "d", "s", "b", "T", "F", "N"}

OscArg = tuple[str, Any]


def typed_osc_arg(value: Any) -> OscArg:
    """The OSC type tag YAML's type implies: whole numbers int32 (int64 when larger), floats float32."""
    if value is None:
        return ("N", None)
    if isinstance(value, bool):
        return ("T" if value else "F", None)
    if isinstance(value, int):
        return ("i" if INT32[0] <= value <= INT32[1] else "h", int(value))
    if isinstance(value, float):
        return ("f", float(value))
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, bytes):
        return ("b", value)
    raise ValueError(f"cannot send {type(value).__name__} as an OSC argument")


def convert_osc_arg(tag: str, value: Any) -> OscArg:
    """Convert `value` to OSC type `tag` (i, h, f, d, s, b), or say why it cannot be."""
    try:
        if tag in {"i", "h"}:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError
            number = int(value)
            if tag == "i" and not INT32[0] <= number <= INT32[1]:
                raise ValueError(f"{number} does not fit a 32-bit OSC int; use h (int64)")
            return (tag, number)
        if tag in {"f", "d"}:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError
            return (tag, float(value))
        if tag == "s":
            return ("s", str(getattr(value, "source_text", value)))
        if tag == "b":
            return ("b", bytes.fromhex(value) if isinstance(value, str) else bytes(value))
    except ValueError as exc:
        detail = str(exc) or f"{value!r} is not a valid OSC '{tag}' argument"
        raise ValueError(detail) from exc
    raise ValueError(f"unknown OSC type tag '{tag}': use i, h, f, d, s or b")


def _osc_string(text: str) -> bytes:
    raw = text.encode("utf-8") + b"\x00"
    return raw + b"\x00" * (-len(raw) % 4)


_BAD_ADDRESS_CHAR = re.compile(r"[ #*,?\[\]{}]")
_PACK = {"i": struct.Struct(">i"), "h": struct.Struct(">q"), "f": struct.Struct(">f"), "d": struct.Struct(">d")}


def build_osc(address: str, args: Sequence[OscArg]) -> bytes:
    """One OSC 1.0 message's bytes.

    Encoded here rather than with python-osc's builder, whose `build()` parses every message it
    has just built: that doubled the compile time of a 10,000-cue show. The tests decode these
    bytes with python-osc's parser and with liblo's oscdump, so the format is checked twice.
    """
    if address[:1] != "/" or _BAD_ADDRESS_CHAR.search(address):
        raise ValueError(f"bad OSC address {address!r}: it starts with '/' and has no spaces or # * , ? [ ] {{ }}")
    tags = ","
    data = []
    for tag, value in args:
        tags += tag
        if tag in _PACK:
            try:
                data.append(_PACK[tag].pack(value))
            except (struct.error, OverflowError) as exc:  # OverflowError: a float beyond float32's range for 'f'
                raise ValueError(f"cannot encode {value!r} as OSC '{tag}': {exc}") from exc
        elif tag == "s":
            data.append(_osc_string(value))
        elif tag == "b":
            blob = bytes(value)
            data.append(struct.pack(">i", len(blob)) + blob + b"\x00" * (-len(blob) % 4))
        elif tag not in {"T", "F", "N"}:
            raise ValueError(f"unknown OSC type tag '{tag}'")
    return _osc_string(address) + _osc_string(tags) + b"".join(data)


_MIDI_FIELDS: dict[str, tuple[str, ...]] = {
    "note_on": ("channel", "note", "velocity"),
    "note_off": ("channel", "note", "velocity"),
    "control_change": ("channel", "control", "value"),
    "program_change": ("channel", "program"),
    "pitchwheel": ("channel", "pitch"),
    "aftertouch": ("channel", "value"),
    "polytouch": ("channel", "note", "value"),
    "sysex": ("data",),
    "song_select": ("song",),
    "start": (),
    "stop": (),
    "continue": (),
}
_MIDI_OPTIONAL = {"velocity": 64}


def build_midi(kind: str, fields: dict[str, Any]) -> bytes:
    """One MIDI message's bytes; channels are 1-16 as written in the show file."""
    if kind not in _MIDI_FIELDS:
        raise ValueError(f"unknown MIDI message type {kind!r}: use {', '.join(_MIDI_FIELDS)}")
    allowed = _MIDI_FIELDS[kind]
    given = {k: v for k, v in fields.items() if v is not None}
    extra = sorted(set(given) - set(allowed))
    if extra:
        raise ValueError(f"{kind} does not take {', '.join(extra)} (it takes {', '.join(allowed) or 'nothing'})")
    kwargs: dict[str, Any] = {}
    for name in allowed:
        if name not in given:
            if name in _MIDI_OPTIONAL:
                kwargs[name] = _MIDI_OPTIONAL[name]
                continue
            raise ValueError(f"{kind} needs {name}")
        value = given[name]
        if name == "channel":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 16:
                raise ValueError(f"channel must be in range 1..16, got {value!r}")
            value -= 1
        kwargs[name] = list(value) if name == "data" else value
    import mido  # here, not at the top: most shows send no MIDI, and `showcall check` starts faster without it

    try:
        return bytes(mido.Message(kind, **kwargs).bytes())
    except (ValueError, TypeError) as exc:
        raise ValueError(f"bad {kind} message: {exc}") from exc


def build_msc(
    command: str,
    *,
    device_id: int,
    command_format: str | int,
    dialect: str,
    cue: str | None = None,
    cue_list: str | None = None,
    path: str | None = None,
    time: Timecode | None = None,
    control: int | None = None,
    value: int | None = None,
    macro: int | None = None,
    rate: FrameRate = FrameRate.FPS_30,
) -> bytes:
    """One MIDI Show Control message's bytes (see showcall.protocols.msc); `time` is a Timecode at `rate`."""
    from showcall.protocols import msc  # here, not at the top, as mido above

    try:
        msc_time = msc.MscTime.from_timecode(time, rate) if time is not None else None
        return msc.encode(
            command,
            device_id=device_id,
            command_format=command_format,
            cue=cue,
            list=cue_list,
            path=path,
            time=msc_time,
            control=control,
            value=value,
            macro=macro,
            dialect=dialect,
        )
    except msc.MscError as exc:
        raise ValueError(str(exc)) from exc
