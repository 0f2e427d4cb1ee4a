"""The YAML reader on its own: core-schema values, every key's and value's position, and YAML-level problems.

The expected problem texts are what the reader gave before its converter was rewritten for speed (the same
cases were run against main's code and compared).
"""

from __future__ import annotations

import pytest

from showcall.loader.nodes import Pos, YFloat, YInt, YMap, YSeq
from showcall.loader.yamlsource import YamlSourceError, parse_yaml


def problems(text: str) -> list[str]:
    with pytest.raises(YamlSourceError) as caught:
        parse_yaml(text, "show.yaml")
    return [str(p) for p in caught.value.problems]


def test_plain_scalars_follow_the_core_schema_and_keep_their_source_text() -> None:
    data = parse_yaml("a: 012\nb: '12'\nc: 12.50\nd: on\ne: ~\nf: 0x1F\ng: .inf\nh: 19:30\ni: True\n", "show.yaml")
    assert data == {"a": 12, "b": "12", "c": 12.5, "d": "on", "e": None, "f": 31, "g": float("inf"), "h": "19:30"} | {
        "i": True
    }
    assert isinstance(data["a"], YInt)
    assert data["a"].source_text == "012"
    assert isinstance(data["c"], YFloat)
    assert data["c"].source_text == "12.50"
    assert type(data["b"]) is str
    assert data["i"] is True


def test_every_key_value_and_item_has_its_position() -> None:
    data = parse_yaml("showcall: 1\ncues:\n  - {id: 1, label: 'x'}\n  -   id: 2\n", "show.yaml")
    assert isinstance(data, YMap)
    assert data.pos == Pos("show.yaml", 1, 1)
    assert (data.key_pos_of("cues"), data.pos_of("cues")) == (Pos("show.yaml", 2, 1), Pos("show.yaml", 3, 3))
    cues = data["cues"]
    assert isinstance(cues, YSeq)
    assert [cues.pos_of(0), cues.pos_of(1)] == [Pos("show.yaml", 3, 5), Pos("show.yaml", 4, 7)]
    assert (cues[0].key_pos_of("label"), cues[0].pos_of("label")) == (Pos("show.yaml", 3, 13), Pos("show.yaml", 3, 20))
    assert cues[1].pos_of("id") == Pos("show.yaml", 4, 11)
    assert cues.pos_of(5) == cues.pos  # out of range: the sequence itself


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "showcall: 1\nshow: {title: T}\nshow: {title: U}\n",
            ["show.yaml:3:1: duplicate key 'show' (first at line 2)"],
        ),
        (
            "showcall: 1\nshow: {title: !!binary aGk=}\n",
            ["show.yaml:2:15: YAML tag 'tag:yaml.org,2002:binary' is not supported in show files; remove it"],
        ),
        (
            "showcall: 1\nshow:\n  title: !mine T\n",
            ["show.yaml:3:10: YAML tag '!mine' is not supported in show files; remove it"],
        ),
        ("showcall: 1\n? [a, b]\n: 1\n", ["show.yaml:2:3: a mapping key must be a plain value"]),
        (
            "showcall: 1\n? {x: !odd 1}\n: 1\n",
            [
                "show.yaml:2:7: YAML tag '!odd' is not supported in show files; remove it",
                "show.yaml:2:3: a mapping key must be a plain value",
            ],
        ),
        (
            "showcall: 1\nbase: &b {title: T}\nshow:\n  !!merge <<: *b\n",
            ["show.yaml:4:3: YAML merge keys ('<<') are not supported in show files; use a cue pack"],
        ),
        (
            "showcall: 1\n---\nshowcall: 1\n",
            ["show.yaml:3:1: more than one YAML document ('---'): a file holds one show"],
        ),
        (
            'showcall: 1\nshow: {title: "a\x07"}\n',
            ["show.yaml:2:17: contains a control character that YAML does not allow"],
        ),
        (
            "showcall: 1\nshow: {title: T\n",
            ["show.yaml:3:1: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at line 2)"],
        ),
        (
            "a: !x 1\nb: 2\nb: 3\n[c]: 4\n",
            [
                "show.yaml:1:4: YAML tag '!x' is not supported in show files; remove it",
                "show.yaml:3:1: duplicate key 'b' (first at line 2)",
                "show.yaml:4:1: a mapping key must be a plain value",
            ],
        ),
        ("- !y 1\n- 2\n", ["show.yaml:1:3: YAML tag '!y' is not supported in show files; remove it"]),
    ],
    ids=[
        "duplicate-key",
        "core-tag",
        "local-tag",
        "list-as-key",
        "problem-inside-a-key",
        "merge-key",
        "two-documents",
        "control-character",
        "syntax",
        "all-problems-reported",
        "list-at-the-top",
    ],
)
def test_yaml_problems_are_located(text: str, expected: list[str]) -> None:
    assert problems(text) == expected
