"""Provides what the doctor reports: one `Item` per check, with a `Level` (OK, WARN, FAIL), and the exit status.

An item says what was found in one line and, when it is not OK, the exact fix. Items carry plain `data` for
`--json`. The checks that make them are pure functions of facts (machine.py, devices.py, probe.py), so tests
hand them facts; facts.py and netprobe.py gather the facts from the real machine and network.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EXIT_FAIL", "EXIT_OK", "GROUP_MACHINE", "GROUP_SHOW", "Item", "Level", "counts", "exit_status", "worst"]

EXIT_OK = 0
EXIT_FAIL = 1
GROUP_MACHINE = "machine"
GROUP_SHOW = "show"


class Level(enum.IntEnum):
    """How bad an item is; the order matters (worst is highest)."""

    OK = 0
    WARN = 1
    FAIL = 2

    @property
    def word(self) -> str:
        """`ok`, `warn` or `fail`, as --json writes it."""
        return self.name.lower()


@dataclass(frozen=True)
class Item:
    """One check's verdict.

    `check` is a stable id (`realtime`, `device:lx`), `title` what a person reads (`real-time priority`),
    `found` one line on what was found, `fix` what to do (empty when OK; may span lines, each a step),
    `detail` extra lines to print under it (a show's problems), `data` the figures behind it for --json.
    """

    group: str
    check: str
    title: str
    level: Level
    found: str
    fix: str = ""
    detail: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The item as --json prints it."""
        return {
            "group": self.group,
            "check": self.check,
            "title": self.title,
            "level": self.level.word,
            "found": self.found,
            "fix": self.fix or None,
            "detail": list(self.detail),
            "data": dict(self.data),
        }


def worst(items: Iterable[Item]) -> Item | None:
    """The first of the worst items, or None when there are none."""
    best: Item | None = None
    for item in items:
        if best is None or item.level > best.level:
            best = item
    return best


def counts(items: Iterable[Item]) -> dict[str, int]:
    """How many items of each level: `{"ok": 9, "warn": 1, "fail": 0}`."""
    tally = {level.word: 0 for level in Level}
    for item in items:
        tally[item.level.word] += 1
    return tally


def exit_status(items: Iterable[Item], *, strict: bool = False) -> int:
    """0 when nothing failed, 1 when an item is FAIL (or, with `strict`, WARN)."""
    top = worst(items)
    if top is None:
        return EXIT_OK
    bar = Level.WARN if strict else Level.FAIL
    return EXIT_FAIL if top.level >= bar else EXIT_OK
