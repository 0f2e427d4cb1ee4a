"""Provides `ShowRecord`: a show as it was loaded and compiled, in a form that can be kept and compared.

A record holds the validated `Show` (packs expanded, includes merged), and beside each cue what
the plan made of it (its segment, the packs it came from, its wire messages), each device's
compiled endpoint, and the pack definitions. `showcall diff` compares two records; a record kept
in JSON beside an event log (showcall.diff.store) is what a later load is compared with.

`show_to_json(record)` and `show_from_json(text)` round-trip: the record read back is equal to the
one written, and its digest (showcall.compile.digest) is checked against its content on reading.

JSON shape (`"showcall_show": 1`):

```
{"showcall_show": 1, "digest": "<64 hex>",
 "show": {...},                      the Show model as written (model_dump, unset fields left out)
 "packs": {"walkup": {...}},         each Pack model
 "cues": [{"id": "21", "segment": "welcome", "packs": ["walkup"],
           "messages": [["snd", 0, "/cue/21/start", "<payload hex>"], ...]}, ...],   in firing order
 "devices": {"lx": {"driver": "eos", "kind": "osc-tcp", "host": "10.0.0.10", "port": 3032,
                    "framing": "length", "midi_port": "", "keepalive": [], "keepalive_every_ns": 0,
                    "panic": ["<hex>"], "reply_port": 0}}}
```
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from showcall.compile.digest import endpoint_facts, show_digest
from showcall.compile.plan import Plan, WireMessage
from showcall.errors import KeptShowError
from showcall.loader.gcpause import gc_paused
from showcall.loader.sources import ShowSources
from showcall.model.show import Cue, Pack, Show
from showcall.transports.base import Endpoint

RECORD_FORMAT = 1


@dataclass(frozen=True)
class CueFacts:
    """What the plan made of one cue: its segment, the packs it came from (outermost first), its messages."""

    segment: str | None
    packs: tuple[str, ...]
    messages: tuple[WireMessage, ...]


@dataclass(frozen=True)
class DeviceFacts:
    """A device as compiled: its driver and its endpoint (address, keep-alive and panic bytes)."""

    driver: str
    endpoint: Endpoint


@dataclass(frozen=True)
class ShowRecord:
    """A show as loaded and compiled; `cues` lines up with `show.all_cues()`."""

    show: Show
    cues: tuple[CueFacts, ...]
    devices: dict[str, DeviceFacts]
    packs: dict[str, Pack] = field(default_factory=dict)
    digest: str = ""

    def cue_list(self) -> list[tuple[Cue, CueFacts]]:
        """Every cue in firing order with its facts."""
        return list(zip(self.show.all_cues(), self.cues, strict=True))


def record_show(plan: Plan, sources: ShowSources) -> ShowRecord:
    """The record of a compiled show; `sources` (from the same load) names each cue's packs.

    Use the plan as `showcall.compile.showfile.load_show` returns it, before a rehearsal points its devices
    at simulators (see showcall.compile.digest).
    """
    packs = [src.packs for src in sources.cues]
    if len(packs) != len(plan.cues):  # the loader gives one source per cue; anything else is a bug
        raise ValueError(f"the sources have {len(packs)} cues, the plan {len(plan.cues)}")
    cues = tuple(
        CueFacts(compiled.segment, names, compiled.messages) for compiled, names in zip(plan.cues, packs, strict=True)
    )
    devices = {name: DeviceFacts(device.driver, device.endpoint) for name, device in plan.devices.items()}
    with gc_paused():
        return _with_digest(ShowRecord(plan.show, cues, devices, dict(sources.packs)))


def _with_digest(record: ShowRecord) -> ShowRecord:
    digest = show_digest(
        record.show,
        ((facts.segment, facts.messages) for facts in record.cues),
        {name: (device.driver, device.endpoint) for name, device in record.devices.items()},
    )
    return ShowRecord(record.show, record.cues, record.devices, record.packs, digest)


def show_to_json(record: ShowRecord) -> str:
    """The record as JSON text (the shape in the module docstring)."""
    with gc_paused():  # a 10,000-cue show makes a million objects here; none are in cycles
        rest = {
            "packs": {
                name: pack.model_dump(mode="json", by_alias=True, exclude_unset=True)
                for name, pack in record.packs.items()
            },
            "cues": [
                {
                    "id": cue.id,
                    "segment": facts.segment,
                    "packs": list(facts.packs),
                    "messages": [[m.device, m.offset_ns, m.summary, m.payload.hex()] for m in facts.messages],
                }
                for cue, facts in record.cue_list()
            ],
            "devices": {
                name: endpoint_facts(device.driver, device.endpoint) for name, device in record.devices.items()
            },
        }
        # pydantic's own JSON writer: three times as fast as model_dump then json.dumps for a big show
        show = record.show.model_dump_json(by_alias=True, exclude_unset=True)
        head = json.dumps({"showcall_show": RECORD_FORMAT, "digest": record.digest})[:-1]
        return f'{head}, "show": {show}, {json.dumps(rest, ensure_ascii=False)[1:]}'


def show_from_json(text: str, where: str = "kept show") -> ShowRecord:
    """A record from `show_to_json`'s text; KeptShowError (naming `where`) when it is not one."""
    with gc_paused():  # as in show_to_json
        return _from_json(text, where)


def _from_json(text: str, where: str) -> ShowRecord:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KeptShowError(f"{where}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(data, dict) or data.get("showcall_show") != RECORD_FORMAT:
        raise KeptShowError(f'{where}: not a kept show (no "showcall_show": {RECORD_FORMAT})')
    try:
        show = Show.model_validate(data["show"])
        packs = {str(name): Pack.model_validate(pack) for name, pack in data.get("packs", {}).items()}
        cues = tuple(_cue_facts(item) for item in data["cues"])
        devices = {str(name): _endpoint_from(str(name), item) for name, item in data["devices"].items()}
        stored = str(data["digest"])
    except ValidationError as exc:
        first = exc.errors()[0]
        place = ".".join(str(part) for part in first["loc"])
        raise KeptShowError(f"{where}: the show in it does not validate ({place}: {first['msg']})") from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise KeptShowError(f"{where}: damaged ({type(exc).__name__}: {exc})") from exc
    ids = [cue.id for cue in show.all_cues()]
    if ids != [str(item.get("id")) for item in data["cues"]]:
        raise KeptShowError(f"{where}: damaged (its cue list does not match its show)")
    record = _with_digest(ShowRecord(show, cues, devices, packs))
    if record.digest != stored:
        raise KeptShowError(
            f"{where}: damaged or from another showcall version (its content does not match its digest)"
        )
    return record


def _endpoint_from(name: str, item: dict[str, Any]) -> DeviceFacts:
    kind = item["kind"]
    framing = item["framing"]
    if kind not in ("osc-udp", "osc-tcp", "midi") or framing not in ("slip", "length"):
        raise ValueError(f"device {name}: kind {kind!r}, framing {framing!r}")
    endpoint = Endpoint(
        device=name,
        kind=kind,
        host=str(item["host"]),
        port=int(item["port"]),
        framing=framing,
        midi_port=str(item["midi_port"]),
        keepalive=tuple(bytes.fromhex(payload) for payload in item["keepalive"]),
        keepalive_every_ns=int(item["keepalive_every_ns"]),
        panic=tuple(bytes.fromhex(payload) for payload in item["panic"]),
        reply_port=int(item["reply_port"]),
    )
    return DeviceFacts(str(item["driver"]), endpoint)


def _cue_facts(item: dict[str, Any]) -> CueFacts:
    segment = item["segment"]
    messages = tuple(
        WireMessage(str(device), int(offset), bytes.fromhex(payload), str(summary))
        for device, offset, summary, payload in item["messages"]
    )
    return CueFacts(None if segment is None else str(segment), tuple(str(p) for p in item["packs"]), messages)
