"""Provides the show-wide half of a show comparison: the show block, segments, devices, departments, packs.

Segments match by id, then (for those left) by title, so a renamed segment is one change, not a
segment removed and another added with every cue moved between them. Devices, departments and
packs match by name. Values compare as they are meant (`2s` = `2000ms`) and show as written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from showcall.diff.changes import FieldChange, ItemChange
from showcall.diff.record import DeviceFacts, ShowRecord
from showcall.model.show import Department, DeviceConfig, Pack, Segment, ShowInfo

_DEVICE_KEYS = (
    "driver",
    "host",
    "port",
    "protocol",
    "framing",
    "midi_port",
    "device_id",
    "command_format",
    "dialect",
    "description",
)
_ADDRESS_KEYS = {"driver", "host", "port", "protocol", "framing", "midi_port"}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class _Fields:
    """Collects the fields that differ."""

    def __init__(self) -> None:
        self.items: list[FieldChange] = []

    def add(self, name: str, old: object, new: object, same: Callable[[Any, Any], bool] | None = None) -> None:
        if not (same(old, new) if same is not None else old == new):
            self.items.append(FieldChange(name, _text(old), _text(new)))


def _ns(value: Any) -> int | None:
    """A Duration or TimeOfDay by its value, so `2s` and `2000ms` compare equal."""
    return None if value is None else int(value.ns)


def _same_time(old: Any, new: Any) -> bool:
    return _ns(old) == _ns(new)


def compare_info(old: ShowInfo, new: ShowInfo) -> list[ItemChange]:
    """The show block's changes (one item, if any)."""
    f = _Fields()
    f.add("title", old.title, new.title)
    f.add("venue", old.venue, new.venue)
    f.add("date", old.date, new.date)
    f.add("start", old.start, new.start, _same_time)
    f.add("fps", old.fps.value, new.fps.value)
    f.add("go_guard", old.go_guard, new.go_guard, _same_time)
    f.add("timing", old.timing, new.timing)
    f.add("notes", old.notes, new.notes)
    return [ItemChange("changed", "show", new.title, tuple(f.items))] if f.items else []


def compare_segments(old: list[Segment], new: list[Segment]) -> tuple[list[ItemChange], dict[str, str]]:
    """Segment changes, and each matched old segment id -> its new id."""
    new_ids = {segment.id for segment in new}
    pairs = {s.id: s.id for s in old if s.id in new_ids}
    left_new = [s for s in new if s.id not in pairs.values()]
    titles_new = _unique({s.title: s.id for s in left_new}, [s.title for s in left_new])
    left_old = [s for s in old if s.id not in pairs]
    titles_old = _unique({s.title: s.id for s in left_old}, [s.title for s in left_old])
    for title, old_id in titles_old.items():
        if title in titles_new:
            pairs[old_id] = titles_new[title]
    old_by_id = {s.id: s for s in old}
    new_by_id = {s.id: s for s in new}
    new_index = {s.id: k for k, s in enumerate(new)}
    matched_order = [old_id for old_id in (s.id for s in old) if old_id in pairs]
    kept = _keeps_order([new_index[pairs[old_id]] for old_id in matched_order])
    items: list[ItemChange] = []
    for k, segment in enumerate(new):
        old_id = next((o for o, n in pairs.items() if n == segment.id), None)
        if old_id is None:
            fields = [FieldChange("title", None, segment.title), FieldChange("position", None, _after(new, k))]
            fields += _segment_fields(None, segment)
            items.append(ItemChange("added", "segment", segment.id, tuple(fields)))
            continue
        before = old_by_id[old_id]
        f = _Fields()
        f.add("id", before.id, segment.id)
        if new_index[segment.id] not in kept:
            old_k = next(i for i, s in enumerate(old) if s.id == old_id)
            f.items.append(FieldChange("position", _after(old, old_k), _after(new, k)))
        f.add("title", before.title, segment.title)
        f.items.extend(_segment_fields(before, segment))
        if f.items:
            items.append(ItemChange("changed", "segment", segment.id, tuple(f.items)))
    for k, segment in enumerate(old):
        if segment.id not in pairs:
            fields = (FieldChange("title", segment.title, None), FieldChange("position", _after(old, k), None))
            items.append(ItemChange("removed", "segment", segment.id, fields))
    return items, pairs


def _segment_fields(old: Segment | None, new: Segment) -> list[FieldChange]:
    f = _Fields()
    f.add("start", old.start if old else None, new.start, _same_time)
    f.add("duration", old.duration if old else None, new.duration, _same_time)
    f.add(
        "presenters",
        ", ".join(old.presenters) if old and old.presenters else None,
        ", ".join(new.presenters) if new.presenters else None,
    )
    f.add("notes", old.notes if old else None, new.notes)
    return f.items


def _after(segments: list[Segment], index: int) -> str:
    return f"after {segments[index - 1].id}" if index else "first"


def _unique(by_title: dict[str, str], titles: list[str]) -> dict[str, str]:
    return {title: sid for title, sid in by_title.items() if titles.count(title) == 1}


def _keeps_order(values: list[int]) -> set[int]:
    """The values in the longest rising run of `values` (a handful of segments: the simple way)."""
    if not values:
        return set()
    best: list[list[int]] = []
    for k, value in enumerate(values):
        run = max((best[m] for m in range(k) if values[m] < value), key=len, default=[])
        best.append([*run, value])
    return set(max(best, key=len))


def compare_devices(
    old: dict[str, DeviceConfig],
    new: dict[str, DeviceConfig],
    old_facts: dict[str, DeviceFacts],
    new_facts: dict[str, DeviceFacts],
) -> list[ItemChange]:
    """Devices added, removed or changed, in the new show's order."""
    items: list[ItemChange] = []
    for name, config in new.items():
        facts = new_facts.get(name)
        address = facts.endpoint.describe() if facts else None
        if name not in old:
            fields = [FieldChange(key, None, _text(getattr(config, key))) for key in _DEVICE_KEYS]
            fields = [f for f in fields if f.new is not None]
            items.append(ItemChange("added", "device", name, (*fields, FieldChange("address", None, address))))
            continue
        f = _Fields()
        for key in _DEVICE_KEYS:
            f.add(key, getattr(old[name], key), getattr(config, key))
        before = old_facts.get(name)
        if before is not None and facts is not None:
            if not _ADDRESS_KEYS & {c.field for c in f.items}:  # a profile's default port, say
                f.add("address", before.endpoint.describe(), address)
            f.add("panic", _payloads(before.endpoint.panic), _payloads(facts.endpoint.panic))
            f.add("keepalive", _payloads(before.endpoint.keepalive), _payloads(facts.endpoint.keepalive))
        if f.items:
            items.append(ItemChange("changed", "device", name, tuple(f.items)))
    for name, config in old.items():
        if name not in new:
            items.append(ItemChange("removed", "device", name, (FieldChange("driver", config.driver, None),)))
    return items


def _payloads(payloads: tuple[bytes, ...]) -> str:
    """Messages compared by their bytes, shown by count and a short fingerprint."""
    if not payloads:
        return "none"
    tag = hashlib.sha256(b"".join(len(p).to_bytes(4, "big") + p for p in payloads)).hexdigest()[:8]
    return f"{len(payloads)} message{'' if len(payloads) == 1 else 's'} ({tag})"


def compare_departments(old: dict[str, Department], new: dict[str, Department]) -> list[ItemChange]:
    """Departments added, removed or changed (name, operator, acknowledge key)."""
    items: list[ItemChange] = []
    for code, dept in new.items():
        before = old.get(code)
        f = _Fields()
        for key in ("name", "operator", "key"):
            f.add(key, getattr(before, key) if before else None, getattr(dept, key))
        if before is None:
            items.append(ItemChange("added", "department", code, tuple(f.items)))
        elif f.items:
            items.append(ItemChange("changed", "department", code, tuple(f.items)))
    for code in old:
        if code not in new:
            items.append(ItemChange("removed", "department", code))
    return items


def compare_packs(old: dict[str, Pack], new: dict[str, Pack]) -> dict[str, ItemChange]:
    """Packs added, removed or changed, by name (what they touch is filled in by the caller)."""
    items: dict[str, ItemChange] = {}
    for name, pack in new.items():
        before = old.get(name)
        if before is None:
            items[name] = ItemChange("added", "pack", name, tuple(_template_fields(None, pack)))
            continue
        f = _Fields()
        f.add("description", before.description, pack.description)
        for param in _ordered(before.params, pack.params):
            was, now = before.params.get(param, False), pack.params.get(param, False)
            f.add(f"param {param}", _param(was), _param(now))
        f.items.extend(_template_fields(before, pack))
        if f.items:
            items[name] = ItemChange("changed", "pack", name, tuple(f.items))
    for name in old:
        if name not in new:
            items[name] = ItemChange("removed", "pack", name)
    return items


def _param(spec: Any) -> str | None:
    """A pack parameter as written: `required`, `default 40`; None when the pack does not declare it."""
    if spec is False:
        return None
    if spec is None or spec.default is None:
        return "required"
    return f"default {_compact(spec.default)}"


def _template_fields(old: Pack | None, new: Pack) -> list[FieldChange]:
    """Each of the pack's cue templates that differs, key by key (`cue {id}.1 go`)."""
    fields: list[FieldChange] = []
    before = old.cues if old is not None else []
    for k in range(max(len(before), len(new.cues))):
        was = dict(before[k]) if k < len(before) else None
        now = dict(new.cues[k]) if k < len(new.cues) else None
        if was == now:
            continue
        name = f"cue {(now or was or {}).get('id', k + 1)}"
        if was is None or now is None:
            fields.append(FieldChange(name, _compact(was) if was else None, _compact(now) if now else None))
            continue
        for key in _ordered(was, now):
            if was.get(key) != now.get(key):
                old_value, new_value = was.get(key), now.get(key)
                fields.append(
                    FieldChange(
                        f"{name} {key}",
                        None if old_value is None else _compact(old_value),
                        None if new_value is None else _compact(new_value),
                    )
                )
    return fields


def _ordered(old: Iterable[str], new: Iterable[str]) -> list[str]:
    keys = list(new)
    return keys + [key for key in old if key not in keys]


def _compact(value: Any) -> str:
    """A template value as short text: strings as they are, the rest as flow-style JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


def compare_show_parts(old: ShowRecord, new: ShowRecord) -> tuple[list[ItemChange], dict[str, str], dict[str, ItemChange]]:
    """The show block, segment, device and department changes; the segment id map; the pack changes."""
    items = compare_info(old.show.info, new.show.info)
    segments, segment_ids = compare_segments(old.show.segments, new.show.segments)
    items += segments
    items += compare_devices(old.show.devices, new.show.devices, old.devices, new.devices)
    items += compare_departments(old.show.departments, new.show.departments)
    return items, segment_ids, compare_packs(old.packs, new.packs)
