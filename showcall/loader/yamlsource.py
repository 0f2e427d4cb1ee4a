"""Provides YAML reading that keeps every node's position, with YAML 1.2-style scalars.

The data comes back as plain Python values, but mappings and sequences are `YMap` / `YSeq`
(dict and list subclasses) that remember where each key and value stood, so any later stage
(pack expansion, pydantic validation, lints) can report `file:line:col` even after nodes have
been moved or copied.

Scalars follow YAML 1.2's core schema rather than PyYAML's 1.1 defaults, because the 1.1 rules
turn show-file text into nonsense: `19:30` becomes the integer 1170 (base 60), and an X32
parameter named `on` becomes the boolean True.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from showcall.errors import Problem

# libyaml's parser is several times faster on large shows; PyYAML may be built without it.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    """A mapping that remembers where it, its keys and its values stood."""

    pos: Pos
    key_pos: dict[Any, Pos]
    val_pos: dict[Any, Pos]

    def __init__(self, pos: Pos) -> None:
        super().__init__()
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
    """A sequence that remembers where it and each item stood."""

    pos: Pos
    item_pos: list[Pos]

    def __init__(self, pos: Pos) -> None:
        super().__init__()
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


def _make_number(cls: type[YInt] | type[YFloat], value: float, text: str) -> Any:
    number = cls(value)
    number.source_text = text
    return number


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader with YAML 1.2 core-schema scalars (see module docstring)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """Tag a node: PyYAML's resolver, with a fast path for plain scalars (most of a show file)."""
        if kind is yaml.ScalarNode and implicit[0]:
            first = value[:1]
            for tag, regexp in _FAST_RESOLVERS.get(first, ()):
                if regexp.match(value):
                    return tag
            return "tag:yaml.org,2002:str"
        return str(super().resolve(kind, value, implicit))


_Loader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+0123456789."),
    ),
]:
    _Loader.add_implicit_resolver(_tag, re.compile(_regexp), list(_first))
_FAST_RESOLVERS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: list(resolvers) for first, resolvers in _Loader.yaml_implicit_resolvers.items() if first is not None
}


class YamlSourceError(Exception):
    """The text is not YAML a show file can be made of; carries located problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _pos(display: str, mark: Any) -> Pos:
    return Pos(display, mark.line + 1, mark.column + 1)


def read_text(path: Path, display: str) -> str:
    """Read a show or profile file as UTF-8 text, refusing binary and undecodable files with a location."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise YamlSourceError([Problem(display, 1, 1, "", "file not found")]) from exc
    except IsADirectoryError as exc:
        raise YamlSourceError([Problem(display, 1, 1, "", "is a directory, not a show file")]) from exc
    except OSError as exc:
        raise YamlSourceError([Problem(display, 1, 1, "", f"cannot read file: {exc.strerror}")]) from exc
    if b"\x00" in raw[:8192]:
        return _refuse_binary(raw, display)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlSourceError(
            [
                Problem(
                    display,
                    line,
                    col,
                    "",
                    "not UTF-8 text (is this a binary file?); save the show file as UTF-8",
                )
            ]
        ) from exc
    return text


def _refuse_binary(raw: bytes, display: str) -> str:
    offset = raw.index(b"\x00")
    line = raw.count(b"\n", 0, offset) + 1
    col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    raise YamlSourceError([Problem(display, line, col, "", "this is a binary file, not a YAML show file")])


def parse_yaml(text: str, display: str) -> Any:
    """Parse one YAML document into YMap/YSeq/scalars with positions; None for an empty document."""
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        raise YamlSourceError([_yaml_problem(exc, text, display)]) from exc
    except yaml.YAMLError as exc:  # reader errors (control characters) carry a position too
        raise YamlSourceError([_reader_problem(exc, text, display)]) from exc
    if not nodes:
        return None
    if len(nodes) > 1:
        second = nodes[1].start_mark
        raise YamlSourceError(
            [_pos(display, second).problem("", "more than one YAML document ('---'): a file holds one show")]
        )
    problems: list[Problem] = []
    data = _convert(nodes[0], display, problems)
    if problems:
        raise YamlSourceError(problems)
    return data


def _convert(node: yaml.Node, display: str, problems: list[Problem]) -> Any:
    """Turn a composed node tree into YMap/YSeq/scalars (iteratively deep shows are fine recursively)."""
    if isinstance(node, yaml.MappingNode):
        mapping = YMap(_pos(display, node.start_mark))
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(
                    _pos(display, key_node.start_mark).problem(
                        "", "YAML merge keys ('<<') are not supported in show files; use a cue pack"
                    )
                )
                continue
            key = _convert(key_node, display, problems)
            if isinstance(key, YMap | YSeq):
                problems.append(_pos(display, key_node.start_mark).problem("", "a mapping key must be a plain value"))
                continue
            key_pos = _pos(display, key_node.start_mark)
            if key in mapping:
                problems.append(
                    key_pos.problem("", f"duplicate key {key!r} (first at line {mapping.key_pos[key].line})")
                )
                continue
            mapping.put(key, _convert(value_node, display, problems), key_pos, _pos(display, value_node.start_mark))
        return mapping
    if isinstance(node, yaml.SequenceNode):
        seq = YSeq(_pos(display, node.start_mark))
        for item in node.value:
            seq.add(_convert(item, display, problems), _pos(display, item.start_mark))
        return seq
    return _scalar(node, display, problems)


def _scalar(node: yaml.Node, display: str, problems: list[Problem]) -> Any:
    tag, text = node.tag, node.value
    if tag == "tag:yaml.org,2002:str":
        return text
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return text.lower() == "true"
    if tag == "tag:yaml.org,2002:int":
        return _make_number(YInt, int(text, 0) if text[:2] in {"0x", "0o"} else int(text), text)
    if tag == "tag:yaml.org,2002:float":
        lowered = text.lower().lstrip("+")
        value = float(lowered.replace(".inf", "inf").replace(".nan", "nan"))
        return _make_number(YFloat, value, text)
    problems.append(
        _pos(display, node.start_mark).problem("", f"YAML tag {tag!r} is not supported in show files; remove it")
    )
    return text


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, display: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in source_line[: max(col, 1)]:
        tab_col = source_line.index("\t") + 1
        return Problem(
            display,
            line,
            tab_col,
            "",
            "a tab character in indentation: YAML indents with spaces only; replace the tab with spaces",
        )
    message = f"invalid YAML: {exc.problem or 'syntax error'}"
    if exc.context:
        message += f" ({exc.context}"
        if exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            message += f" at line {exc.context_mark.line + 1}"
        message += ")"
    return Problem(display, line, col, "", message)


def _reader_problem(exc: yaml.YAMLError, text: str, display: str) -> Problem:
    offset = getattr(exc, "position", 0) or 0
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    character = getattr(exc, "character", None)
    shown = f" (#x{ord(character):04x})" if isinstance(character, str) and character else ""
    return Problem(display, line, col, "", f"contains a control character{shown} that YAML does not allow")
