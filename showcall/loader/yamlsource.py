"""Provides YAML reading with positions: a show or profile file's text becomes YMap/YSeq/scalars.

`parse_yaml` is the one entry point. Its exact reader (PyYAML, with libyaml when it is there)
records every key's and value's position and reports every problem located. With `fast=True` it
first tries the fast reader (showcall.loader.fastyaml), whose nodes carry placeholder positions,
and falls back to the exact reader whenever the fast one declines a file. Scalars follow YAML 1.2's
core schema (see showcall.loader.nodes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from showcall.errors import Problem
from showcall.loader import fastyaml
from showcall.loader.nodes import Pos, YFloat, YInt, YMap, YSeq, plain_tag, tagged_value

# The node types were defined here before showcall.loader.nodes held them; they stay importable from here.
__all__ = ["Pos", "YFloat", "YInt", "YMap", "YSeq", "YamlSourceError", "parse_yaml", "read_text"]

# libyaml's parser is several times faster on large shows; PyYAML may be built without it.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader with YAML 1.2 core-schema scalars (see showcall.loader.nodes)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """Tag a node: the core schema for plain scalars (most of a show file), PyYAML's resolver otherwise."""
        if kind is yaml.ScalarNode and implicit[0]:
            return plain_tag(value)
        return str(super().resolve(kind, value, implicit))


# No implicit resolvers of PyYAML's own (YAML 1.1): quoted and block scalars are strings, and
# plain scalars never reach PyYAML's resolver (see _Loader.resolve).
_Loader.yaml_implicit_resolvers = {}


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


def parse_yaml(text: str, display: str, *, fast: bool = False) -> Any:
    """Parse one YAML document into YMap/YSeq/scalars; None for an empty document.

    With `fast`, nodes may carry placeholder positions (see showcall.loader.fastyaml): only for a
    caller that reads the file again with `fast=False` before reporting any problem. A file the
    fast reader declines, and every file when `fast` is False, gets exact positions, and any
    problem in it raises YamlSourceError.
    """
    if fast:
        try:
            return fastyaml.parse(text, display)
        except fastyaml.NotFast:
            pass  # something the fast reader does not handle as the exact one would: read it exactly
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except RecursionError:  # PyYAML without libyaml composes recursively: a few hundred levels exhaust it
        raise YamlSourceError(
            [Problem(display, 1, 1, "", f"nested more than {MAX_DEPTH} levels deep: a show file needs about 12")]
        ) from None
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
    converter = _Converter(display, aliases="*" in text)
    try:
        data = converter.convert(nodes[0], 0)
    except _Refused as exc:
        raise YamlSourceError([exc.problem]) from None
    if converter.problems:
        raise YamlSourceError(converter.problems)
    return data


MAX_DEPTH = 64
"""Levels of nesting a show file may have (it needs about 12). Deeper data would exhaust Python's
recursion here and in validation; an alias inside its own anchor (`a: &a [*a]`) is infinitely deep."""

MAX_REPEATED = 100_000
"""Values YAML aliases may add to a file beyond what it writes out. An alias repeats its anchor's whole
subtree, so ten lines of aliases of aliases can stand for a billion values (an "alias bomb") that would
hang the check and fill memory; the reuse a show file needs (a device's settings, a cue list) stays far below."""

_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


class _Refused(Exception):
    """The document cannot be converted at all (too deep, or aliases repeat too much)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class _Converter:
    """Turns a composed node tree into YMap/YSeq/scalars, collecting problems; an alias is the same
    node composed once and met again, so each is counted (see MAX_REPEATED) and depth is bounded."""

    def __init__(self, display: str, aliases: bool) -> None:
        self.display = display
        self.aliases = aliases  # counting every node costs a third of the read: only when there can be aliases
        self.problems: list[Problem] = []
        self._seen: set[int] = set()  # composed nodes live as long as the conversion: ids stay unique
        self._repeated = 0
        self._outer_repeat: yaml.Node | None = None  # the outermost alias being expanded: the one to blame

    def _problem(self, node: yaml.Node, message: str) -> Problem:
        return _pos(self.display, node.start_mark).problem("", message)

    def convert(self, node: yaml.Node, depth: int) -> Any:
        """The value of `node`, `depth` levels below the document."""
        if depth > MAX_DEPTH:
            raise _Refused(
                self._problem(node, f"nested more than {MAX_DEPTH} levels deep (or an alias inside its own anchor)")
            )
        if self.aliases and self._outermost_repeat(node):
            try:
                return self._value(node, depth)
            finally:
                self._outer_repeat = None
        return self._value(node, depth)

    def _outermost_repeat(self, node: yaml.Node) -> bool:
        """Count `node` if an alias repeats it; True when it is the outermost repeat (see MAX_REPEATED)."""
        if id(node) not in self._seen:
            self._seen.add(id(node))
            return False
        self._repeated += 1
        if self._repeated > MAX_REPEATED:
            raise _Refused(
                self._problem(
                    self._outer_repeat or node,
                    f"YAML aliases repeat the anchor here into more than {MAX_REPEATED:,} values; "
                    "a show file needs far fewer (use a cue pack to repeat cues)",
                )
            )
        if self._outer_repeat is not None:
            return False
        self._outer_repeat = node
        return True

    def _value(self, node: yaml.Node, depth: int) -> Any:
        if isinstance(node, yaml.CollectionNode) and node.tag not in _COLLECTION_TAGS:
            # a tag on a mapping or a list (!!set, !!python/object...): refused as on a scalar
            self.problems.append(
                self._problem(node, f"YAML tag {node.tag!r} is not supported in show files; remove it")
            )
        display, problems = self.display, self.problems
        if isinstance(node, yaml.MappingNode):
            mapping = YMap(_pos(display, node.start_mark))
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    problems.append(
                        self._problem(
                            key_node, "YAML merge keys ('<<') are not supported in show files; use a cue pack"
                        )
                    )
                    continue
                key = self.convert(key_node, depth + 1)
                if isinstance(key, YMap | YSeq):
                    problems.append(self._problem(key_node, "a mapping key must be a plain value"))
                    continue
                key_pos = _pos(display, key_node.start_mark)
                if key in mapping:
                    problems.append(
                        key_pos.problem("", f"duplicate key {key!r} (first at line {mapping.key_pos[key].line})")
                    )
                    continue
                mapping.put(key, self.convert(value_node, depth + 1), key_pos, _pos(display, value_node.start_mark))
            return mapping
        if isinstance(node, yaml.SequenceNode):
            seq = YSeq(_pos(display, node.start_mark))
            for item in node.value:
                seq.add(self.convert(item, depth + 1), _pos(display, item.start_mark))
            return seq
        return _scalar(node, display, problems)


def _scalar(node: yaml.Node, display: str, problems: list[Problem]) -> Any:
    try:
        return tagged_value(node.tag, node.value)
    except KeyError:
        problems.append(
            _pos(display, node.start_mark).problem(
                "", f"YAML tag {node.tag!r} is not supported in show files; remove it"
            )
        )
        return node.value


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
