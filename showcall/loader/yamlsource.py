"""Provides YAML reading with positions: a show or profile file's text becomes YMap/YSeq/scalars.

`parse_yaml` is the one entry point: PyYAML (with libyaml when it is there) composes the nodes,
and every key's and value's position is recorded, so every problem is reported located. Scalars
follow YAML 1.2's core schema (see showcall.loader.nodes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from showcall.errors import Problem
from showcall.loader.nodes import STR_TAG, Pos, YFloat, YInt, YMap, YSeq, plain_tag, tagged_value

# The node types were defined here before showcall.loader.nodes held them; they stay importable from here.
__all__ = ["Pos", "YFloat", "YInt", "YMap", "YSeq", "YamlSourceError", "parse_yaml", "read_text"]

# libyaml's parser is several times faster on large shows; PyYAML may be built without it.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_SCALAR, _MAPPING = yaml.ScalarNode, yaml.MappingNode
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader with YAML 1.2 core-schema scalars (see showcall.loader.nodes)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """Tag a node: the core schema for plain scalars (most of a show file), text for the others.

        What PyYAML's own resolver returns with no resolvers registered, without its general
        path (libyaml's composer calls this for every node without an explicit tag).
        """
        if kind is _SCALAR:
            return plain_tag(value) if implicit[0] else STR_TAG
        return _MAP_TAG if kind is _MAPPING else _SEQ_TAG


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


def parse_yaml(text: str, display: str) -> Any:
    """Parse one YAML document into YMap/YSeq/scalars; None for an empty document.

    Raises YamlSourceError, carrying every problem located, for text a show file cannot be made of.
    """
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
    problems: list[Problem] = []
    try:
        data = _convert(nodes[0], display, problems, aliases="*" in text)
    except _Refused as exc:
        raise YamlSourceError([exc.problem]) from None
    if problems:
        raise YamlSourceError(problems)
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


def _convert(root: yaml.Node, display: str, problems: list[Problem], *, aliases: bool = True) -> Any:
    """Turn a composed node tree into YMap/YSeq/scalars, recording each key's and value's position.

    Closures rather than one recursive function with `isinstance` tests: they run once per node
    (~170,000 for 10,000 cues), and the lookups a general function makes there showed in the
    profile. Positions are built with tuple.__new__, which skips the NamedTuple's Python-level
    constructor (same Pos, a third of the cost).

    Depth is bounded (MAX_DEPTH). With `aliases` (the text has a `*`), every node is counted: an alias is
    the same composed node met again, and what aliases repeat is bounded (MAX_REPEATED), blamed on the
    outermost alias being expanded. Counting costs a third of the read, so a file without aliases skips it.
    """
    new_pos = tuple.__new__
    seen: set[int] = set()  # composed nodes live as long as the conversion: their ids stay unique
    repeated = [0]
    outer: list[yaml.Node] = []  # the outermost alias being expanded

    def pos(mark: Any) -> Pos:
        return new_pos(Pos, (display, mark.line + 1, mark.column + 1))

    def refuse(node: yaml.Node, message: str) -> _Refused:
        return _Refused(pos(node.start_mark).problem("", message))

    def value(node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise refuse(node, f"nested more than {MAX_DEPTH} levels deep (or an alias inside its own anchor)")
        kind = node.__class__
        if not aliases:
            return (
                scalar(node) if kind is _SCALAR else mapping(node, depth) if kind is _MAPPING else sequence(node, depth)
            )
        if id(node) not in seen:
            seen.add(id(node))
            outermost = False
        else:
            repeated[0] += 1
            if repeated[0] > MAX_REPEATED:
                raise refuse(
                    outer[0] if outer else node,
                    f"YAML aliases repeat the anchor here into more than {MAX_REPEATED:,} values; "
                    "a show file needs far fewer (use a cue pack to repeat cues)",
                )
            outermost = not outer
            if outermost:
                outer.append(node)
        try:
            return (
                scalar(node) if kind is _SCALAR else mapping(node, depth) if kind is _MAPPING else sequence(node, depth)
            )
        finally:
            if outermost:
                outer.clear()

    def scalar(node: Any) -> Any:
        tag = node.tag
        if tag == STR_TAG:  # most scalars: text
            return node.value
        try:
            return tagged_value(tag, node.value)
        except KeyError:
            problems.append(
                pos(node.start_mark).problem("", f"YAML tag {tag!r} is not supported in show files; remove it")
            )
            return node.value

    def collection_tag(node: Any) -> None:
        if node.tag not in _COLLECTION_TAGS:  # a tag on a mapping or a list (!!set, !!python/object...)
            problems.append(
                pos(node.start_mark).problem("", f"YAML tag {node.tag!r} is not supported in show files; remove it")
            )

    def mapping(node: Any, depth: int) -> YMap:
        collection_tag(node)
        out = YMap(pos(node.start_mark))
        key_pos, val_pos = out.key_pos, out.val_pos
        inner = depth + 1
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            at = new_pos(Pos, (display, mark.line + 1, mark.column + 1))
            kind = key_node.__class__
            if kind is _SCALAR:
                if key_node.tag == _MERGE_TAG:
                    problems.append(
                        at.problem("", "YAML merge keys ('<<') are not supported in show files; use a cue pack")
                    )
                    continue
                key = scalar(key_node)
            else:
                value(key_node, inner)  # for the problems inside it
                problems.append(at.problem("", "a mapping key must be a plain value"))
                continue
            if key in out:
                problems.append(at.problem("", f"duplicate key {key!r} (first at line {key_pos[key].line})"))
                continue
            out[key] = (
                scalar(value_node) if value_node.__class__ is _SCALAR and not aliases else value(value_node, inner)
            )
            key_pos[key] = at
            mark = value_node.start_mark
            val_pos[key] = new_pos(Pos, (display, mark.line + 1, mark.column + 1))
        return out

    def sequence(node: Any, depth: int) -> YSeq:
        collection_tag(node)
        out = YSeq(pos(node.start_mark))
        item_pos = out.item_pos
        inner = depth + 1
        for item in node.value:
            out.append(scalar(item) if item.__class__ is _SCALAR and not aliases else value(item, inner))
            mark = item.start_mark
            item_pos.append(new_pos(Pos, (display, mark.line + 1, mark.column + 1)))
        return out

    return value(root, 0)


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
