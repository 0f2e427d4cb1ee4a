"""The fast YAML reader: the exact reader's data or a refusal, never something else; and the load path around it."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from showcall.bench.showgen import synthetic_show
from showcall.compile.showfile import load_show
from showcall.loader import fastyaml
from showcall.loader.nodes import ROUGH_LINE, STR_TAG, YFloat, YInt, YMap, YSeq, plain_tag
from showcall.loader.show import read_show
from showcall.loader.yamlsource import YamlSourceError, parse_yaml

REPO = Path(__file__).resolve().parents[2]
YAML_FILES = sorted([*REPO.glob("shows/**/*.yaml"), *REPO.glob("drivers/*.yaml")])

pytestmark = pytest.mark.skipif(not fastyaml.AVAILABLE, reason="rapidyaml is not installed")


@pytest.fixture(autouse=True)
def yaml_reader() -> str:
    """These tests choose their reader themselves (this replaces the conftest's two-reader fixture)."""
    return "each"


def same(a: Any, b: Any) -> bool:
    """Equal data of the same types: 1, 1.0 and True differ, and so do 12.50 and 12.5 written as text."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        pairs = zip(a.items(), b.items(), strict=False)
        return len(a) == len(b) and all(same(ka, kb) and same(va, vb) for (ka, va), (kb, vb) in pairs)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, YInt | YFloat):
        both_nan = isinstance(a, float) and math.isnan(a) and math.isnan(b)
        return a.source_text == b.source_text and (a == b or both_nan)
    return bool(a == b)


def exact_or_error(text: str) -> tuple[Any, bool]:
    try:
        return parse_yaml(text, "t.yaml"), True
    except YamlSourceError:
        return None, False


def fast_or_declined(text: str) -> tuple[Any, bool]:
    try:
        return fastyaml.parse(text, "t.yaml"), True
    except fastyaml.NotFast:
        return None, False


def assert_agree(text: str) -> bool:
    """The fast reader declines `text` or reads it as the exact reader does; True when it read it."""
    exact, exact_ok = exact_or_error(text)
    fast, fast_ok = fast_or_declined(text)
    assert exact_ok or not fast_ok, f"the fast reader accepted YAML the exact reader refuses:\n{text}"
    if fast_ok:
        assert same(exact, fast), f"the readers disagree on:\n{text}"
    return fast_ok


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_example_file_reads_the_same_and_fast(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if "\t" in text:  # shows/broken/tab.yaml: the fast reader leaves tabs to the exact one
        assert not assert_agree(text)
    else:
        assert assert_agree(text)


@pytest.mark.parametrize("cues", [1, 7, 250])
def test_generated_shows_read_the_same_and_fast(cues: int) -> None:
    assert assert_agree(synthetic_show(cues))


@pytest.mark.parametrize(
    "text",
    [
        # style decides type: quoted text, plain numbers, core-schema words
        "a: '12'\nb: 12\nc: \"12\"\nd: 012\ne: 12.50\nf: .5\ng: 1.\nh: 0x1F\ni: 0o17\nj: 1e3\nk: -0\n",
        "a: ~\nb:\nc: null\nd: 'null'\ne: True\nf: 'true'\ng: yes\nh: on\ni: .inf\nj: -.inf\nk: .nan\nl: NaN\n",
        "'1': one\n2: two\nnull: three\ntrue: four\n",
        "a: [1, '1', x, 'y', {b: 2.0, 'c': '2.0'}]\n",
        # scalar shapes: folding, escapes, block scalars and their chomping
        'a: one\n  two\n\n  three\nb: \'x\n  y\'\nc: "p\\\n  q"\nd: "tab\\there"\n',
        "a: |\n  lit\n   eral\nb: >\n  fol\n  ded\n\n  para\nc: |-\n  strip\nd: |+\n  keep\n\ne: x\n",
        "a: 'it''s'\nb: \"say \\\"hi\\\"\"\nc: é ü 😀\nd: a#b\ne: a:b\nf: http://x/y\n",
        # flow collections
        "a: {b: 1, c: [2, 3], d: {}}\ne: []\nf: [a: b, c]\ng: {x, y}\nh: {a:b}\n",
        "- - a\n  - b\n- c: d\n  e: f\n-\n  - g\n",
        # files as editors write them
        "---\na: 1\n",
        "a: 1\r\nb: [2, 3]\r\nc: |\r\n  x\r\n",
        "a: 1\nb: two",
    ],
)
def test_tricky_yaml_reads_the_same(text: str) -> None:
    assert assert_agree(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a:\n\tb: 1\n", "a tab"),
        ("a: &x 1\nb: *x\n", "anchors, aliases or tags"),
        ("a: !!str 1\n", "anchors, aliases or tags"),
        ("%YAML 1.1\n---\na: 1\n", "a directive"),
        ("a: 1\n---\nb: 2\n", "not exactly one document"),
        ("a: 1\na: 2\n", "a duplicate key"),
        ("1: a\ntrue: b\n", "a duplicate key"),  # 1 == True, as for the exact reader
        ("a: -.Inf\n", "JSON and the tree disagree on a scalar"),  # rapidyaml's JSON writes -.inf
        ("a: {?b: 1}\n", "a plain scalar starting with '?'"),
        ("a: |\n  no final newline", "a possible block scalar and no final newline"),
        ("a: 1\rb: 2\n", "a CR line break"),
        ("a: x\u2028y\n", "character U+2028"),
        ("}a: 1\n", "libyaml"),  # rapidyaml would read a key '}a'; libyaml refuses it
        ("@a: 1\n", "libyaml"),
        (": 1\n", "libyaml"),
        ("a: b: c\n", "libyaml"),
        ("a: [1, 2\n", "libyaml"),
        ("a: 1\x01\n", "libyaml"),
        ("just text\n", "the document is not a mapping or a list"),
        ("", "the document is not a mapping or a list"),
    ],
)
def test_what_the_fast_reader_declines(text: str, reason: str, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(fastyaml.NotFast, match=reason.replace("?", r"\?").replace("+", r"\+")):
        fastyaml.parse(text, "t.yaml")
    assert capfd.readouterr().err == ""  # rapidyaml's own error printing is muted
    assert_agree(text)


def test_fast_nodes_carry_the_placeholder_position() -> None:
    data = fastyaml.parse("a:\n  b: [1]\n", "t.yaml")
    assert isinstance(data, YMap)
    inner = data["a"]
    assert isinstance(inner, YMap)
    assert isinstance(inner["b"], YSeq)
    for pos in (data.pos, data.pos_of("a"), inner.key_pos_of("b"), inner["b"].pos_of(0)):
        assert (pos.path, pos.line, pos.col) == ("t.yaml", ROUGH_LINE, ROUGH_LINE)


@given(st.text(min_size=0, max_size=12))
def test_a_string_the_core_schema_types_is_always_looked_up(text: str) -> None:
    # the reader skips the tree for strings whose first character rules out any non-text type
    if plain_tag(text) != STR_TAG:
        assert text[:1] in fastyaml._LOOK_UP_FIRST


_SCALARS = [
    *("a", "b c", "12", "012", "1.50", ".5", "1.", "-3", "+4", "0x1F", "0o17", "1e3", "true", "True", "FALSE"),
    *("yes", "on", "~", "null", "", "-", "?", "?x", ":", "a:b", "a: b", "#x", "a #b", "a#b", "@x", "`x", "!x"),
    *("&x", "*x", "|", ">", "-x", "- x", "[x]", "{x}", "é", "😀", "a\\b", "a'b", 'a"b', "a,b", ".inf", ".nan"),
    *("1:30", "/eos/cue/1", "{id}", "x y  ", "  lead", "a\nb", "a\n\nb"),
]


def _scalar(rnd: random.Random, flow: bool) -> str:
    text = rnd.choice(_SCALARS)
    style = rnd.random()
    if style < 0.45 and text and text.strip() == text and "\n" not in text:
        return text
    if style < 0.7 and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if style < 0.9 or flow:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    indicator = rnd.choice(["|", ">", "|-", ">+"])
    return indicator + "".join(f"\n    {line}" for line in (text or "x").split("\n"))


def _flow(rnd: random.Random, depth: int) -> str:
    kind = rnd.random()
    if depth > 2 or kind < 0.5:
        return _scalar(rnd, flow=True)
    if kind < 0.75:
        return "[" + ", ".join(_flow(rnd, depth + 1) for _ in range(rnd.randint(0, 3))) + "]"
    pairs = (f"{_scalar(rnd, flow=True)}: {_flow(rnd, depth + 1)}" for _ in range(rnd.randint(0, 3)))
    return "{" + ", ".join(pairs) + "}"


def _block(rnd: random.Random, indent: int, depth: int) -> str:
    pad = " " * indent
    lines = []
    mapping = rnd.random() < 0.5
    for _ in range(rnd.randint(1, 4)):
        lead = f"{pad}{_scalar(rnd, flow=True)}:" if mapping else f"{pad}-"
        kind = rnd.random()
        if kind < 0.25 and depth < 3:
            lines.append(f"{lead}\n" + _block(rnd, indent + 2, depth + 1))
        elif kind < 0.45:
            lines.append(f"{lead} {_flow(rnd, 0)}")
        else:
            lines.append(f"{lead} {_scalar(rnd, flow=False)}")
        if rnd.random() < 0.1:
            lines.append(f"{pad}# a comment")
    return "\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_generated_yaml_reads_the_same_or_is_declined(rnd: random.Random) -> None:
    text = _block(rnd, 0, 0) + "\n"
    if rnd.random() < 0.4:  # a slip of the keyboard: most of these are invalid YAML, which must stay refused
        at = rnd.randrange(len(text) + 1)
        text = text[:at] + rnd.choice(":-?{}[],'\"#|> \n&*!%@`\\") + text[at:]
    if rnd.random() < 0.1:
        text = text.replace("\n", "\r\n")
    assert_agree(text)


@pytest.mark.parametrize("path", sorted(REPO.glob("shows/*.yaml")), ids=lambda p: p.name)
def test_read_show_fast_gives_the_same_show_with_a_way_back_to_positions(path: Path) -> None:
    fast = read_show(path, path.name)
    exact = read_show(path, path.name, fast=False)
    assert fast.problems == exact.problems == []
    assert fast.show == exact.show
    assert fast.sources is not None
    assert exact.sources is not None
    assert exact.sources.reread is None
    assert fast.sources.reread is not None
    assert fast.sources.root.pos.line == ROUGH_LINE
    again = fast.sources.reread()
    assert again.sources is not None
    assert again.sources.root.pos.line != ROUGH_LINE
    assert again.show == exact.show


@pytest.mark.parametrize("path", sorted(REPO.glob("shows/broken/*.yaml")), ids=lambda p: p.name)
def test_a_broken_show_reports_the_same_problems_either_way(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = load_show(path, path.name).problems
    monkeypatch.setattr(fastyaml, "AVAILABLE", False)
    exact = load_show(path, path.name).problems
    assert fast == exact
    assert fast
    assert all(problem.line != ROUGH_LINE for problem in fast)


@pytest.mark.parametrize("path", sorted(REPO.glob("shows/*.yaml")), ids=lambda p: p.name)
def test_the_plan_is_the_same_either_way(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = load_show(path, path.name)
    monkeypatch.setattr(fastyaml, "AVAILABLE", False)
    exact = load_show(path, path.name)
    assert fast.plan is not None
    assert exact.plan is not None
    assert [(c.id, c.messages) for c in fast.plan.cues] == [(c.id, c.messages) for c in exact.plan.cues]
    assert fast.plan.devices == exact.plan.devices


def test_without_rapidyaml_every_show_still_loads(tmp_path: Path) -> None:
    # a real interpreter where `import ryml` fails, as on a machine without the wheel
    code = (
        "import sys; sys.modules['ryml'] = None\n"
        "from showcall.loader import fastyaml\n"
        "from showcall.compile.showfile import load_show\n"
        "assert not fastyaml.AVAILABLE\n"
        f"loaded = load_show({str(REPO / 'shows' / 'summit.yaml')!r})\n"
        "assert loaded.ok and loaded.sources is not None and loaded.sources.reread is None, loaded.problems\n"
        f"broken = load_show({str(REPO / 'shows' / 'broken' / 'typo.yaml')!r})\n"
        "assert broken.problems and broken.problems[0].line > 0\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")


def test_a_file_changed_between_the_reads_reports_what_it_holds_now(tmp_path: Path) -> None:
    from showcall.compile.compiler import compile_show
    from showcall.loader.lint import lint_show

    path = tmp_path / "show.yaml"
    path.write_text(
        "showcall: 1\nshow: {title: T}\ndevices:\n  lx: {driver: eos, host: 127.0.0.1}\ndepartments: {LX: {}}\n"
        "cues:\n  - {id: 1, dept: SND, actions: [{lx.fly: {}}]}\n"
    )
    read = read_show(path, "show.yaml")
    assert read.problems == []  # undeclared SND (lint) and lx.fly (compile) are found later
    assert read.show is not None
    assert read.sources is not None
    path.write_text("showcall: 1\nshow: {title: T\n")  # saved, broken, before lint asks for positions
    expected = [
        "show.yaml:3:1: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at line 2)"
    ]
    assert [str(p) for p in lint_show(read.show, read.sources)] == expected
    _, problems = compile_show(read.show, read.sources, read.profiles)
    assert [str(p) for p in problems] == expected
