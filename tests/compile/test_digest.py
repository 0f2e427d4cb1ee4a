"""plan_digest: one show, one digest in any process or folder; an edit to what is sent or called changes it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from showcall.compile.digest import plan_digest
from showcall.compile.showfile import load_show
from showcall.diff import record_show

REPO = Path(__file__).resolve().parents[2]
PRINT_DIGEST = (
    "import sys; from showcall.compile.showfile import load_show; from showcall.compile.digest import plan_digest; "
    "print(plan_digest(load_show(sys.argv[1]).plan))"
)


def digest(path: Path) -> str:
    loaded = load_show(path)
    assert loaded.plan is not None, [str(p) for p in loaded.problems]
    return plan_digest(loaded.plan)


@pytest.fixture
def shows(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "shows", tmp_path / "shows")
    return tmp_path / "shows"


def test_same_show_same_digest_in_two_processes_and_two_folders(shows: Path, tmp_path: Path) -> None:
    here = digest(shows / "summit.yaml")
    assert re.fullmatch(r"[0-9a-f]{64}", here)
    moved = tmp_path / "elsewhere" / "deeper"
    shutil.copytree(shows, moved)
    seen = {here, digest(moved / "summit.yaml")}
    for seed in ("1", "2"):  # str hashes differ between these processes; the digest must not
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", PRINT_DIGEST, str(moved / "summit.yaml")],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=True,
        )
        seen.add(done.stdout.strip())
    assert seen == {here}


def test_every_example_show_has_its_own_digest(shows: Path) -> None:
    names = ["summit.yaml", "concert.yaml", "theatre.yaml", "tiny.yaml"]
    assert len({digest(shows / name) for name in names}) == len(names)


def test_the_record_has_the_plans_digest(shows: Path) -> None:
    loaded = load_show(shows / "concert.yaml")
    assert loaded.plan is not None and loaded.sources is not None
    assert record_show(loaded.plan, loaded.sources).digest == plan_digest(loaded.plan)


# (file, text, replacement): each edit changes what is sent or what the caller calls
EDITS = {
    "label": ("summit.yaml", "        label: House out\n", "        label: House out, slowly\n"),
    "standby words": ("summit.yaml", "standby: Standby lights 10 and sound 10", "standby: Standby lights 10"),
    "notes": ("summit.yaml", "notes: Read live from the booth mic.", "notes: Read live."),
    "department": ("theatre.yaml", "  - id: FX1\n    dept: SFX\n", "  - id: FX1\n    dept: SND\n"),
    "trigger": ("summit.yaml", "        go: {follow: 5s}", "        go: {follow: 4s}"),
    "trigger kind": ("summit.yaml", "        go: {follow: 5s}", "        go: {after: 5s}"),
    "cue id": ("summit.yaml", '      - id: "24"\n        dept: VID\n', '      - id: "23"\n        dept: VID\n'),
    "action parameter": (
        "summit.yaml",
        '- lx.fire: {cue: 40}\n      - id: "35"',
        '- lx.fire: {cue: 42}\n      - id: "35"',
    ),
    "wait": ("summit.yaml", "          - wait: 45s\n", "          - wait: 40s\n"),
    "OSC argument type": ("summit.yaml", "/card/agenda, args: [{i: 1}]", "/card/agenda, args: [{f: 1}]"),
    "pack default": ("packs/corporate.yaml", "special: {default: 40,", "special: {default: 45,"),
    "device host": ("packs/corporate.yaml", "driver: x32\n    host: 127.0.0.1", "driver: x32\n    host: 127.0.0.2"),
    "device port": ("packs/corporate.yaml", "    port: 9000\n", "    port: 9001\n"),
    "MSC device id": ("concert.yaml", "    device_id: 1\n", "    device_id: 2\n"),
    "segment duration": ("summit.yaml", "    duration: 3m\n", "    duration: 2m30s\n"),
    "segment title": ("summit.yaml", "    title: Open video\n", "    title: Opener\n"),
    "show title": ("tiny.yaml", "  title: Tiny Show\n", "  title: Tiny Show 2\n"),
    "go guard": ("theatre.yaml", "  go_guard: 500ms ", "  go_guard: 400ms "),
    "operator": ("theatre.yaml", 'operator: "Flyman (Rob)"', 'operator: "Flyman (Sue)"'),
}
SHOW_OF = {"packs/corporate.yaml": "summit.yaml"}


def edit(shows: Path, name: str, text: str, replacement: str) -> None:
    path = shows / name
    source = path.read_text(encoding="utf-8")
    assert source.count(text) == 1, text
    path.write_text(source.replace(text, replacement), encoding="utf-8")


@pytest.mark.parametrize("what", list(EDITS))
def test_an_edit_changes_the_digest(shows: Path, what: str) -> None:
    name, text, replacement = EDITS[what]
    show = shows / SHOW_OF.get(name, name)
    before = digest(show)
    edit(shows, name, text, replacement)
    assert digest(show) != before


def test_edits_give_different_digests_from_each_other(tmp_path: Path) -> None:
    found: dict[str, str] = {}
    for what, (name, text, replacement) in EDITS.items():
        if SHOW_OF.get(name, name) != "summit.yaml":
            continue
        copy = tmp_path / what.replace(" ", "-")
        shutil.copytree(REPO / "shows", copy)
        edit(copy, name, text, replacement)
        found[what] = digest(copy / "summit.yaml")
    assert len(set(found.values())) == len(found) > 10


@pytest.mark.parametrize(
    ("text", "replacement"),
    [
        ("go: {follow: 2s}", "go: {follow: 2000ms}"),
        ("lx.fire: {cue: 1}", "lx.fire: {list: 1, cue: 1}"),  # the default, written out, in another order
        ('  - id: "1"\n    dept: LX\n', "  - dept: LX\n    id: '1'\n"),
        ("    label: Preshow music out\n", "    label: Preshow music out\n    standby: Standby SND 2\n"),
        ("# The smallest useful show", "# A comment changed: the smallest useful show"),
    ],
)
def test_the_same_show_written_differently_keeps_its_digest(shows: Path, text: str, replacement: str) -> None:
    before = digest(shows / "tiny.yaml")
    edit(shows, "tiny.yaml", text, replacement)
    assert digest(shows / "tiny.yaml") == before
