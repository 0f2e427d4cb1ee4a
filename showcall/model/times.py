"""Provides the show file's time values: durations, times of day, frame rates and timecodes.

Each is a small frozen value with a `parse` that raises ValueError with a message a TD can act on,
and pydantic hooks so a model field of that type validates the show file's string form and
publishes a JSON Schema pattern for editor completion.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000

_UNIT_NS = {
    "h": 3600 * NS_PER_S,
    "m": 60 * NS_PER_S,
    "s": NS_PER_S,
    "ms": NS_PER_MS,
    "us": 1_000,
    "µs": 1_000,
}
_UNIT_ORDER = ["h", "m", "s", "ms", "us"]
_DURATION_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(h|ms|m|s|us|µs)")
DURATION_PATTERN = r"^\s*(\d+(\.\d+)?\s*(h|m|s|ms|us|µs)\s*)+$"
DURATION_HINT = "write a duration like '250ms', '2s', '1.5s', '1m30s' or '1h'"
MAX_DURATION_NS = 24 * 3600 * NS_PER_S
"""The longest duration a show file may write: everything in a show happens within one show day, and
deadlines then stay far inside the timing core's 64-bit nanoseconds."""


class _StringValue:
    """Mixin: pydantic validates these from a string (or the value itself) and dumps them as their text."""

    json_pattern: ClassVar[str]
    json_description: ClassVar[str]
    json_examples: ClassVar[list[str]] = []

    @classmethod
    def parse(cls, text: str) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    @classmethod
    def _validate(cls, value: object) -> Any:
        if isinstance(value, cls):
            return value
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"expected a string, got {type_name(value)}")
        return _parsed(cls, value if isinstance(value, str) else _source_text(value))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out: dict[str, Any] = {
            "type": "string",
            "pattern": cls.json_pattern,
            "description": cls.json_description,
        }
        if cls.json_examples:
            out["examples"] = list(cls.json_examples)
        return out


_PARSED: dict[tuple[type[_StringValue], str], Any] = {}
_PARSED_MAX = 4096


def _parsed(cls: type[_StringValue], text: str) -> Any:
    """`cls.parse(text)`, remembered: a large show writes the same few durations thousands of times,
    and the values are frozen, so one instance can stand for all (a ValueError is not remembered)."""
    key = (cls, text)
    value = _PARSED.get(key)
    if value is None:
        value = cls.parse(text)
        if len(_PARSED) < _PARSED_MAX:
            _PARSED[key] = value
    return value


def type_name(value: object) -> str:
    """A YAML-ish name for a value's type, for error messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _source_text(value: int | float) -> str:
    """The text a number had in the YAML source, when the loader kept it."""
    return str(getattr(value, "source_text", value))


@dataclass(frozen=True, order=True)
class Duration(_StringValue):
    """A non-negative length of time, kept in nanoseconds, written `250ms`, `2s`, `1m30s`, `1h`."""

    ns: int
    text: str = field(default="", compare=False)

    json_pattern: ClassVar[str] = DURATION_PATTERN
    json_description: ClassVar[str] = "A duration: 250ms, 2s, 1.5s, 1m30s, 1h"
    json_examples: ClassVar[list[str]] = ["250ms", "2s", "1m30s"]

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse `1m30s`-style text; units h, m, s, ms, us, largest first, each at most once."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"empty duration: {DURATION_HINT}")
        pos, total, last = 0, 0, -1
        stripped = text.strip()
        while pos < len(stripped):
            match = _DURATION_PART.match(stripped, pos)
            if match is None:
                if re.fullmatch(r"\d+(\.\d+)?", stripped):
                    raise ValueError(f"duration {text!r} has no unit: {DURATION_HINT}")
                raise ValueError(f"bad duration {text!r}: {DURATION_HINT}")
            unit = "us" if match.group(2) == "µs" else match.group(2)
            rank = _UNIT_ORDER.index(unit)
            if rank <= last:
                raise ValueError(f"bad duration {text!r}: units must go from largest to smallest, once each")
            last = rank
            part = float(match.group(1)) * _UNIT_NS[unit]  # inf for hundreds of digits: refused just below
            if part > MAX_DURATION_NS or total + part > MAX_DURATION_NS:
                raise ValueError(f"bad duration {text!r}: at most 24h (one show day)")
            total += round(part)
            pos = match.end()
        return cls(total, stripped)

    @classmethod
    def of(cls, ns: int) -> Duration:
        """A duration of `ns` nanoseconds, with its canonical text."""
        return cls(ns, format_duration(ns))

    @property
    def seconds(self) -> float:
        """The duration in seconds."""
        return self.ns / NS_PER_S

    def __str__(self) -> str:
        return self.text or format_duration(self.ns)


def format_duration(ns: int) -> str:
    """Canonical short text for a duration: `1.5s`, `250ms`, `1m30s`, `0s`."""
    if ns == 0:
        return "0s"
    if ns % NS_PER_S and ns < NS_PER_S:
        ms = ns / NS_PER_MS
        return f"{ms:g}ms"
    hours, rest = divmod(ns, 3600 * NS_PER_S)
    minutes, rest = divmod(rest, 60 * NS_PER_S)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if rest:
        parts.append(f"{rest / NS_PER_S:g}s")
    return "".join(parts)


_TIME_OF_DAY = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$")
DAY_NS = 24 * 3600 * NS_PER_S


@dataclass(frozen=True, order=True)
class TimeOfDay(_StringValue):
    """A wall-clock time of day, `HH:MM[:SS[.fff]]`, kept as nanoseconds after midnight."""

    ns: int
    text: str = field(default="", compare=False)

    json_pattern: ClassVar[str] = r"^\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?$"
    json_description: ClassVar[str] = "A time of day, HH:MM[:SS[.fff]] (quote it in YAML)"
    json_examples: ClassVar[list[str]] = ["09:00", "19:30:00"]

    @classmethod
    def parse(cls, text: str) -> TimeOfDay:
        """Parse `HH:MM[:SS[.fff]]`."""
        match = _TIME_OF_DAY.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"bad time of day {text!r}: write HH:MM, HH:MM:SS or HH:MM:SS.fff, e.g. '19:30:00'")
        hh, mm = int(match.group(1)), int(match.group(2))
        ss = int(match.group(3) or 0)
        frac = match.group(4) or ""
        if hh > 23 or mm > 59 or ss > 59:
            raise ValueError(f"bad time of day {text!r}: hours 00-23, minutes and seconds 00-59")
        ns = ((hh * 60 + mm) * 60 + ss) * NS_PER_S + (int(frac.ljust(9, "0")) if frac else 0)
        return cls(ns, text.strip())

    @classmethod
    def of(cls, ns: int) -> TimeOfDay:
        """The time of day `ns` after midnight (wrapped to one day)."""
        ns %= DAY_NS
        return cls(ns, format_time_of_day(ns))

    def __str__(self) -> str:
        return self.text or format_time_of_day(self.ns)


HALF_DAY_NS = DAY_NS // 2


def show_relative(tod_ns: int, anchor_ns: int) -> int:
    """Where a time of day falls in the "show day" around `anchor_ns`: ns in [-12 h, +12 h).

    The show day is the 24 hours centred on the show's planned start, so for a 22:00 show 00:10 is
    ten past midnight after the start, and 18:30 (doors) is before it on the same evening.
    """
    return (tod_ns - anchor_ns + HALF_DAY_NS) % DAY_NS - HALF_DAY_NS


def until(target_tod_ns: int, now_tod_ns: int, anchor_ns: int) -> int:
    """Nanoseconds from now until `target_tod_ns` in the show day around `anchor_ns` (negative when passed)."""
    return show_relative(target_tod_ns, anchor_ns) - show_relative(now_tod_ns, anchor_ns)


def format_time_of_day(ns: int) -> str:
    """`HH:MM:SS` for a time of day in nanoseconds after midnight."""
    secs = (ns // NS_PER_S) % 86400
    return f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"


class FrameRate(enum.Enum):
    """A timecode frame rate: 24, 25, 29.97 drop-frame or 30 frames a second."""

    FPS_24 = "24"
    FPS_25 = "25"
    FPS_2997DF = "29.97df"
    FPS_30 = "30"

    @property
    def nominal(self) -> int:
        """Frames counted per timecode second (30 for 29.97df)."""
        return {"24": 24, "25": 25, "29.97df": 30, "30": 30}[self.value]

    @property
    def drop_frame(self) -> bool:
        """True for 29.97 drop-frame."""
        return self is FrameRate.FPS_2997DF

    @property
    def mtc_code(self) -> int:
        """The rate code MIDI timecode carries (0 = 24, 1 = 25, 2 = 29.97df, 3 = 30)."""
        return {"24": 0, "25": 1, "29.97df": 2, "30": 3}[self.value]

    @classmethod
    def parse(cls, value: object) -> FrameRate:
        """Parse 24 | 25 | 29.97df | 30 (numbers or strings)."""
        if isinstance(value, FrameRate):
            return value
        text = str(getattr(value, "source_text", value)).strip().lower()
        for rate in cls:
            if text == rate.value:
                return rate
        if text in {"29.97", "2997"}:
            raise ValueError("fps 29.97 is only supported as drop-frame: write fps: 29.97df")
        raise ValueError(f"unsupported fps {text!r}: use 24, 25, 29.97df or 30")

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.value)
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"enum": [24, 25, "29.97df", 30], "description": "Timecode frame rate"}


_TIMECODE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})[:;.](\d{2})$")


@dataclass(frozen=True, order=True)
class Timecode(_StringValue):
    """A SMPTE timecode `HH:MM:SS:FF` (`;` before FF also accepted for drop-frame)."""

    hours: int
    minutes: int
    seconds: int
    frames: int
    text: str = field(default="", compare=False)

    json_pattern: ClassVar[str] = r"^\d{2}:\d{2}:\d{2}[:;.]\d{2}$"
    json_description: ClassVar[str] = "A timecode HH:MM:SS:FF"
    json_examples: ClassVar[list[str]] = ["01:00:10:00"]

    @classmethod
    def parse(cls, text: str) -> Timecode:
        """Parse `HH:MM:SS:FF`; the frame count is checked against the show's fps separately."""
        match = _TIMECODE.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"bad timecode {text!r}: write HH:MM:SS:FF, e.g. '01:00:10:00'")
        hh, mm, ss, ff = (int(g) for g in match.groups())
        if hh > 23 or mm > 59 or ss > 59 or ff > 29:
            raise ValueError(f"bad timecode {text!r}: hours 00-23, minutes and seconds 00-59, frames 00-29")
        return cls(hh, mm, ss, ff, text.strip())

    def check_rate(self, rate: FrameRate) -> str | None:
        """Why this timecode cannot exist at `rate`, or None when it can."""
        if self.frames >= rate.nominal:
            last = rate.nominal - 1
            return f"timecode {self} has frame {self.frames:02d}, but at {rate.value} fps frames run 00-{last}"
        if rate.drop_frame and self.seconds == 0 and self.frames < 2 and self.minutes % 10:
            return (
                f"timecode {self} does not exist at 29.97df: drop-frame skips frames 00 and 01 "
                "at the start of every minute except every tenth"
            )
        return None

    def frame_number(self, rate: FrameRate) -> int:
        """Frames since 00:00:00:00 at `rate` (drop-frame numbering honoured)."""
        nominal = rate.nominal
        total_minutes = self.hours * 60 + self.minutes
        frames = ((total_minutes * 60) + self.seconds) * nominal + self.frames
        if rate.drop_frame:
            frames -= 2 * (total_minutes - total_minutes // 10)
        return frames

    def __str__(self) -> str:
        return self.text or f"{self.hours:02d}:{self.minutes:02d}:{self.seconds:02d}:{self.frames:02d}"
