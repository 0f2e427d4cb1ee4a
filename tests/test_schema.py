"""The JSON Schemas accept every example file and refuse a typo, checked by an independent validator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from showcall.loader.yamlsource import parse_yaml
from showcall.schema import schema

REPO = Path(__file__).resolve().parents[1]


def data(path: Path) -> Any:
    return parse_yaml(path.read_text(encoding="utf-8"), str(path))


def errors(kind: str, path: Path) -> list[str]:
    """Every error, including those inside anyOf branches, as `path: message`."""
    validator = Draft7Validator(schema(kind))  # type: ignore[arg-type]
    found: list[str] = []
    stack = list(validator.iter_errors(data(path)))
    while stack:
        error = stack.pop()
        found.append(f"{'/'.join(map(str, error.absolute_path))}: {error.message}")
        stack.extend(error.context or [])
    return found


def test_the_schemas_are_valid_draft_7() -> None:
    for kind in ("show", "include", "profile"):
        Draft7Validator.check_schema(schema(kind))  # type: ignore[arg-type]


@pytest.mark.parametrize("show", sorted((REPO / "shows").glob("*.yaml")), ids=lambda p: p.stem)
def test_example_shows_are_valid(show: Path) -> None:
    assert errors("show", show) == []


def test_included_files_and_profiles_are_valid() -> None:
    for included in (REPO / "shows" / "packs").glob("*.yaml"):
        assert errors("include", included) == [], included
    for profile in [*(REPO / "drivers").glob("*.yaml"), *(REPO / "shows" / "drivers").glob("*.yaml")]:
        assert errors("profile", profile) == [], profile


def test_a_typo_and_a_bad_name_are_refused(tmp_path: Path) -> None:
    show = tmp_path / "show.yaml"
    show.write_text(
        "showcall: 1\nshow: {title: T, go_guard: fast}\ndevices: {'bad name': {driver: osc}}\n"
        "departments: {LX: {}}\n"
        "cues:\n  - {id: 1, dept: LX, lable: x, actions: [{lx.fire: {cue: 1}}, {osc: {adress: /x}}]}\n"
    )
    found = errors("show", show)
    assert any("lable" in e for e in found)
    assert any("bad name" in e for e in found)
    assert any("fast" in e for e in found)
    assert any(e.startswith("cues/0/actions/1/osc: 'address' is a required property") for e in found)
    assert not any(e.startswith("cues/0/actions/0") for e in found)  # lx.fire is a fine device action
