"""Provides the show-wide half of a show comparison: the show block, segments, devices, departments, packs.

Segments match by id, then (for those left) by title, so a renamed segment is one change, not a
segment removed and another added with every cue moved between them. Devices, departments and
packs match by name. Values compare as they are meant (`2s` = `2000ms`) and show as written.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from showcall.diff.changes import FieldChange, ItemChange
from showcall.diff.cues import rising_run
from showcall.diff.record import DeviceFacts, ShowRecord
from showcall.model.show import Department, DeviceConfig, Pack, PackParam, Segment, ShowInfo

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
    """Collects the fields that differ.

    Durations and times of day compare by their value (their text is left out of `==`), so `2s`
    and `2000ms` are the same; a change shows each side as it was written.
    """

    def __init__(self) -> None:
        self.items: list[FieldChange] = []

    def add(self, name: str, old: object, new: object) -> None:
        if old != new:
            self.items.append(FieldChange(name, _text(old), _text(new)))


def compare_info(old: ShowInfo, new: ShowInfo) -> list[ItemChange]:
    """The show block's changes (one item, if any)."""
    f = _Fields()
    f.add("title", old.title, new.title)
    f.add("venue", old.venue, new.venue)
    f.add("date", old.date, new.date)
    f.add("start", old.start, new.start)
    f.add("fps", old.fps.value, new.fps.value)
    f.add("go_guard", old.go_guard, new.go_guard)
    f.add("timing", old.timing, new.timing)
    f.add("notes", old.notes, new.notes)
    return [ItemChange("changed", "show", new.title, tuple(f.items))] if f.items else []


def compare_segments(old: list[Segment], new: list[Segment]) -> tuple[list[ItemChange], dict[str, str]]:
    """Segment changes, and each matched old segment id -> its new id."""
    pairs = _match_segments(old, new)
    new_to_old = {new_id: old_id for old_id, new_id in pairs.items()}
    old_at = {segment.id: k for k, segment in enumerate(old)}
    new_at = {segment.id: k for k, segment in enumerate(new)}
    matched = [new_at[pairs[segment.id]] for segment in old if segment.id in pairs]
    in_order = {matched[at] for at in rising_run(matched)}  # new indexes of the segments that kept their order
    items: list[ItemChange] = []
    for k, segment in enumerate(new):
        old_id = new_to_old.get(segment.id)
        if old_id is None:
            fields = [FieldChange("title", None, segment.title), FieldChange("position", None, _after(new, k))]
            fields += _segment_fields(None, segment)
            items.append(ItemChange("added", "segment", segment.id, tuple(fields), title=segment.title))
            continue
        before = old[old_at[old_id]]
        f = _Fields()
        f.add("id", before.id, segment.id)
        if k not in in_order:
            f.items.append(FieldChange("position", _after(old, old_at[old_id]), _after(new, k)))
        f.add("title", before.title, segment.title)
        f.items.extend(_segment_fields(before, segment))
        if f.items:
            items.append(ItemChange("changed", "segment", segment.id, tuple(f.items), title=segment.title))
    for k, segment in enumerate(old):
        if segment.id not in pairs:
            gone = (FieldChange("title", segment.title, None), FieldChange("position", _after(old, k), None))
            items.append(ItemChange("removed", "segment", segment.id, gone, title=segment.title))
    return items, pairs


def _match_segments(old: list[Segment], new: list[Segment]) -> dict[str, str]:
    """Old segment id -> new id: the same id, else (among the rest) the same title when it is unique."""
    new_ids = {segment.id for segment in new}
    pairs = {segment.id: segment.id for segment in old if segment.id in new_ids}
    left_old = [segment for segment in old if segment.id not in pairs]
    left_new = [segment for segment in new if segment.id not in pairs.values()]
    old_titles = Counter(segment.title for segment in left_old)
    new_titles = Counter(segment.title for segment in left_new)
    by_title = {segment.title: segment.id for segment in left_new if new_titles[segment.title] == 1}
    for segment in left_old:
        if old_titles[segment.title] == 1 and segment.title in by_title:
            pairs[segment.id] = by_title[segment.title]
    return pairs


def _segment_fields(old: Segment | None, new: Segment) -> list[FieldChange]:
    f = _Fields()
    f.add("start", old.start if old else None, new.start)
    f.add("duration", old.duration if old else None, new.duration)
    f.add(
        "presenters",
        ", ".join(old.presenters) if old and old.presenters else None,
        ", ".join(new.presenters) if new.presenters else None,
    )
    f.add("notes", old.notes if old else None, new.notes)
    return f.items


def _after(segments: list[Segment], index: int) -> str:
    return f"after {segments[index - 1].id}" if index else "first"


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
            items.append(ItemChange("added", "department", code, tuple(f.items), title=dept.name or ""))
        elif f.items:
            items.append(ItemChange("changed", "department", code, tuple(f.items), title=dept.name or ""))
    for code, dept in old.items():
        if code not in new:
            items.append(ItemChange("removed", "department", code, title=dept.name or ""))
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
            f.add(f"param {param}", _param(before.params, param), _param(pack.params, param))
        f.items.extend(_template_fields(before, pack))
        if f.items:
            items[name] = ItemChange("changed", "pack", name, tuple(f.items))
    for name in old:
        if name not in new:
            items[name] = ItemChange("removed", "pack", name)
    return items


def _param(params: dict[str, PackParam | None], name: str) -> str | None:
    """A pack parameter as written: `required`, `default 40`; None when the pack does not declare it."""
    if name not in params:
        return None
    spec = params[name]
    if spec is None or spec.default is None:
        return "required"
    return f"default {_compact(spec.default)}"


def _template_fields(old: Pack | None, new: Pack) -> list[FieldChange]:
    """Each of the pack's cue templates that differs, key by key (`cue {id}.1 go`).

    Templates pair by their `id` (`use <pack>` for a pack used inside it), so inserting one does not
    make every template after it look changed; a repeated key pairs in order (`cue {id} #2`).
    """
    was_by = _templates(old.cues if old is not None else [])
    now_by = _templates(new.cues)
    pairs = [(name, was_by.get(name), now_by.get(name)) for name in _ordered(was_by, now_by)]
    fields: list[FieldChange] = []
    for name, was, now in pairs:
        if was == now:
            continue
        if was is None or now is None:
            fields.append(
                FieldChange(name, None if was is None else _compact(was), None if now is None else _compact(now))
            )
            continue
        for key in _ordered(was, now):
            old_value, new_value = was.get(key), now.get(key)
            if old_value != new_value:
                fields.append(
                    FieldChange(
                        f"{name} {key}",
                        None if old_value is None else _compact(old_value),
                        None if new_value is None else _compact(new_value),
                    )
                )
    return fields


def _templates(templates: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A pack's cue templates by the key they pair on (see _template_fields)."""
    seen: Counter[str] = Counter()
    out: dict[str, dict[str, Any]] = {}
    for template in templates:
        base = f"cue {template['id']}" if "id" in template else f"use {template.get('use', '?')}"
        seen[base] += 1
        out[base if seen[base] == 1 else f"{base} #{seen[base]}"] = dict(template)
    return out


def _ordered(old: Iterable[str], new: Iterable[str]) -> list[str]:
    keys = list(new)
    return keys + [key for key in old if key not in keys]


def _compact(value: Any) -> str:
    """A template value as short text: strings as they are, the rest as flow-style JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


def compare_show_parts(
    old: ShowRecord, new: ShowRecord
) -> tuple[list[ItemChange], dict[str, str], dict[str, ItemChange]]:
    """The show block, segment, device and department changes; the segment id map; the pack changes."""
    items = compare_info(old.show.info, new.show.info)
    segments, segment_ids = compare_segments(old.show.segments, new.show.segments)
    items += segments
    items += compare_devices(old.show.devices, new.show.devices, old.devices, new.devices)
    items += compare_departments(old.show.departments, new.show.departments)
    return items, segment_ids, compare_packs(old.packs, new.packs)
