"""The diff shown in docs/report.md is the real output for the edits it describes."""

from __future__ import annotations

import re
from pathlib import Path

from showcall.diff.render import render_text

from support.showpairs import REPO, ShowPair

# The edits docs/report.md describes ("run of show v8"), in the order it lists them.
EDITS = [
    (
        "summit.yaml",
        "        label: House out\n        go: {follow: 5s}",
        "        label: House out\n        go: {follow: 3s}",
    ),
    ("summit.yaml", "    duration: 3m\n", "    duration: 2m30s\n"),
    (
        "summit.yaml",
        "          - osc: {device: gfx, address: /card/logo, args: [{i: 1}]}\n",
        "          - osc: {device: gfx, address: /card/logo, args: [{i: 1}]}\n"
        '      - id: "14"\n        dept: GFX\n        label: Sponsor logo loop\n        go: {follow: 10s}\n'
        "        actions:\n          - osc: {device: gfx, address: /loop/sponsors, args: [{i: 1}]}\n",
    ),
    ("summit.yaml", '      - id: "24"\n        dept: VID\n', '      - id: "23"\n        dept: VID\n'),
    ("summit.yaml", "standby: Standby video 24 and lights 24.1", "standby: Standby video 23 and lights 24.1"),
    ("summit.yaml", '{cue: 40}\n      - id: "35"', '{cue: 42}\n      - id: "35"'),
    ("summit.yaml", '      - id: "43"\n        dept: CAM\n        label: Back to IMAG on the centre screen\n', ""),
    ("packs/corporate.yaml", "special: {default: 40,", "special: {default: 45,"),
    ("packs/corporate.yaml", "driver: x32\n    host: 127.0.0.1", "driver: x32\n    host: 10.0.0.20"),
]


def documented_block() -> str:
    """The first ``` block after the `## showcall diff` heading that starts with the diff's own first line."""
    text = (REPO / "docs" / "report.md").read_text(encoding="utf-8")
    section = text.split("\n## showcall diff\n", 1)[1]
    blocks = re.findall(r"```text\n(.*?)```", section, flags=re.DOTALL)
    return next(block for block in blocks if block.startswith("showcall diff: "))


def test_the_documented_diff_is_the_real_one(tmp_path: Path) -> None:
    pair = ShowPair(tmp_path)
    for name, before, after in EDITS:
        pair.edit(name, before, after)
    assert render_text(pair.diff(), "v7:shows/summit.yaml", "shows/summit.yaml") == documented_block()
