"""Provides hypothesis strategies that mutate show files: bytes, YAML structure, and the values a show holds.

Every strategy takes the text (or the parsed tree) of a real example show and returns broken variants of
it, so the fuzzing starts from files that get deep into the loader rather than from noise.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import yaml
from hypothesis import strategies as st

# ---- bytes -------------------------------------------------------------------------------------------

ODD_BYTES = [
    b"\xff",  # never valid UTF-8
    b"\xc3",  # a lead byte without its continuation
    b"\xed\xa0\x80",  # an encoded surrogate
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b"\x00",
    b"\xef\xbb\xbf",  # a byte-order mark in the middle
    b"\r",
    b"\t",
    b"\xc2\x85",  # NEL, a YAML 1.1 line break
    "\u2028".encode(),  # LINE SEPARATOR
    b"\x1b[31m",
    b"\x7f",
]


@st.composite
def byte_mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    """`seed` with 1-8 of: a bit flipped, bytes inserted (random or odd), a range deleted, a chunk
    copied elsewhere, or the end cut off."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "insert", "odd", "delete", "splice", "truncate"]))
        if op == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "odd":
            data[at:at] = draw(st.sampled_from(ODD_BYTES))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "splice" and data:
            start = draw(st.integers(0, len(data) - 1))
            data[at:at] = data[start : start + draw(st.integers(1, 200))]
        elif op == "truncate":
            del data[at:]
    return bytes(data)


# ---- values ------------------------------------------------------------------------------------------

HUGE = [2**31, 2**63, 2**64 + 1, -(2**63) - 1, 10**400, 1e308, -1e308]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(HUGE),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", " ", "~", "null", "yes", "no", "0x1F", "0o17", "1e3", ".inf", "-.nan", "12:30", "a" * 500]),
)
YAML_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
"""Any value PyYAML can write: the wrong type for most keys of a show."""

INTERESTING: dict[str, list[Any]] = {
    "duration": [
        "0s",
        "250ms",
        "-1s",
        "1.5.5s",
        "1e3s",
        "24h",
        "24h1ms",
        "9" * 30 + "h",
        "9" * 400 + "s",
        "1m90s",
        "ms",
        "2 s",
        "1s1s",
        "0.0000000001us",
        "\u0661s",
        "1\u00b5s",
        0,
        1.5,
        -3,
    ],
    "time": [
        "09:00",
        "23:59:59.999999999",
        "24:00",
        "9:0",
        "09:00:60",
        "09:00:00.1234567891",
        "-01:00",
        "25:00",
        "",
        930,
        9.5,
        "12:30:00 ",
        "\u0661\u0662:00",
    ],
    "timecode": [
        "01:00:00:00",
        "23:59:59:29",
        "23:59:59:30",
        "00:00:00;00",
        "99:99:99:99",
        "1:2:3:4",
        "01:00:00:00.5",
        "-01:00:00:00",
        "",
        3600,
    ],
    "id": [
        "1",
        "12.5",
        "0",
        "-1",
        "1..2",
        "",
        " ",
        "a" * 300,
        "\u03b6",
        "1e5",
        "12.50",
        "{id}",
        "{nope}",
        "1/2",
        "LX 1",
        0,
        12.5,
        1e400,
        -0.0,
    ],
    "host": [
        "",
        "127.0.0.1",
        "::1",
        "256.1.1.1",
        "localhost",
        "a" * 300,
        "host:9000",
        "[::1]:9000",
        " ",
        "1.2.3",
        "-bad-",
        "0.0.0.0",
        "255.255.255.255",
        "fe80::1%lo",
        "exa mple",
    ],
    "port": [0, 1, 65535, 65536, -1, 2**31, 2**64, "80", "9000", 1.5, "9" * 5000],
    "number": [
        0,
        1,
        16,
        17,
        127,
        128,
        16383,
        16384,
        -1,
        1.5,
        math.nan,
        math.inf,
        -math.inf,
        2**63,
        "x",
        "1",
        29.97,
        "29.97df",
        24,
        25,
        30,
        0.5,
        1.0000001,
        1e39,  # beyond OSC's 32-bit float
        -3.5e38,
    ],
    "text": ["", " ", "\u202e reversed", "a" * 5000, "{speaker}", "{", "}", "\x00", "line\nbreak", "#"],
}
KEY_KINDS = {
    **dict.fromkeys(["duration", "follow", "after", "wait", "go_guard", "hang"], "duration"),
    **dict.fromkeys(["start", "at", "date"], "time"),
    **dict.fromkeys(["timecode", "time"], "timecode"),
    **dict.fromkeys(["id", "cue", "list", "dept", "use", "device", "driver", "path", "macro"], "id"),
    **dict.fromkeys(["host", "midi_port"], "host"),
    **dict.fromkeys(["port", "reply_port", "feedback_port"], "port"),
    **dict.fromkeys(
        [
            "channel",
            "note",
            "velocity",
            "level",
            "number",
            "layer",
            "clip",
            "value",
            "device_id",
            "fps",
            "control",
            "program",
            "column",
            "showcall",
            "on",
            "max_packet",
        ],
        "number",
    ),
    **dict.fromkeys(["title", "label", "standby", "notes", "name", "address", "text", "with"], "text"),
    "args": "number",
}


def value_for(key: object) -> st.SearchStrategy[Any]:
    """A value that is wrong (or just barely right) for `key`, else any value."""
    kind = KEY_KINDS.get(str(key))
    if kind is None:
        return YAML_VALUES
    return st.sampled_from(INTERESTING[kind]) | YAML_VALUES


# ---- the tree ----------------------------------------------------------------------------------------


def _slots(tree: Any) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in `tree`, depth first."""
    out: list[tuple[Any, Any]] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            items: list[tuple[Any, Any]] = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            continue
        for key, value in items:
            out.append((node, key))
            stack.append(value)
    return out


@st.composite
def tree_mutations(draw: st.DrawFn, seed: Any) -> Any:
    """A deep copy of the parsed show `seed` with 1-4 of: a key or item dropped, a list item repeated
    (written once, then as an alias), a value replaced (by one picked for its key, any YAML value, or
    itself wrapped in the wrong type), an unknown key added, two values swapped."""
    tree = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, 4))):
        slots = _slots(tree)
        if not slots:
            return draw(YAML_VALUES)
        node, key = draw(st.sampled_from(slots))
        op = draw(st.sampled_from(["drop", "repeat", "value", "any", "wrap", "add", "swap"]))
        if op == "drop":
            del node[key]
        elif op == "repeat" and isinstance(node, list):
            node.insert(key, node[key])  # the same object twice: PyYAML writes an anchor and an alias
        elif op == "value":
            node[key] = draw(value_for(key if isinstance(node, dict) else ""))
        elif op == "any":
            node[key] = draw(YAML_VALUES)
        elif op == "wrap":
            node[key] = draw(st.sampled_from([[node[key]], {"x": node[key]}, str(node[key]), None]))
        elif op == "add" and isinstance(node, dict):
            node[draw(st.sampled_from([*KEY_KINDS, "x", f"{key}s"]))] = draw(YAML_VALUES)
        elif op == "swap":
            other_node, other_key = draw(st.sampled_from(slots))
            if other_node is not node or other_key != key:
                node[key], other_node[other_key] = copy.deepcopy(other_node[other_key]), copy.deepcopy(node[key])
    return tree


@st.composite
def dumped(draw: st.DrawFn, tree: Any) -> str:
    """`tree` written as YAML, in block or flow style."""
    return yaml.safe_dump(
        tree,
        sort_keys=False,
        allow_unicode=draw(st.booleans()),
        default_flow_style=draw(st.sampled_from([False, None, True])),
        width=draw(st.sampled_from([80, 4096])),
    )


# ---- YAML text ---------------------------------------------------------------------------------------

TAGS = [
    "!!python/object/apply:os.system ['echo pwned']",
    "!!python/name:os.system",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [{a: 1}]",
    "!!timestamp 2001-12-14",
    "!!float nan",
    "!!int 0x1F",
    "!!str 12",
    "!!null ''",
    "!custom x",
    "!<tag:example.com,2000:x> y",
]


def _nested(depth: int, flow: bool) -> str:
    return "[" * depth + "]" * depth if flow else "{a: " * depth + "1" + "}" * depth


@st.composite
def text_mutations(draw: st.DrawFn, seed: str) -> str:
    """`seed`'s lines with 1-6 of: a line repeated (a duplicate key), dropped, re-indented or moved; a
    value replaced by a tag, an anchor and its aliases, a merge key, deep nesting, an alias bomb;
    a second document or a directive."""
    lines = seed.splitlines()
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        line = lines[at] if lines else ""
        indent = line[: len(line) - len(line.lstrip(" "))]
        key = line.strip().split(":", 1)[0] if ":" in line else "x"
        op = draw(
            st.sampled_from(["repeat", "drop", "indent", "move", "tag", "anchor", "merge", "deep", "bomb", "doc"])
        )
        if op == "repeat":
            lines.insert(at, line)
        elif op == "drop" and lines:
            del lines[at]
        elif op == "indent":
            lines[at : at + 1] = [" " * draw(st.integers(0, 6)) + line.lstrip(" ")]
        elif op == "move" and lines:
            lines.insert(draw(st.integers(0, len(lines))), lines.pop(at))
        elif op == "tag":
            lines.insert(at, f"{indent}{key}: {draw(st.sampled_from(TAGS))}")
        elif op == "anchor":
            lines.insert(at, f"{indent}{key}: &a {draw(st.sampled_from(['1', '[1, 2]', '{x: 1}', 'text']))}")
            for _ in range(draw(st.integers(1, 3))):
                where = draw(st.integers(0, len(lines)))
                lines.insert(where, f"{indent}{key}: *a")
        elif op == "merge":
            lines.insert(at, f"{indent}<<: {draw(st.sampled_from(['*a', '{x: 1}', '[*a]']))}")
        elif op == "deep":
            lines.insert(at, f"{indent}{key}: {_nested(draw(st.integers(10, 3000)), draw(st.booleans()))}")
        elif op == "bomb":
            levels = draw(st.integers(2, 9))
            bomb = [f"{indent}b0: &b0 [x, x, x, x, x, x, x, x, x, x]"]
            bomb += [f"{indent}b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 10)}]" for i in range(1, levels)]
            bomb.append(f"{indent}{key}: *b{levels - 1}")
            lines[at:at] = bomb
        elif op == "doc":
            lines.insert(at, draw(st.sampled_from(["---", "...", "%YAML 1.1", "%TAG ! tag:example.com,2000:"])))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))
