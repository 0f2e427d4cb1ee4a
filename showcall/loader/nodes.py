"""Provides the YAML data the loader works on: mappings, sequences and numbers that remember where they stood.

Mappings and sequences are `YMap` / `YSeq` (dict and list subclasses) that remember the position
of each key and value, so any later stage (pack expansion, pydantic validation, lints) can report
`file:line:col` even after nodes have been moved or copied. The YAML reader
(showcall.loader.yamlsource) builds these.

Plain scalars resolve by YAML 1.2's core schema rather than PyYAML's 1.1 defaults, because the
1.1 rules turn show-file text into nonsense: `19:30` becomes the integer 1170 (base 60), and an
X32 parameter named `on` becomes the boolean True.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from showcall.errors import Problem


class Pos(NamedTuple):
    """A position in a source file; line and col count from 1.

    A NamedTuple rather than a frozen dataclass: a 10,000-cue show makes ~200,000 of them and a
    frozen dataclass costs several times as much to build.
    """

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def problem(self, where: str, message: str) -> Problem:
        """A Problem at this position."""
        return Problem(self.path, self.line, self.col, where, message)


class YMap(dict[Any, Any]):
    """A mapping that remembers where it, its keys and its values stood (a key with no recorded
    position reports the mapping's own)."""

    # slots: a 10,000-cue show makes ~50,000 of these, and an instance dict each cost time and memory
    __slots__ = ("key_pos", "pos", "val_pos")

    pos: Pos
    key_pos: dict[Any, Pos]
    val_pos: dict[Any, Pos]

    def __init__(self, pos: Pos) -> None:
        self.pos = pos
        self.key_pos = {}
        self.val_pos = {}

    def put(self, key: Any, value: Any, key_pos: Pos, val_pos: Pos) -> None:
        """Set `key` to `value`, recording both positions."""
        self[key] = value
        self.key_pos[key] = key_pos
        self.val_pos[key] = val_pos

    def pos_of(self, key: Any) -> Pos:
        """Where the value of `key` stands (the mapping itself when the key is absent)."""
        return self.val_pos.get(key, self.pos)

    def key_pos_of(self, key: Any) -> Pos:
        """Where `key` itself stands (the mapping itself when the key is absent)."""
        return self.key_pos.get(key, self.pos)


class YSeq(list[Any]):
    """A sequence that remembers where it and each item stood (items with no recorded position
    report the sequence's own)."""

    __slots__ = ("item_pos", "pos")

    pos: Pos
    item_pos: list[Pos]

    def __init__(self, pos: Pos) -> None:
        self.pos = pos
        self.item_pos = []

    def add(self, value: Any, pos: Pos) -> None:
        """Append `value`, recording its position."""
        self.append(value)
        self.item_pos.append(pos)

    def pos_of(self, index: int) -> Pos:
        """Where item `index` stands (the sequence itself when out of range)."""
        return self.item_pos[index] if 0 <= index < len(self.item_pos) else self.pos


class YInt(int):
    """An integer that remembers its source text (`012` stays `012` for a cue id)."""

    source_text: str


class YFloat(float):
    """A float that remembers its source text (`12.50` stays `12.50` for a cue id)."""

    source_text: str


def make_number(cls: type[YInt] | type[YFloat], value: float, text: str) -> Any:
    """A YInt or YFloat of `value` that remembers `text`."""
    number = cls(value)
    number.source_text = text
    return number


STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"

CORE_SCHEMA: list[tuple[str, re.Pattern[str], str | list[str]]] = [
    (BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    (NULL_TAG, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]),
    (INT_TAG, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")),
    (
        FLOAT_TAG,
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+0123456789."),
    ),
]
"""YAML 1.2 core-schema tags of plain scalars: (tag, pattern, the first characters it can match)."""

RESOLVERS_BY_FIRST: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
"""CORE_SCHEMA by first character ('' for the empty scalar): most scalars skip every pattern."""
for _tag, _pattern, _firsts in CORE_SCHEMA:
    for _first in _firsts:
        RESOLVERS_BY_FIRST.setdefault(_first, []).append((_tag, _pattern))


def plain_tag(text: str) -> str:
    """The core-schema tag of a plain (unquoted) scalar written `text`."""
    for tag, pattern in RESOLVERS_BY_FIRST.get(text[:1], ()):
        if pattern.match(text):
            return tag
    return STR_TAG


_MAX_INT_DIGITS = 4000
"""Below Python's limit on int() of decimal text (4300 digits, sys.get_int_max_str_digits)."""


def tagged_value(tag: str, text: str) -> Any:
    """The value of a scalar with a core-schema `tag` (see plain_tag); KeyError for any other tag."""
    if tag == STR_TAG:
        return text
    if tag == NULL_TAG:
        return None
    if tag == BOOL_TAG:
        return text.lower() == "true"
    if tag == INT_TAG:
        if len(text) > _MAX_INT_DIGITS and text[:2] not in {"0x", "0o"}:
            # Python refuses to convert more digits than this (a guard against slow conversions);
            # a number that long is out of every range a show file has, and says so as infinity
            return make_number(YFloat, float("-inf") if text.startswith("-") else float("inf"), text)
        return make_number(YInt, int(text, 0) if text[:2] in {"0x", "0o"} else int(text), text)
    if tag == FLOAT_TAG:
        lowered = text.lower().lstrip("+")
        return make_number(YFloat, float(lowered.replace(".inf", "inf").replace(".nan", "nan")), text)
    raise KeyError(tag)
