"""Provides `plan_digest`: a stable fingerprint of a compiled show, to tell one show from another.

Two plans have the same digest when they send the same bytes at the same offsets to the same
devices and the caller calls the same cues in the same segments with the same words: the show
info, departments, segments (without their cues), every cue's id, department, label, standby
words, trigger, notes and segment, and every message (device, offset from GO, wire bytes), and
every device's configuration and compiled endpoint (keep-alive and panic bytes included).

Left out on purpose:
- where the file lives on disk (`Plan.source`) and any YAML position: the same show copied to
  another machine or folder is the same show;
- how values were written when they mean the same (`2s` and `2000ms`, a default standby written
  out, an action's parameters written in another order): values are hashed as they are meant;
- pack definitions: the plan has their cues, already expanded; a pack edit that changes no cue
  (its description, say) changes no digest;
- `Endpoint.simulated`: but a rehearsal points every device at a simulator and the console looks
  host names up when the show opens, and both rewrite the endpoints, so compute the digest on the
  plan as `showcall.compile.showfile.load_show` / `require_plan` return it, before either.

The digest is SHA-256 over a canonical JSON text (sorted keys, no Python `hash()`), so it is the
same in every process and on every machine; `DIGEST_FORMAT` is part of it and changes when what is
hashed changes, so a digest from an older showcall never matches by accident.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from showcall.compile.plan import Plan, WireMessage
from showcall.model.show import After, At, AtTimecode, Cue, DeviceConfig, Follow, Segment, Show, ShowInfo
from showcall.model.times import Timecode
from showcall.transports.base import Endpoint

DIGEST_FORMAT = 1


def plan_digest(plan: Plan) -> str:
    """The plan's fingerprint: 64 hex digits (SHA-256), equal for equal shows in any process."""
    return show_digest(
        plan.show,
        ((compiled.segment, compiled.messages) for compiled in plan.cues),
        {name: (device.driver, device.endpoint) for name, device in plan.devices.items()},
    )


def show_digest(
    show: Show,
    cues: Iterable[tuple[str | None, tuple[WireMessage, ...]]],
    devices: Mapping[str, tuple[str, Endpoint]],
) -> str:
    """The digest of a show from its parts: `cues` pairs each of `show.all_cues()` (in order) with
    its segment and messages; `devices` maps a name to its driver and compiled endpoint.

    `plan_digest` calls this with a Plan's parts; a kept copy of a show (showcall.diff.record)
    calls it with its own, so both give the same digest for the same show.
    """
    canonical = {
        "format": DIGEST_FORMAT,
        "info": _info(show.info),
        "departments": {code: dept.model_dump(mode="json") for code, dept in show.departments.items()},
        "devices": {
            name: _device(show.devices.get(name), driver, endpoint) for name, (driver, endpoint) in devices.items()
        },
        "segments": [_segment(segment) for segment in show.segments],
        "cues": [_cue(cue, segment, messages) for cue, (segment, messages) in zip(show.all_cues(), cues, strict=True)],
    }
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_refuse)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def trigger_key(go: Any) -> list[Any]:
    """A trigger as it is meant: `["follow", ns]`, `["at", ns]`, `["timecode", "01:00:10:00"]`, `["manual"]`."""
    if isinstance(go, Follow):
        return ["follow", go.follow.ns]
    if isinstance(go, After):
        return ["after", go.after.ns]
    if isinstance(go, At):
        return ["at", go.at.ns]
    if isinstance(go, AtTimecode):
        return ["timecode", timecode_text(go.timecode)]
    return ["manual"]


def timecode_text(tc: Timecode) -> str:
    """`HH:MM:SS:FF` whatever separator it was written with."""
    return f"{tc.hours:02d}:{tc.minutes:02d}:{tc.seconds:02d}:{tc.frames:02d}"


def _info(info: ShowInfo) -> dict[str, Any]:
    return {
        "title": info.title,
        "venue": info.venue,
        "date": info.date.isoformat() if info.date else None,
        "start": info.start.ns if info.start else None,
        "fps": info.fps.value,
        "go_guard": info.go_guard.ns,
        "timing": info.timing,
        "notes": info.notes,
    }


def _device(config: DeviceConfig | None, driver: str, endpoint: Endpoint) -> dict[str, Any]:
    return {
        "config": config.model_dump(mode="json") if config is not None else None,
        **endpoint_facts(driver, endpoint),
    }


def endpoint_facts(driver: str, endpoint: Endpoint) -> dict[str, Any]:
    """A device's driver and where and how it is reached, as plain data (the digest and a kept show share it)."""
    return {
        "driver": driver,
        "kind": endpoint.kind,
        "host": endpoint.host,
        "port": endpoint.port,
        "framing": endpoint.framing,
        "midi_port": endpoint.midi_port,
        "keepalive": [payload.hex() for payload in endpoint.keepalive],
        "keepalive_every_ns": endpoint.keepalive_every_ns,
        "panic": [payload.hex() for payload in endpoint.panic],
        "reply_port": endpoint.reply_port,
    }


def _segment(segment: Segment) -> list[Any]:
    return [
        segment.id,
        segment.title,
        segment.start.ns if segment.start else None,
        segment.duration.ns if segment.duration else None,
        list(segment.presenters),
        segment.notes,
    ]


def _cue(cue: Cue, segment: str | None, messages: tuple[WireMessage, ...]) -> list[Any]:
    # A list, not a mapping: a 10,000-cue show hashes in a few tens of milliseconds this way.
    return [
        cue.id,
        cue.dept,
        cue.label,
        cue.standby_text,
        trigger_key(cue.go),
        cue.notes,
        segment,
        [[m.device, m.offset_ns, m.payload.hex()] for m in messages],
    ]


def _refuse(value: object) -> Any:
    """json.dumps calls this for anything it cannot encode: a bug here, never a value to guess at."""
    raise TypeError(f"plan_digest cannot hash a {type(value).__name__}")
