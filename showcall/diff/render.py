"""Provides `render_text`: a ShowDiff as text an operator reads, one department after another, 80 columns wide.

```
LX  Lighting: 1 cue
  ~ LX 13  Stage up on the logo sting
      trigger: manual -> follow 2s
      sends:
        - lx /eos/cue/1/12/fire
        + lx /eos/cue/1/13/fire
```

`+` added, `-` removed, `~` changed. A send that is not at GO says when (`(+8.1s)`); two sends that
read the same but differ in their bytes show the bytes.
"""

from __future__ import annotations

import textwrap

from showcall.diff.changes import CueChange, FieldChange, ItemChange, SendChange, ShowDiff
from showcall.model.times import format_duration

WIDTH = 80
MARKS = {"added": "+", "removed": "-", "changed": "~"}
LEGEND = "+ added  - removed  ~ changed"
_LABELS = {
    "id": "renumbered",
    "dept": "department",
    "position": "order",
    "go": "trigger",
    "go_guard": "go guard",
    "midi_port": "MIDI port",
    "device_id": "MSC device id",
    "command_format": "MSC command format",
}


def render_text(diff: ShowDiff, old: str, new: str) -> str:
    """The whole diff of `old` against `new` (names as the user gave them), ending with a newline."""
    lines = _wrap(f"showcall diff: {old} -> {new}", "", "  ")
    if diff.equal:
        return "\n".join([*lines, "no changes", ""])
    lines += [f"{diff.summary()}   ({LEGEND})"]
    for dept in diff.departments:
        count = f"{len(dept.cues)} cue{'' if len(dept.cues) == 1 else 's'}"
        lines += ["", f"{dept.dept}  {dept.name}: {count}" if dept.name else f"{dept.dept}: {count}"]
        for change in dept.cues:
            lines += _cue(change)
    if diff.show:
        lines += ["", f"show: {len(diff.show)} change{'' if len(diff.show) == 1 else 's'}"]
        for item in diff.show:
            lines += _item(item)
    return "\n".join(lines) + "\n"


def _cue(change: CueChange) -> list[str]:
    lines = _wrap(f"{MARKS[change.kind]} {change.name}  {change.label}".rstrip(), "  ", "      ")
    for pack in change.packs:
        state = " (the pack changed)" if pack in change.changed_packs else ""
        lines += _wrap(f"from pack {pack}{state}", "      ", "        ")
    for field in change.fields:
        lines += _field(field)
    if change.sends:
        lines.append("      sends:")
        lines += _sends(change.sends)
    return lines


def _item(item: ItemChange) -> list[str]:
    title = f"  {item.title}" if item.title else ""
    lines = _wrap(f"{MARKS[item.kind]} {item.what} {item.name}{title}", "  ", "      ")
    for field in item.fields:
        lines += _field(field)
    if item.what == "pack":
        lines += _wrap(f"touches: {', '.join(item.touches) or 'no cue'}", "      ", "        ")
    return lines


def _field(field: FieldChange) -> list[str]:
    label = _LABELS.get(field.field, field.field)
    indent = "      "
    old, new = (None if value is None else value.strip() for value in (field.old, field.new))
    if old is None or new is None:
        return _wrap(f"{label}: {new if old is None else old}", indent, indent + "  ")
    one = f"{indent}{label}: {old} -> {new}"
    if len(one) <= WIDTH and "\n" not in one:
        return [one]
    return [
        f"{indent}{label}:",
        *_wrap(f"was: {old}", indent + "  ", indent + "       "),
        *_wrap(f"now: {new}", indent + "  ", indent + "       "),
    ]


def _sends(sends: tuple[SendChange, ...]) -> list[str]:
    shown = [(s.device, s.offset_ns, s.message) for s in sends]
    lines = []
    for send, key in zip(sends, shown, strict=True):
        mark = "-" if send.op == "removed" else "+"
        at = f" (+{format_duration(send.offset_ns)})" if send.offset_ns else ""
        text = f"{mark} {send.device} {send.message}{at}"
        if shown.count(key) > 1:  # reads the same as another line here: the bytes tell them apart
            text += f" [bytes {send.payload.hex()}]"
        lines += _wrap(text, "        ", "            ")
    return lines


def _wrap(text: str, first: str, rest: str) -> list[str]:
    """`text` in lines of at most WIDTH columns (newlines in it kept as breaks)."""
    out: list[str] = []
    for number, paragraph in enumerate(text.splitlines() or [""]):
        out += textwrap.wrap(
            paragraph,
            width=WIDTH,
            initial_indent=first if number == 0 else rest,
            subsequent_indent=rest,
            break_on_hyphens=False,
            drop_whitespace=True,
        ) or [(first if number == 0 else rest).rstrip()]
    return out
