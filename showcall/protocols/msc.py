"""Provides MIDI Show Control (MSC 1.1.1): name tables, dialects, `encode` and `decode` of one message.

A message is `F0 7F <device_id> 02 <command_format> <command> <data> F7`, at most 128 bytes. Cue numbers,
lists and paths travel as ASCII digits and '.', separated by 00. Devices differ in what they honour, so a
profile names a `Dialect` and `check_address` says in words why a cue cannot be addressed on it.

Data layouts follow the MSC 1.0 recommended practice (RP-002), which 1.1.1 keeps. The two-phase commit
commands (20-26) carry a checksum and a sequence number whose exact layout is not in public material we
could verify, so for them `encode` takes the data section ready-made (`data=`) and `decode` returns it raw.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from showcall.errors import ShowcallError
from showcall.model.times import FrameRate, Timecode

__all__ = [
    "COMMANDS",
    "COMMAND_FORMATS",
    "MAX_MESSAGE",
    "Dialect",
    "MscError",
    "MscMessage",
    "MscTime",
    "check_address",
    "command_code",
    "command_format_code",
    "command_format_name",
    "command_name",
    "decode",
    "encode",
]

MAX_MESSAGE = 128

COMMAND_FORMATS: dict[str, int] = {
    "lighting": 0x01, "moving_lights": 0x02, "color_changers": 0x03, "strobes": 0x04, "lasers": 0x05,
    "chasers": 0x06,
    "sound": 0x10, "music": 0x11, "cd_players": 0x12, "eprom_playback": 0x13, "audio_tape": 0x14,
    "intercom": 0x15, "amplifiers": 0x16, "audio_effects": 0x17, "equalizers": 0x18,
    "machinery": 0x20, "rigging": 0x21, "flys": 0x22, "lifts": 0x23, "turntables": 0x24, "trusses": 0x25,
    "robots": 0x26, "animation": 0x27, "floats": 0x28, "breakaways": 0x29, "barges": 0x2A,
    "video": 0x30, "video_tape": 0x31, "video_cassette": 0x32, "video_disc": 0x33, "video_switchers": 0x34,
    "video_effects": 0x35, "video_character_generators": 0x36, "video_still_stores": 0x37,
    "video_monitors": 0x38,
    "projection": 0x40, "film_projectors": 0x41, "slide_projectors": 0x42, "video_projectors": 0x43,
    "dissolvers": 0x44, "shutter_controls": 0x45,
    "process_control": 0x50, "hydraulic_oil": 0x51, "water": 0x52, "co2": 0x53, "compressed_air": 0x54,
    "natural_gas": 0x55, "fog": 0x56, "smoke": 0x57, "cracked_haze": 0x58,
    "pyro": 0x60, "fireworks": 0x61, "explosions": 0x62, "flame": 0x63, "smoke_pots": 0x64,
    "all_types": 0x7F,
}  # fmt: skip

# British spellings and the spec's own words, so a show file may use either.
_FORMAT_ALIASES = {
    "colour_changers": "color_changers", "equalisers": "equalizers", "intercoms": "intercom",
    "h2o": "water", "all": "all_types", "audio_tape_machines": "audio_tape",
}  # fmt: skip

COMMANDS: dict[str, int] = {
    "go": 0x01, "stop": 0x02, "resume": 0x03, "timed_go": 0x04, "load": 0x05, "set": 0x06, "fire": 0x07,
    "all_off": 0x08, "restore": 0x09, "reset": 0x0A, "go_off": 0x0B,
    "go_jam_clock": 0x10, "standby_plus": 0x11, "standby_minus": 0x12, "sequence_plus": 0x13,
    "sequence_minus": 0x14, "start_clock": 0x15, "stop_clock": 0x16, "zero_clock": 0x17, "set_clock": 0x18,
    "mtc_chase_on": 0x19, "mtc_chase_off": 0x1A, "open_cue_list": 0x1B, "close_cue_list": 0x1C,
    "open_cue_path": 0x1D, "close_cue_path": 0x1E,
    "standby": 0x20, "standing_by": 0x21, "go_2pc": 0x22, "complete": 0x23, "cancel": 0x24,
    "cancelled": 0x25, "abort": 0x26,
}  # fmt: skip

_FORMAT_NAMES = {code: name for name, code in COMMAND_FORMATS.items()}
_COMMAND_NAMES = {code: name for name, code in COMMANDS.items()}

# What follows the command byte, by command (MSC 1.0 section 5; 1.1 adds the two-phase commit set).
_CUE = frozenset({0x01, 0x02, 0x03, 0x0B, 0x10})
_LIST_OPTIONAL = frozenset({0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x19, 0x1A})
_NO_DATA = frozenset({0x08, 0x09, 0x0A})
_TWO_PHASE = frozenset(range(0x20, 0x27))
_FIELDS = ("cue", "list", "path", "time", "control", "value", "macro")
_LAYOUT_FIELDS: dict[int, tuple[frozenset[str], frozenset[str]]] = {}  # command -> (accepted, required)
for _code in COMMANDS.values():
    if _code in _CUE:
        _LAYOUT_FIELDS[_code] = (frozenset({"cue", "list", "path"}), frozenset())
    elif _code in _LIST_OPTIONAL:
        _LAYOUT_FIELDS[_code] = (frozenset({"list"}), frozenset())
    elif _code in _NO_DATA or _code in _TWO_PHASE:
        _LAYOUT_FIELDS[_code] = (frozenset(), frozenset())
_LAYOUT_FIELDS[0x04] = (frozenset({"time", "cue", "list", "path"}), frozenset({"time"}))  # TIMED_GO
_LAYOUT_FIELDS[0x05] = (frozenset({"cue", "list", "path"}), frozenset({"cue"}))  # LOAD
_LAYOUT_FIELDS[0x06] = (frozenset({"control", "value", "time"}), frozenset({"control", "value"}))  # SET
_LAYOUT_FIELDS[0x07] = (frozenset({"macro"}), frozenset({"macro"}))  # FIRE
_LAYOUT_FIELDS[0x18] = (frozenset({"time", "list"}), frozenset({"time"}))  # SET_CLOCK
_LAYOUT_FIELDS[0x1B] = _LAYOUT_FIELDS[0x1C] = (frozenset({"list"}), frozenset({"list"}))
_LAYOUT_FIELDS[0x1D] = _LAYOUT_FIELDS[0x1E] = (frozenset({"path"}), frozenset({"path"}))

_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)*")
_NUMBER_CHARS = re.compile(r"[0-9.]+")
_WHAT = {"cue": "cue number", "list": "cue list", "path": "cue path"}


class MscError(ShowcallError, ValueError):
    """An MSC message cannot be built or parsed; the message says which value and why."""


def _normalise(name: str) -> str:
    text = name.strip().lower()
    if text.endswith("+"):
        text = text[:-1].rstrip(" _-") + "_plus"
    elif text.endswith("-"):
        text = text[:-1].rstrip(" _-") + "_minus"
    return re.sub(r"[\s/\-]+", "_", text)


def command_code(command: str | int) -> int:
    """The command byte for a name (`go`, `Timed-Go`, `GO/JAM_CLOCK`, `standby_+`) or a known code."""
    if isinstance(command, int) and not isinstance(command, bool):
        if command in _COMMAND_NAMES:
            return command
        raise MscError(f"unknown MSC command 0x{command:02X}")
    code = COMMANDS.get(_normalise(str(command)))
    if code is None:
        raise MscError(f"unknown MSC command {command!r}: use one of {', '.join(COMMANDS)}")
    return code


def command_format_code(command_format: str | int) -> int:
    """The command format byte for a name (`lighting`, `Moving-Lights`, `all_types`) or a code 1..127."""
    if isinstance(command_format, int) and not isinstance(command_format, bool):
        if 1 <= command_format <= 0x7F:
            return command_format
        raise MscError("command_format must be in range 1..127")
    key = _normalise(str(command_format))
    code = COMMAND_FORMATS.get(_FORMAT_ALIASES.get(key, key))
    if code is None:
        raise MscError(f"unknown MSC command format {command_format!r}: use one of {', '.join(COMMAND_FORMATS)}")
    return code


def command_name(code: int) -> str:
    """The name of a command byte, or `0xNN` for one this module does not know."""
    return _COMMAND_NAMES.get(code, f"0x{code:02X}")


def command_format_name(code: int) -> str:
    """The name of a command format byte, or `0xNN` for one this module does not know."""
    return _FORMAT_NAMES.get(code, f"0x{code:02X}")


class Dialect(enum.Enum):
    """Which MSC cue addressing a device honours; a profile names it by its value (`magicq`)."""

    STANDARD = "standard"
    """`cue [00 list [00 path]]` as the specification says."""
    MAGICQ = "magicq"
    """ChamSys MagicQ: same bytes, but the list is a playback number; a cue alone fires the cue stack."""
    NO_DECIMALS = "no_decimals"
    """The device drops everything after a '.', so a dotted number would fire the wrong cue: refused."""
    CUE_ONLY = "cue_only"
    """The device ignores list and path, so giving one would address the wrong cue: refused."""

    @classmethod
    def parse(cls, value: str | Dialect) -> Dialect:
        """The dialect named `value` (case-insensitive, '-' or '_')."""
        if isinstance(value, Dialect):
            return value
        key = _normalise(str(value))
        for dialect in cls:
            if dialect.value == key:
                return dialect
        raise MscError(f"unknown MSC dialect {value!r}: use one of {', '.join(d.value for d in cls)}")


def _number_text(value: object, field: str) -> str:
    """The ASCII text of a cue number given as text or a number (a YAML number keeps its source text)."""
    if isinstance(value, bool):
        raise MscError(f"{_WHAT[field]} must be a number like '12' or '12.5', not a boolean")
    if isinstance(value, int):
        if value < 0:
            raise MscError(f"{_WHAT[field]} must not be negative")
        return str(value)
    if isinstance(value, float):
        return str(getattr(value, "source_text", repr(value)))
    if isinstance(value, str):
        return value.strip()
    raise MscError(f"{_WHAT[field]} must be text or a number, not {type(value).__name__}")


def _number_problem(what: str, text: str) -> str | None:
    if not text:
        return f"{what} is empty"
    if _NUMBER.fullmatch(text):
        return None
    if not _NUMBER_CHARS.fullmatch(text):
        return f"{what} {text!r} has characters MSC cannot carry: only digits and '.'"
    return f"{what} {text!r} has a misplaced '.': dots go between digits"


def _address_problem(texts: Mapping[str, str], dialect: Dialect, positional: bool) -> str | None:
    for field, text in texts.items():
        problem = _number_problem(_WHAT[field], text)
        if problem:
            return problem
    if positional and "path" in texts and "list" not in texts:
        return "a cue path needs a cue list: MSC sends cue, list and path in that order"
    if positional and "list" in texts and "cue" not in texts:
        if dialect is Dialect.MAGICQ:
            return "MagicQ needs a cue number with a playback: give cue and list (list = playback number)"
        return "a cue list needs a cue number: MSC sends cue, list and path in that order"
    if dialect is Dialect.MAGICQ and "." in texts.get("list", ""):
        return f"playback number {texts['list']!r} must be a whole number (dialect magicq: list = playback)"
    if dialect is Dialect.NO_DECIMALS:
        for field, text in texts.items():
            if "." in text:
                return f"{_WHAT[field]} {text!r} has decimals, which this device ignores (dialect no_decimals)"
    if dialect is Dialect.CUE_ONLY:
        for field in ("list", "path"):
            if field in texts:
                why = "the device ignores lists and paths (dialect cue_only)"
                return f"{_WHAT[field]} cannot be addressed: {why}"
    return None


def check_address(
    cue: str | int | float | None = None,
    list: str | int | float | None = None,  # the MSC word, as show files write it
    path: str | int | float | None = None,
    dialect: Dialect | str = Dialect.STANDARD,
) -> str | None:
    """Why `cue`/`list`/`path` cannot be addressed on a device of `dialect`, or None when they can."""
    try:
        given = {f: _number_text(v, f) for f, v in (("cue", cue), ("list", list), ("path", path)) if v is not None}
        return _address_problem(given, Dialect.parse(dialect), positional=True)
    except MscError as exc:
        return str(exc)


@dataclass(frozen=True)
class MscTime:
    """MSC's 5-byte time `hr mn sc fr ff` (MMC standard time code), e.g. a TIMED_GO transition time.

    `rate` is the tt code (0 = 24, 1 = 25, 2 = 30 drop-frame, 3 = 30 fps); `fractional` counts hundredths of
    a frame. When `status` is set, the last byte carries that status instead of fractional frames (i = 1).
    """

    hours: int = 0
    minutes: int = 0
    seconds: int = 0
    frames: int = 0
    fractional: int = 0
    rate: int = 3
    negative: bool = False
    colour_frame: bool = False
    status: int | None = None

    def __post_init__(self) -> None:
        nominal = (24, 25, 30, 30)[self.rate] if 0 <= self.rate <= 3 else 0
        for name, value, top in (
            ("rate", self.rate, 3),
            ("hours", self.hours, 23),
            ("minutes", self.minutes, 59),
            ("seconds", self.seconds, 59),
            ("frames", self.frames, nominal - 1),
            ("fractional", self.fractional, 99),
        ):
            if not 0 <= value <= top:
                raise MscError(f"time {name} must be in range 0..{top}")
        if self.status is not None and not 0 <= self.status <= 0x7F:
            raise MscError("time status must be in range 0..127")
        if self.status is not None and self.fractional:
            raise MscError("time carries either fractional frames or a status byte, not both")

    def encode(self) -> bytes:
        """The 5 bytes: `0tthhhhh 0cmmmmmm 00ssssss 0sifffff ff`."""
        has_status = self.status is not None
        return bytes(
            (
                self.rate << 5 | self.hours,
                self.colour_frame << 6 | self.minutes,
                self.seconds,
                self.negative << 6 | has_status << 5 | self.frames,
                self.status if self.status is not None else self.fractional,
            )
        )

    @classmethod
    def decode(cls, data: bytes) -> MscTime:
        """Parse 5 time bytes (the reserved bit of the seconds byte is ignored)."""
        if len(data) != 5 or any(b > 0x7F for b in data):
            raise MscError(f"an MSC time is 5 bytes of 0..127, got {data.hex(' ')!r}")
        hr, mn, sc, fr, ff = data
        has_status = bool(fr & 0x20)
        return cls(
            hours=hr & 0x1F,
            minutes=mn & 0x3F,
            seconds=sc & 0x3F,
            frames=fr & 0x1F,
            fractional=0 if has_status else ff,
            rate=hr >> 5,
            negative=bool(fr & 0x40),
            colour_frame=bool(mn & 0x40),
            status=ff if has_status else None,
        )

    @classmethod
    def from_timecode(cls, timecode: Timecode, rate: FrameRate, fractional: int = 0) -> MscTime:
        """The MSC time for a timecode at `rate`."""
        return cls(timecode.hours, timecode.minutes, timecode.seconds, timecode.frames, fractional, rate.mtc_code)

    def to_timecode(self) -> Timecode:
        """The whole-frame timecode part (sign, fraction and flags dropped)."""
        return Timecode(self.hours, self.minutes, self.seconds, self.frames)


@dataclass(frozen=True)
class MscMessage:
    """One decoded MSC message; `data` is the bytes between the command and F7, `raw` the whole message."""

    device_id: int
    command_format: int
    command: int
    cue: str | None = None
    list: str | None = None
    path: str | None = None
    time: MscTime | None = None
    control: int | None = None
    value: int | None = None
    macro: int | None = None
    data: bytes = b""
    raw: bytes = b""

    @property
    def command_name(self) -> str:
        """The command's name, e.g. `go`."""
        return command_name(self.command)

    @property
    def command_format_name(self) -> str:
        """The command format's name, e.g. `lighting`."""
        return command_format_name(self.command_format)


def _check_range(name: str, value: int, top: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise MscError(f"{name} must be in range 0..{top}")
    return value


def encode(
    command: str | int,
    *,
    device_id: int = 0x7F,
    command_format: str | int = "all_types",
    cue: str | int | float | None = None,
    list: str | int | float | None = None,  # the MSC word, as show files write it
    path: str | int | float | None = None,
    time: MscTime | None = None,
    control: int | None = None,
    value: int | None = None,
    macro: int | None = None,
    dialect: Dialect | str = Dialect.STANDARD,
    data: bytes | None = None,
) -> bytes:
    """One complete MSC message `F0 7F <device_id> 02 <format> <command> <data> F7`.

    `data` gives the data section ready-made (required for the two-phase commit commands, whose layout
    this module does not build); it excludes every other field. Raises MscError for anything the command
    does not take, lacks, or the dialect cannot address.
    """
    code = command_code(command)
    name = command_name(code)
    fmt = command_format_code(command_format)
    _check_range("device_id", device_id, 0x7F)
    given = {
        f: v for f, v in zip(_FIELDS, (cue, list, path, time, control, value, macro), strict=True) if v is not None
    }
    if data is not None:
        if given:
            raise MscError(f"give either data or {', '.join(given)}, not both")
        if any(b > 0x7F for b in data):
            raise MscError("data bytes must be in range 0..127")
        body = bytes(data)
    else:
        body = _encode_fields(code, name, given, Dialect.parse(dialect))
    message = bytes((0xF0, 0x7F, device_id, 0x02, fmt, code)) + body + b"\xf7"
    if len(message) > MAX_MESSAGE:
        raise MscError(f"MSC message would be {len(message)} bytes; the limit is {MAX_MESSAGE}")
    return message


def _encode_fields(code: int, name: str, given: Mapping[str, object], dialect: Dialect) -> bytes:
    if code in _TWO_PHASE:
        raise MscError(f"{name} is a two-phase commit command: give its data section with data=")
    accepted, required = _LAYOUT_FIELDS[code]
    for field in given:
        if field not in accepted:
            raise MscError(f"{name} takes no {field}")
    for field in sorted(required):
        if field not in given:
            raise MscError(f"{name} needs a {field}")
    time = given.get("time")
    if time is not None and not isinstance(time, MscTime):
        raise MscError("time must be an MscTime")
    out = bytearray(time.encode() if time is not None and code != 0x06 else b"")
    if code == 0x06:  # SET: control and value, 14 bits each, low 7 bits first, then an optional time
        control = _check_range("control", given["control"], 0x3FFF)  # type: ignore[arg-type]
        value = _check_range("value", given["value"], 0x3FFF)  # type: ignore[arg-type]
        out += bytes((control & 0x7F, control >> 7, value & 0x7F, value >> 7))
        if time is not None:
            out += time.encode()
        return bytes(out)
    if code == 0x07:  # FIRE
        return bytes((_check_range("macro", given["macro"], 0x7F),))  # type: ignore[arg-type]
    texts: dict[str, str] = {f: _number_text(given[f], f) for f in ("cue", "list", "path") if f in given}
    problem = _address_problem(texts, dialect, positional=code in _CUE or code in {0x04, 0x05})
    if problem:
        raise MscError(problem)
    out += b"\x00".join(t.encode("ascii") for t in texts.values())
    return bytes(out)


def decode(message: bytes) -> MscMessage:
    """Parse one complete MSC message; tolerates a trailing 00 before F7, raises MscError otherwise."""
    raw = bytes(message)
    if len(raw) < 7 or raw[0] != 0xF0 or raw[-1] != 0xF7:
        raise MscError("not a complete sysex message: MSC starts F0 7F <device_id> 02 and ends F7")
    if raw[1] != 0x7F or raw[3] != 0x02:
        raise MscError(f"not an MSC message: expected F0 7F <device_id> 02, got {raw[:4].hex(' ')}")
    if len(raw) > MAX_MESSAGE:
        raise MscError(f"MSC message is {len(raw)} bytes; the limit is {MAX_MESSAGE}")
    for offset, byte in enumerate(raw[1:-1], start=1):
        if byte > 0x7F:
            raise MscError(f"byte {offset} (0x{byte:02X}) is not a data byte")
    device_id, fmt, code, data = raw[2], raw[4], raw[5], raw[6:-1]
    if fmt == 0:
        raise MscError("command format 00 is reserved")
    code = command_code(code)
    head = {"device_id": device_id, "command_format": fmt, "command": code, "data": data, "raw": raw}
    if code in _TWO_PHASE:
        return MscMessage(**head)  # type: ignore[arg-type]
    fields = _decode_fields(code, data)
    return MscMessage(**head, **fields)  # type: ignore[arg-type]


def _decode_fields(code: int, data: bytes) -> dict[str, object]:
    name = command_name(code)
    accepted, required = _LAYOUT_FIELDS[code]
    out: dict[str, object] = {}
    if code == 0x06:  # SET
        if len(data) in (5, 10) and data[-1] == 0:
            data = data[:-1]
        if len(data) not in (4, 9):
            raise MscError(f"set carries 4 or 9 data bytes, got {len(data)}")
        out["control"] = data[0] | data[1] << 7
        out["value"] = data[2] | data[3] << 7
        if len(data) == 9:
            out["time"] = MscTime.decode(data[4:])
        return out
    if code == 0x07:  # FIRE
        if len(data) == 2 and data[1] == 0:
            data = data[:1]
        if len(data) != 1:
            raise MscError(f"fire carries 1 data byte, got {len(data)}")
        return {"macro": data[0]}
    if "time" in accepted:
        if len(data) < 5:
            raise MscError(f"{name} needs a 5-byte time, got {len(data)} bytes")
        out["time"], data = MscTime.decode(data[:5]), data[5:]
    if data.endswith(b"\x00"):
        data = data[:-1]
    number_fields: list[str] = [f for f in ("cue", "list", "path") if f in accepted]
    parts = data.split(b"\x00") if data else []
    if len(parts) > len(number_fields):
        raise MscError(f"{name} carries at most {len(number_fields)} 00-separated numbers, got {len(parts)}")
    for field, part in zip(number_fields, parts, strict=False):
        number = part.decode("ascii")
        problem = _number_problem(_WHAT[field], number)
        if problem:
            raise MscError(problem)
        out[field] = number
    for field in sorted(required):
        if field not in out:
            raise MscError(f"{name} needs a {field}")
    return out
