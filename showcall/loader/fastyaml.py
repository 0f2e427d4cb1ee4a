"""Provides the fast YAML reader: the same data as the exact reader, without positions.

The exact reader (showcall.loader.yamlsource) makes a Python object for every YAML node and every
position mark, which is most of the time a large show takes to read. This reader lets C code do
that work: rapidyaml (`ryml`) parses the text into its tree and emits it as JSON, and the json
module builds the Python values. Every node gets a placeholder position (nodes.rough_pos), so
its data may only be used by a caller that reads the file again exactly before reporting any
problem (showcall.loader.show does).

It returns exactly what the exact reader would, or declines the file (NotFast) and the caller
reads it exactly:

- libyaml's own parser (PyYAML's `CParser.raw_parse`, which counts events without making Python
  objects) checks the syntax first, because rapidyaml accepts YAML that libyaml refuses (a plain
  scalar starting with `}` or `@`, a key with no text). Its event count must match the tree built.
- JSON drops whether a scalar was quoted, and its type depends on that (`12` is a number, `'12'`
  text). Every string that a plain scalar's core-schema pattern would make something else, and
  every number, is looked up in rapidyaml's tree for its style and source text. Node ids are in
  document order, so a counter finds the node; each lookup checks the node's text (which also
  catches the few strings the JSON emitter rewrites, such as `-.Inf`), and the count of nodes
  must match the tree's.
- Tabs, anchors, aliases, tags, directives, more than one document, duplicate keys, a plain scalar
  starting with '?', line breaks other than LF and CRLF, and a block scalar in a file with no
  final newline are declined: the exact reader reports them or reads them by rules this reader
  does not repeat.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml

from showcall.loader.nodes import (
    RESOLVERS_BY_FIRST,
    STR_TAG,
    YFloat,
    YInt,
    YMap,
    YSeq,
    make_number,
    plain_tag,
    plain_value,
    rough_pos,
)

try:
    import ryml
except ImportError:  # rapidyaml only makes loading faster: without it every file is read exactly
    _HAVE_RYML = False
else:
    _HAVE_RYML = True

try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml: nothing vouches for the syntax, so read exactly
    _HAVE_LIBYAML = False
else:
    _HAVE_LIBYAML = True

AVAILABLE = _HAVE_RYML and _HAVE_LIBYAML
"""True when this reader can run (rapidyaml and PyYAML's libyaml binding are installed)."""


class NotFast(Exception):
    """The fast reader declines the text; the message says why. Read it with the exact reader."""


# A character that may start an anchor (&), alias (*) or tag (!): after a space, a flow
# indicator or ':' (JSON-like flow keys). Text matching this is searched for node properties.
_PROPERTY_START = re.compile(r"(?:^|[\s\[\]{},:])[&*!]", re.MULTILINE)

# A string starting with none of these is text whether it was quoted or not, so most need no
# look-up in the tree. '?' is here because libyaml reads it as a key indicator anywhere in a flow
# collection (`{?a: 1}` has the key `a`) and rapidyaml as the start of a plain scalar.
_LOOK_UP_FIRST = frozenset(RESOLVERS_BY_FIRST) | {"?"}


def _style_matters(text: str) -> bool:
    """True when a scalar written `text` means something else quoted than plain."""
    return text[:1] == "?" or plain_tag(text) != STR_TAG


class _Number(str):
    """A number's text as rapidyaml's JSON wrote it (not always as the file did: `.5` becomes 0.5)."""


def _refuse_constant(text: str) -> Any:
    raise NotFast(f"JSON constant {text}")


def parse(text: str, display: str) -> YMap | YSeq:
    """The data of the YAML document `text`, as the exact reader makes it, with placeholder positions.

    Raises NotFast when the text is not something this reader handles exactly as the exact
    reader does (including any text the exact reader would refuse).
    """
    if not AVAILABLE:
        raise NotFast("rapidyaml or libyaml is not installed")
    text = _screen(text)
    try:
        events = CParser(text).raw_parse()
    except yaml.YAMLError as exc:
        raise NotFast(f"libyaml: {exc}") from exc
    tree = _tree(text)
    root = tree.root_id()
    if tree.is_stream(root):  # `---` before the document
        if tree.num_children(root) != 1 or tree.first_child(root) != root + 1:
            raise NotFast("not exactly one document")
        root += 1
    if not (tree.is_map(root) or tree.is_seq(root)):
        raise NotFast("the document is not a mapping or a list")
    try:
        with _stderr_muted():  # rapidyaml prints there when the tree is deeper than its emitter goes
            emitted = ryml.emit_json(tree)
        data = json.loads(
            emitted,
            object_pairs_hook=tuple,  # keeps duplicate keys, and tells mappings from lists
            parse_int=_Number,
            parse_float=_Number,
            parse_constant=_refuse_constant,
        )
    except (ValueError, ryml.ExceptionBasic) as exc:
        raise NotFast(f"rapidyaml's JSON: {exc}") from exc
    if tree.is_stream(tree.root_id()):
        (data,) = data
    return _build(tree, root, display, data, events)


def _screen(text: str) -> str:
    """`text` with CRLF line breaks made LF, or NotFast for what this reader leaves to the exact one."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # libyaml reads CRLF as one line break, as rapidyaml reads LF
    for char, why in (("\t", "a tab"), ("\r", "a CR line break")):
        if char in text:
            raise NotFast(why)
    if not text.isascii():
        for char in ("\ufeff", "\x85", "\u2028", "\u2029"):  # a BOM inside, or YAML 1.1's other line breaks
            if char in text:
                raise NotFast(f"character U+{ord(char):04X}")
    if text.startswith("%") or "\n%" in text:
        raise NotFast("a directive")
    if not text.endswith("\n") and ("|" in text or ">" in text):
        # rapidyaml keeps a final line break in a block scalar that ends the file without one
        raise NotFast("a possible block scalar and no final newline")
    return text


def _tree(text: str) -> Any:
    """rapidyaml's tree of `text`, or NotFast when it cannot parse it or the text has node properties."""
    try:
        with _stderr_muted():
            tree = ryml.parse_in_arena(text.encode("utf-8"))
    except (ryml.ExceptionBasic, RuntimeError) as exc:
        raise NotFast(f"rapidyaml: {exc}") from exc
    if ("&" in text or "*" in text or "!" in text) and _PROPERTY_START.search(text):
        properties = ryml.KEYANCH | ryml.VALANCH | ryml.KEYREF | ryml.VALREF | ryml.KEYTAG | ryml.VALTAG
        has_any = tree.type_has_any
        if any(has_any(node, properties) for node in range(tree.size())):
            raise NotFast("anchors, aliases or tags")
    return tree


@contextmanager
def _stderr_muted() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null: rapidyaml prints a parse error there before raising it.

    The caller reads a declined file again exactly and reports any problem itself, so the message
    would only be noise before `showcall check`'s own output. Anything another thread writes to
    stderr during the parse (milliseconds) is lost too.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2: nothing to mute
        yield
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 2)
        finally:
            os.close(null)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _build(tree: Any, root: int, display: str, data: Any, events: int) -> YMap | YSeq:
    """YMap/YSeq from the JSON data, looking in rapidyaml's tree where JSON lost the style; NotFast
    unless every node and every libyaml event is accounted for.

    Closures rather than methods: they run once per node (~100,000 for 10,000 cues), and each
    attribute lookup a method would make there showed in the profile.
    """
    pos = rough_pos(display)
    next_id = root + 1  # the node id of the next key/value pair or list item: ids are in document order
    containers = keys = 0
    val_of, key_of, val_is_plain, key_is_plain = tree.val, tree.key, tree.is_val_plain, tree.is_key_plain

    def text(view: Any) -> str:
        return "" if view is None else str(view, "utf-8")  # a memoryview of UTF-8; None for no text

    def styled(value: str, node: int) -> Any:
        """A string that is text only if it was quoted: `'12'` stays text, `12` is a number."""
        if text(val_of(node)) != value:
            raise NotFast("JSON and the tree disagree on a scalar")
        return _plain(value) if val_is_plain(node) else value

    def number(written: str, node: int) -> Any:
        """A number, with the source text the file had (rapidyaml's JSON rewrites some: .5 is 0.5)."""
        source = text(val_of(node))
        if not val_is_plain(node):
            raise NotFast("a JSON number from a quoted scalar")
        # JSON's number grammar is part of the core schema's: int unless . e E (a number too long
        # for int() goes the long way, where the core schema makes it infinite)
        if source == written and len(source) < 400:
            is_float = "." in source or "e" in source or "E" in source
            return make_number(YFloat, float(source), source) if is_float else make_number(YInt, int(source), source)
        value = plain_value(source)
        if not isinstance(value, YInt | YFloat) or value != float(written):
            raise NotFast("a number rapidyaml and the core schema read differently")
        return value

    # mapping and sequence type each value inline rather than through a shared function, for the same reason

    def mapping(pairs: tuple[tuple[str, Any], ...]) -> YMap:
        nonlocal next_id, containers, keys
        containers += 1
        keys += len(pairs)
        out = YMap(pos)
        for key, written in pairs:
            node = next_id
            next_id = node + 1
            item: Any = key
            if key[:1] in _LOOK_UP_FIRST and _style_matters(key):  # JSON's keys are all strings: `1:` is not
                if text(key_of(node)) != key:
                    raise NotFast("JSON and the tree disagree on a scalar")
                if key_is_plain(node):
                    item = _plain(key)
            value: Any = written
            kind = value.__class__
            if kind is str:
                if value[:1] in _LOOK_UP_FIRST and _style_matters(value):
                    value = styled(value, node)
            elif kind is tuple:
                value = mapping(value)
            elif kind is list:
                value = sequence(value)
            elif kind is _Number:
                value = number(value, node)
            # else True, False or None: JSON literals, which rapidyaml writes for plain true/false/null/empty only
            out[item] = value
        if len(out) != len(pairs):
            raise NotFast("a duplicate key")
        return out

    def sequence(items: list[Any]) -> YSeq:
        nonlocal next_id, containers
        containers += 1
        out = YSeq(pos)
        for written in items:
            node = next_id
            next_id = node + 1
            value: Any = written
            kind = value.__class__
            if kind is str:
                if value[:1] in _LOOK_UP_FIRST and _style_matters(value):
                    value = styled(value, node)
            elif kind is tuple:
                value = mapping(value)
            elif kind is list:
                value = sequence(value)
            elif kind is _Number:
                value = number(value, node)
            out.append(value)
        return out

    out = mapping(data) if data.__class__ is tuple else sequence(data)
    if next_id != tree.size():
        raise NotFast("node count differs from rapidyaml's tree")
    nodes = next_id - root
    # stream and document start and end, a start and end per container, a scalar per key and per leaf value
    if events != 4 + 2 * containers + keys + (nodes - containers):
        raise NotFast("event count differs from libyaml's")
    return out


def _plain(text: str) -> Any:
    """The value of a plain scalar, or NotFast for one libyaml would not have read as one scalar."""
    if text[:1] == "?":
        raise NotFast("a plain scalar starting with '?'")
    return plain_value(text)
