"""Provides the cue half of a show comparison: which cue is which, and what changed in each.

Matching, in this order (each cue is matched at most once):
1. the same cue id on both sides (ids are unique in a show);
2. among the cues left, the same department, label and device messages (device, offset from GO
   and wire bytes): the same cue renumbered; two such cues pair in firing order;
3. among the cues still left, the same department and label when exactly one cue on each side
   has it: renumbered and changed. A cue with no label is never matched this way.
What is left in the old show was removed; what is left in the new one was added.

A matched cue is "moved" (field `position`) when it is not in the longest run of matched cues
that kept their relative order, so one cue dragged elsewhere shows as one move, not as every
cue it jumped over.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter, defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from showcall.compile.digest import trigger_key
from showcall.compile.plan import WireMessage
from showcall.diff.changes import ChangeKind, CueChange, FieldChange, SendChange
from showcall.diff.record import CueFacts, ShowRecord
from showcall.model.show import Cue, describe_trigger


@dataclass(frozen=True)
class Placed:
    """A cue change and where it sorts in its department's list (the new show's firing order)."""

    order: tuple[int, int, int]
    change: CueChange
    old_dept: str | None = None  # set when the cue moved to another department: listed under both


def compare_cues(
    old: ShowRecord, new: ShowRecord, segment_ids: Mapping[str, str], changed_packs: set[str]
) -> list[Placed]:
    """Every cue added, removed or changed; `segment_ids` maps an old segment id to its new one."""
    old_cues, new_cues = old.cue_list(), new.cue_list()
    pairs = _match(old_cues, new_cues)  # new index -> old index
    moved = _moved(pairs)
    placed: list[Placed] = []
    old_to_new = {i: j for j, i in pairs.items()}
    for j, (cue, facts) in enumerate(new_cues):
        i = pairs.get(j)
        if i is None:
            placed.append(Placed((j, 0, 0), _added(cue, facts, _after(new_cues, j), changed_packs)))
            continue
        old_cue, old_facts = old_cues[i]
        position = (_after(old_cues, i), _after(new_cues, j)) if j in moved else None
        change = _changed(old_cue, old_facts, cue, facts, segment_ids, position, changed_packs)
        if change is not None:
            placed.append(Placed((j, 0, 0), change, old_cue.dept if old_cue.dept != cue.dept else None))
    for i, (cue, facts) in enumerate(old_cues):
        if i not in old_to_new:
            before = next((old_to_new[k] for k in range(i - 1, -1, -1) if k in old_to_new), -1)
            placed.append(Placed((before, 1, i), _removed(cue, facts, _after(old_cues, i), changed_packs)))
    placed.sort(key=lambda p: p.order)
    return placed


# ---- matching -----------------------------------------------------------------------------------

_Entry = tuple[Cue, CueFacts]


def _wire(facts: CueFacts) -> tuple[tuple[str, int, bytes], ...]:
    return tuple((m.device, m.offset_ns, m.payload) for m in facts.messages)


def _match(old: list[_Entry], new: list[_Entry]) -> dict[int, int]:
    old_ids = {cue.id: i for i, (cue, _) in enumerate(old)}
    pairs = {j: old_ids[cue.id] for j, (cue, _) in enumerate(new) if cue.id in old_ids}
    taken = set(pairs.values())
    left_old = [i for i in range(len(old)) if i not in taken]
    left_new = [j for j in range(len(new)) if j not in pairs]

    same: defaultdict[tuple[object, ...], deque[int]] = defaultdict(deque)
    for i in left_old:
        cue, facts = old[i]
        if cue.label:
            same[(cue.dept, cue.label, _wire(facts))].append(i)
    for j in left_new:
        cue, facts = new[j]
        queue = same.get((cue.dept, cue.label, _wire(facts))) if cue.label else None
        if queue:
            pairs[j] = queue.popleft()
    taken = set(pairs.values())
    left_old = [i for i in left_old if i not in taken]
    left_new = [j for j in left_new if j not in pairs]

    old_named = _unique_labels(old, left_old)
    for key, j in _unique_labels(new, left_new).items():
        if key in old_named:
            pairs[j] = old_named[key]
    return pairs


def _unique_labels(entries: list[_Entry], indexes: list[int]) -> dict[tuple[str, str], int]:
    """(department, label) -> index, for the labelled cues among `indexes` no other shares that pair with."""
    keys = {k: (entries[k][0].dept, entries[k][0].label) for k in indexes if entries[k][0].label}
    counts = Counter(keys.values())
    return {key: k for k, key in keys.items() if counts[key] == 1}


def _moved(pairs: dict[int, int]) -> set[int]:
    """The new indexes of matched cues outside the longest run that kept its order."""
    order = sorted(pairs)  # new indexes in firing order
    kept = rising_run([pairs[j] for j in order])
    return {j for at, j in enumerate(order) if at not in kept}


def rising_run(values: list[int]) -> set[int]:
    """The positions in `values` of a longest strictly rising run (patience sorting, n log n)."""
    tails: list[int] = []  # tails[k]: the smallest value ending a rising run of length k + 1
    tail_at: list[int] = []  # where in `values` that tail is
    back = [-1] * len(values)
    for at, value in enumerate(values):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_at.append(at)
        else:
            tails[k] = value
            tail_at[k] = at
        back[at] = tail_at[k - 1] if k else -1
    kept: set[int] = set()
    at = tail_at[-1] if tail_at else -1
    while at != -1:
        kept.add(at)
        at = back[at]
    return kept


def _after(entries: list[_Entry], index: int) -> str:
    """Where a cue stands: `after LX 11`, or `first`."""
    return f"after {entries[index - 1][0].name}" if index else "first"


# ---- what changed -----------------------------------------------------------------------------------


def _changed(
    old: Cue,
    old_facts: CueFacts,
    new: Cue,
    facts: CueFacts,
    segment_ids: Mapping[str, str],
    position: tuple[str, str] | None,
    changed_packs: set[str],
) -> CueChange | None:
    fields: list[FieldChange] = []

    def field(name: str, before: str | None, after: str | None) -> None:
        if before != after:
            fields.append(FieldChange(name, before, after))

    field("id", old.id, new.id)
    field("dept", old.dept, new.dept)
    old_segment = segment_ids.get(old_facts.segment, old_facts.segment) if old_facts.segment is not None else None
    if old_segment != facts.segment:
        fields.append(FieldChange("segment", old_facts.segment, facts.segment))
    if position is not None:
        fields.append(FieldChange("position", *position))
    field("label", old.label, new.label)
    if old.standby is not None or new.standby is not None:  # both defaults: the id change says it
        field("standby", old.standby_text, new.standby_text)
    if trigger_key(old.go) != trigger_key(new.go):
        fields.append(FieldChange("go", describe_trigger(old.go), describe_trigger(new.go)))
    field("notes", old.notes, new.notes)
    sends = _sends(old_facts.messages, facts.messages)
    if not fields and not sends:
        return None
    return _cue_change("changed", new, facts, fields, sends, changed_packs)


def _added(cue: Cue, facts: CueFacts, position: str, changed_packs: set[str]) -> CueChange:
    fields = [FieldChange("position", None, position)]
    if facts.segment is not None:
        fields.insert(0, FieldChange("segment", None, facts.segment))
    fields.append(FieldChange("go", None, describe_trigger(cue.go)))
    if cue.standby is not None:
        fields.append(FieldChange("standby", None, cue.standby))
    if cue.notes is not None:
        fields.append(FieldChange("notes", None, cue.notes))
    sends = [_send("added", m) for m in facts.messages]
    return _cue_change("added", cue, facts, fields, sends, changed_packs)


def _removed(cue: Cue, facts: CueFacts, position: str, changed_packs: set[str]) -> CueChange:
    fields = [FieldChange("position", position, None)]
    if facts.segment is not None:
        fields.insert(0, FieldChange("segment", facts.segment, None))
    sends = [_send("removed", m) for m in facts.messages]
    return _cue_change("removed", cue, facts, fields, sends, changed_packs)


def _cue_change(
    kind: ChangeKind,
    cue: Cue,
    facts: CueFacts,
    fields: list[FieldChange],
    sends: list[SendChange],
    changed_packs: set[str],
) -> CueChange:
    return CueChange(
        kind,
        cue.dept,
        cue.id,
        cue.label,
        facts.segment,
        tuple(fields),
        tuple(sends),
        facts.packs,
        tuple(p for p in facts.packs if p in changed_packs),
    )


def _sends(old: tuple[WireMessage, ...], new: tuple[WireMessage, ...]) -> list[SendChange]:
    """The messages removed and added, in send order, each run of removals before its additions."""
    a = [(m.device, m.offset_ns, m.payload) for m in old]
    b = [(m.device, m.offset_ns, m.payload) for m in new]
    if a == b:
        return []
    out: list[SendChange] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            out.extend(_send("removed", m) for m in old[i1:i2])
            out.extend(_send("added", m) for m in new[j1:j2])
    return out


def _send(op: Literal["removed", "added"], message: WireMessage) -> SendChange:
    return SendChange(op, message.device, message.offset_ns, message.summary, message.payload)
