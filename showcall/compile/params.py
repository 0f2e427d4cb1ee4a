"""Provides checking of a verb's parameters against its profile: types, ranges, choices, wire values."""

from __future__ import annotations

import re
from typing import Any

from showcall.model.profile import ParamSpec
from showcall.model.times import Timecode, type_name

CUE_NUMBER = re.compile(r"^\d+(\.\d+)*$")
_OSC_UNSAFE = re.compile(r"[\s/#*,?\[\]{}]")


def _text(value: Any) -> str:
    return str(getattr(value, "source_text", value))


def _got(value: Any) -> str:
    """`got a string 'x'`, for a message (built only when there is one: most values are fine)."""
    return f"got {type_name(value)} {_text(value)!r}" if value is not None else "got nothing"


def coerce(name: str, spec: ParamSpec, value: Any) -> Any:
    """The wire value for parameter `name` given `value`; raises ValueError saying what is wrong."""
    checked = _check_type(name, spec, value)
    if spec.choices is not None and checked not in spec.choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, spec.choices))}, got {_text(value)!r}")
    _check_range(name, spec, checked)
    if spec.map is not None:
        if checked not in spec.map:
            raise ValueError(f"{name} must be one of {', '.join(map(str, spec.map))}")
        return spec.map[checked]
    return checked


def _check_type(name: str, spec: ParamSpec, value: Any) -> Any:
    kind = spec.type
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number, {_got(value)}")
        return int(value)
    if kind in {"float", "number"}:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number, {_got(value)}")
        return float(value) if kind == "float" else value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, {_got(value)}")
        return value
    if kind == "string":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"{name} must be text, {_got(value)}")
        return _text(value)
    if kind == "cue":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"{name} must be a cue number like 12 or 12.5, {_got(value)}")
        text = _text(value).strip()
        if not CUE_NUMBER.match(text):
            raise ValueError(f"{name} must be a cue number like 12 or 12.5, got {text!r}")
        return text
    if kind == "name":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"{name} must be a cue number or name, {_got(value)}")
        text = _text(value)
        if not text or _OSC_UNSAFE.search(text):
            raise ValueError(f"{name} {text!r} cannot go in an OSC address: no spaces or / # * , ? [ ] {{ }}")
        return text
    if kind == "intstr":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"{name} must be a number or a name, {_got(value)}")
        return int(value) if isinstance(value, int) else value
    if kind == "timecode":
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a timecode HH:MM:SS:FF, {_got(value)}")
        return Timecode.parse(value)
    raise ValueError(f"unknown parameter type {kind!r}")  # pragma: no cover - the profile model forbids it


def _check_range(name: str, spec: ParamSpec, value: Any) -> None:
    if spec.min is None and spec.max is None:
        return
    number: float | None
    if (isinstance(value, int | float) and not isinstance(value, bool)) or (
        spec.type == "cue" and isinstance(value, str) and value.count(".") <= 1
    ):
        number = float(value)
    else:
        return
    low = spec.min if spec.min is not None else float("-inf")
    high = spec.max if spec.max is not None else float("inf")
    if not low <= number <= high:
        shown = _text(value)
        if spec.min is not None and spec.max is not None:
            raise ValueError(f"{name} must be in range {_num(spec.min)}..{_num(spec.max)}, got {shown}")
        if spec.min is not None:
            raise ValueError(f"{name} must be at least {_num(spec.min)}, got {shown}")
        raise ValueError(f"{name} must be at most {_num(spec.max)}, got {shown}")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
