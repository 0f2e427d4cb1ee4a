"""Provides `{name}` placeholders, as used by cue packs and device profiles.

`{name}` is replaced by a value; `{name:03d}` formats it with a Python format spec; `{{` and `}}`
are literal braces. A string that is exactly one placeholder becomes the value itself, keeping
its type, so `cue: "{track}"` with `track: 12` gives the number 12, not the string "12".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")
_WHOLE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")


class TemplateError(ValueError):
    """A placeholder names no known value, or its format does not fit the value."""


def names_in(text: str) -> set[str]:
    """The placeholder names used in `text`."""
    return {m.group(1) for m in _TOKEN.finditer(text) if m.group(1)}


def render(text: str, values: Mapping[str, Any]) -> Any:
    """Replace the placeholders in `text` with `values` (see module docstring)."""
    whole = _WHOLE.match(text)
    if whole:
        name = whole.group(1)
        if name not in values:
            raise TemplateError(f"unknown placeholder {{{name}}}")
        return values[name]

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name, spec = match.group(1), match.group(2)
        if name not in values:
            raise TemplateError(f"unknown placeholder {{{name}}}")
        value = values[name]
        if value is None:
            return ""
        if spec:
            try:
                return format(value, spec)
            except (ValueError, TypeError) as exc:
                raise TemplateError(f"cannot format {{{name}:{spec}}} with {value!r}: {exc}") from exc
        return str(getattr(value, "source_text", value))

    return _TOKEN.sub(replace, text)
