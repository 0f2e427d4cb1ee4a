"""Provides `compare` (two shows -> a ShowDiff) and `changes_since` (the same, for "changed since the last run")."""

from __future__ import annotations

from collections import defaultdict

from showcall.diff.changes import CueChange, DeptChanges, ItemChange, ShowDiff
from showcall.diff.cues import compare_cues
from showcall.diff.record import ShowRecord
from showcall.diff.showparts import compare_show_parts
from showcall.loader.gcpause import gc_paused


def compare(old: ShowRecord, new: ShowRecord) -> ShowDiff:
    """Everything that changed from `old` to `new`: cues by department, then the show-wide changes."""
    with gc_paused():  # many small objects, no cycles (see showcall.loader.gcpause)
        return _compare(old, new)


def _compare(old: ShowRecord, new: ShowRecord) -> ShowDiff:
    items, segment_ids, packs = compare_show_parts(old, new)
    changed_packs = set(packs)
    placed = compare_cues(old, new, segment_ids, changed_packs)

    by_dept: defaultdict[str, list[CueChange]] = defaultdict(list)
    touches: defaultdict[str, list[str]] = defaultdict(list)
    for each in placed:
        by_dept[each.change.dept].append(each.change)
        if each.old_dept is not None:
            by_dept[each.old_dept].append(each.change)
        for pack in each.change.changed_packs:
            touches[pack].append(each.change.name)
    for name, item in packs.items():
        items.append(ItemChange(item.kind, item.what, item.name, item.fields, tuple(touches.get(name, ())), item.title))

    order = [*new.show.departments, *(code for code in old.show.departments if code not in new.show.departments)]
    order += sorted(code for code in by_dept if code not in order)  # not declared: cannot load, but never dropped
    departments = tuple(
        DeptChanges(code, _dept_name(code, old, new), tuple(by_dept[code])) for code in order if by_dept.get(code)
    )
    return ShowDiff(departments, tuple(items))


def changes_since(previous: ShowRecord, current: ShowRecord) -> ShowDiff:
    """What changed since `previous` (the show kept at an earlier run): `compare(previous, current)`.

    Its `summary("since the last run")` is the console's banner: `12 cues changed since the last run`.
    """
    return compare(previous, current)


def _dept_name(code: str, old: ShowRecord, new: ShowRecord) -> str:
    dept = new.show.departments.get(code) or old.show.departments.get(code)
    return (dept.name or "") if dept is not None else ""
