"""Provides the doctor's two outputs: text for a person at 80 columns, and the `--json` document.

Text: the items grouped (this machine, then the show's devices), worst first within each group, one
`LEVEL  title: what was found` line each (wrapped), the fix under it, and a final verdict line. Commands
in a fix (its lines indented by two spaces) are never wrapped, so they can be copied whole.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from showcall.doctor.items import GROUP_MACHINE, GROUP_SHOW, Item, Level, counts, exit_status, worst

__all__ = ["JSON_VERSION", "as_json", "render_text", "verdict_line"]

JSON_VERSION = 1
WIDTH = 80
INDENT = " " * 8
FIX_INDENT = " " * 13


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False) or [
        first.rstrip()
    ]


def _fix_lines(fix: str) -> list[str]:
    lines: list[str] = []
    for number, part in enumerate(fix.splitlines()):
        if part.startswith("  "):  # a command or a file's line: copied as it is, never wrapped
            lines.append(FIX_INDENT + part)
        elif number == 0:
            lines += _wrap(part, INDENT + "fix: ", FIX_INDENT)
        else:
            lines += _wrap(part, FIX_INDENT, FIX_INDENT)
    return lines


def _item_lines(item: Item) -> list[str]:
    lines = _wrap(f"{item.title}: {item.found}", f"  {item.level.name:<4}  ", INDENT)
    lines += [INDENT + line for line in item.detail]
    if item.fix:
        lines += _fix_lines(item.fix)
    return lines


def verdict_line(items: Sequence[Item], *, strict: bool = False) -> str:
    """The last line: the counts and what they mean for the show."""
    tally = counts(items)
    top = worst(items)
    if top is None or top.level is Level.OK:
        return f"verdict: all {len(items)} OK: ready for the show"
    parts = [f"{tally[level.word]} {level.name}" for level in reversed(Level) if tally[level.word]]
    if top.level is Level.FAIL:
        meaning = "fix the FAIL items before the show"
    elif strict:
        meaning = "--strict: warnings count as failures"
    else:
        meaning = "ready, with the warnings above"
    return f"verdict: {', '.join(parts)}: {meaning}"


def render_text(items: Sequence[Item], *, header: str, show: str | None, strict: bool = False) -> str:
    """The whole human report (see module docstring)."""
    lines = [header]
    groups = [(GROUP_MACHINE, "this machine")]
    if show is not None:
        groups.append((GROUP_SHOW, f"the show's devices ({show})"))
    for group, title in groups:
        # Worst first; the show file's own item heads its group (the devices are only probed when it loads).
        members = sorted((i for i in items if i.group == group), key=lambda i: (i.check != "show", -i.level))
        lines += ["", title]
        for item in members:
            lines += _item_lines(item)
    lines += ["", verdict_line(items, strict=strict)]
    return "\n".join(lines)


def as_json(items: Sequence[Item], *, facts: dict[str, Any], strict: bool = False) -> dict[str, Any]:
    """The --json document (its shape is in docs/doctor.md)."""
    top = worst(items)
    return {
        "doctor": JSON_VERSION,
        "verdict": (top.level if top else Level.OK).word,
        "exit_status": exit_status(items, strict=strict),
        "strict": strict,
        "counts": counts(items),
        **facts,
        "items": [item.as_dict() for item in items],
    }
