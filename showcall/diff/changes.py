"""Provides the result of comparing two shows: what changed, grouped by department, and its JSON form.

A `ShowDiff` has one `DeptChanges` per department with a changed cue (in the departments' order),
and the show-wide changes (`ItemChange`: the show block, segments, devices, departments, packs).
A cue whose department changed is listed under both, so both operators see it.

JSON (`ShowDiff.as_json()`):

```
{"equal": false, "summary": "3 cues, 1 segment and 1 device changed",
 "departments": [
   {"dept": "LX", "name": "Lighting", "cues": [
     {"change": "changed", "cue": "LX 12", "dept": "LX", "id": "12", "label": "...", "segment": "open",
      "packs": ["walkup"], "changed_packs": ["walkup"],
      "fields": [{"field": "label", "old": "Stage up", "new": "Stage up on the sting"}],
      "sends": [{"op": "removed", "device": "lx", "offset_ns": 0, "message": "/eos/cue/1/12/fire",
                 "bytes": "2f656f73..."}, {"op": "added", ...}]}]}],
 "show": [{"change": "changed", "kind": "device", "name": "lx", "title": "",
           "fields": [{"field": "host", "old": "10.0.0.10", "new": "10.0.0.11"}], "touches": []}]}
```

`change` is added, removed or changed. A cue's `fields` name: id (renumbered), dept, segment,
position (moved among the other cues: `after LX 11`, `first`), label, standby, go (the trigger),
notes; an added cue lists what it is (segment, position, go, label, ...) with `old` null, a
removed one with `new` null. `sends` are the device messages the cue compiles to, removed then
added in send order (`offset_ns` after GO). `touches` lists, for a pack, the cues whose change
came through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ChangeKind = Literal["added", "removed", "changed"]
ItemKind = Literal["show", "segment", "device", "department", "pack"]
_SUMMARY_WORDS = (
    ("show", "show setting"),
    ("segment", "segment"),
    ("device", "device"),
    ("department", "department"),
    ("pack", "pack"),
)


@dataclass(frozen=True)
class FieldChange:
    """One value that changed; `old` is None for something added, `new` for something removed."""

    field: str
    old: str | None
    new: str | None

    def as_json(self) -> dict[str, Any]:
        """As plain data."""
        return {"field": self.field, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class SendChange:
    """A device message a cue no longer sends (`removed`) or now sends (`added`)."""

    op: Literal["removed", "added"]
    device: str
    offset_ns: int
    message: str
    payload: bytes

    def as_json(self) -> dict[str, Any]:
        """As plain data."""
        return {
            "op": self.op,
            "device": self.device,
            "offset_ns": self.offset_ns,
            "message": self.message,
            "bytes": self.payload.hex(),
        }


@dataclass(frozen=True)
class CueChange:
    """A cue added, removed or changed. `id`, `dept`, `label` and `segment` are the new cue's (the
    old one's when removed); `packs` the packs it came from, `changed_packs` those that changed."""

    kind: ChangeKind
    dept: str
    id: str
    label: str
    segment: str | None
    fields: tuple[FieldChange, ...] = ()
    sends: tuple[SendChange, ...] = ()
    packs: tuple[str, ...] = ()
    changed_packs: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The cue as the trade says it: `LX 12`."""
        return f"{self.dept} {self.id}"

    def as_json(self) -> dict[str, Any]:
        """As plain data."""
        return {
            "change": self.kind,
            "cue": self.name,
            "dept": self.dept,
            "id": self.id,
            "label": self.label,
            "segment": self.segment,
            "packs": list(self.packs),
            "changed_packs": list(self.changed_packs),
            "fields": [f.as_json() for f in self.fields],
            "sends": [s.as_json() for s in self.sends],
        }


@dataclass(frozen=True)
class ItemChange:
    """A show-wide change: the show block, a segment, device, department or pack. `title` is a
    segment's title or a department's name (the new one; the old one when removed), else empty."""

    kind: ChangeKind
    what: ItemKind
    name: str
    fields: tuple[FieldChange, ...] = ()
    touches: tuple[str, ...] = ()
    title: str = ""

    def as_json(self) -> dict[str, Any]:
        """As plain data."""
        return {
            "change": self.kind,
            "kind": self.what,
            "name": self.name,
            "title": self.title,
            "fields": [f.as_json() for f in self.fields],
            "touches": list(self.touches),
        }


@dataclass(frozen=True)
class DeptChanges:
    """One department's changed cues, in the new show's firing order."""

    dept: str
    name: str
    cues: tuple[CueChange, ...]

    def as_json(self) -> dict[str, Any]:
        """As plain data."""
        return {"dept": self.dept, "name": self.name, "cues": [c.as_json() for c in self.cues]}


@dataclass(frozen=True)
class ShowDiff:
    """Everything that changed between two shows (see the module docstring)."""

    departments: tuple[DeptChanges, ...] = ()
    show: tuple[ItemChange, ...] = ()

    @property
    def equal(self) -> bool:
        """True when nothing changed."""
        return not self.departments and not self.show

    @property
    def cues_changed(self) -> int:
        """How many cues were added, removed or changed (a cue listed under two departments counts once)."""
        return len({change for dept in self.departments for change in dept.cues})

    def only(self, groups: set[str]) -> ShowDiff:
        """The changes of the departments in `groups` (codes; `show` for the show-wide ones)."""
        departments = tuple(d for d in self.departments if d.dept in groups)
        return ShowDiff(departments, self.show if "show" in groups else ())

    def summary(self, since: str = "") -> str:
        """`3 cues, 1 segment and 1 device changed` (+ ` since` text), or `no changes`."""
        if self.equal:
            return f"no changes {since}".rstrip()
        counts = [(self.cues_changed, "cue")]
        for what, word in _SUMMARY_WORDS:
            counts.append((sum(1 for item in self.show if item.what == what), word))
        parts = [f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts if n]
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"{listed} changed {since}".rstrip()

    def as_json(self) -> dict[str, Any]:
        """The whole diff as plain data (the shape in the module docstring)."""
        return {
            "equal": self.equal,
            "summary": self.summary(),
            "departments": [d.as_json() for d in self.departments],
            "show": [item.as_json() for item in self.show],
        }
