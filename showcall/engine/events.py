"""Provides the engine's typed events and their JSON-line form (design.md §6).

Every event has `event` (its name) and `mono_ns` (CLOCK_MONOTONIC when it happened); while a rehearsal
clock is in use, also `show_tod_ns` (the show clock's time of day then). The headless runner prints them,
the event log appends them, the console renders them.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every event."""

    name: ClassVar[str] = "event"
    mono_ns: int
    # the rehearsal clock's time of day at mono_ns; the engine stamps it on every event while one is in use
    show_tod_ns: int | None = field(default=None, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        """The event as the JSON object of its event line (`show_tod_ns` only when stamped)."""
        names = _FIELDS.get(type(self))
        if names is None:  # looked up once per kind: `fields()` costs more than the rest of an event line
            names = _FIELDS[type(self)] = tuple(f.name for f in fields(self) if f.name not in _HEAD)
        line: dict[str, Any] = {"event": self.name, "mono_ns": self.mono_ns}
        if self.show_tod_ns is not None:
            line["show_tod_ns"] = self.show_tod_ns
        for name in names:
            line[name] = _plain(getattr(self, name))
        return line

    def to_json(self) -> str:
        """One JSON line (no newline)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


_HEAD = frozenset({"mono_ns", "show_tod_ns"})
_FIELDS: dict[type[Event], tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    if isinstance(value, int | str | float) or value is None:
        return value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


@dataclass(frozen=True, slots=True)
class Loaded(Event):
    """A show was loaded: its title, cue count, devices, the wall time of loading, and its digest. `clock` is
    `real`, or `rehearsal` when the show runs on a rehearsal clock (its time is the event's `show_tod_ns`), at
    `speed` times real time; `clock_note` says why showcall chose the clock's time, when it did."""

    name: ClassVar[str] = "loaded"
    show: str
    path: str
    cues: int
    devices: tuple[str, ...]
    wall_ns: int
    resumed: bool = False
    digest: str = ""  # the compiled show's digest (showcall.compile.digest): its kept copy is shows/<digest>.json
    clock: str = "real"
    speed: int = 1
    clock_note: str = ""


@dataclass(frozen=True, slots=True)
class Standby(Event):
    """The playhead moved: `cue` is what GO fires next (None past the end); `departments` maps each
    department to the next cue it must prepare for; `text` is what the caller reads out."""

    name: ClassVar[str] = "standby"
    cue: str | None
    text: str = ""
    departments: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Go(Event):
    """A cue fired: `source` is operator, auto, follow, after, at, timecode or control; `fire_ns` is
    the deadline its first message was given (the moment it counts as fired)."""

    name: ClassVar[str] = "go"
    cue: str
    source: str
    fire_ns: int
    dept: str = ""


@dataclass(frozen=True, slots=True)
class SentEvent(Event):
    """One message left for a device: when it was due and when it went, and the lateness in µs."""

    name: ClassVar[str] = "sent"
    cue: str
    device: str
    due_ns: int
    sent_ns: int
    late_us: float
    item: int = 0
    item_id: int = 0


@dataclass(frozen=True, slots=True)
class SendFailedEvent(Event):
    """A message could not be sent (device down or unknown)."""

    name: ClassVar[str] = "send_failed"
    cue: str
    device: str
    due_ns: int
    reason: str
    item: int = 0
    item_id: int = 0


@dataclass(frozen=True, slots=True)
class Complete(Event):
    """A cue's last message was sent (or failed): it is complete."""

    name: ClassVar[str] = "complete"
    cue: str
    failed: int = 0


@dataclass(frozen=True, slots=True)
class CueFailed(Event):
    """A cue did not complete: `reason` says why (panic, device down...)."""

    name: ClassVar[str] = "failed"
    cue: str
    reason: str


@dataclass(frozen=True, slots=True)
class Hold(Event):
    """The show is held: countdowns stop, nothing automatic fires."""

    name: ClassVar[str] = "hold"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Resume(Event):
    """The hold ended after `held_ns`; pending automatic cues moved on by that much."""

    name: ClassVar[str] = "resume"
    held_ns: int = 0


@dataclass(frozen=True, slots=True)
class PanicEvent(Event):
    """Panic: every pending send cancelled, devices' stop messages sent; the show is held."""

    name: ClassVar[str] = "panic"
    cancelled_cues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeviceEvent(Event):
    """A device's connection changed: online, offline, connecting, simulated."""

    name: ClassVar[str] = "device"
    device: str
    status: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Refused(Event):
    """A command was refused, and why in words."""

    name: ClassVar[str] = "refused"
    command: str
    reason: str


@dataclass(frozen=True, slots=True)
class Ack(Event):
    """A department acknowledged its standby ("standing by")."""

    name: ClassVar[str] = "ack"
    dept: str
    cue: str


@dataclass(frozen=True, slots=True)
class ErrorEvent(Event):
    """Something went wrong that the caller must know about (timing core lost, log not writable)."""

    name: ClassVar[str] = "error"
    message: str


@dataclass(frozen=True, slots=True)
class End(Event):
    """The last cue completed, or the run was stopped (quit, end of input, a signal, the console's quit)
    and every send handed to the timing core was settled; `unconfirmed` counts sends the core had not
    confirmed when the wait for them ran out (docs/engine.md, "Quit")."""

    name: ClassVar[str] = "end"
    reason: str = "complete"
    unconfirmed: int = 0


@dataclass(frozen=True, slots=True)
class Quit(Event):
    """The run is stopping (`reason`: quit, end of input, SIGTERM, SIGINT, quit from the console): nothing more
    fires; `end` follows once the timing core has settled the `waiting` sends it still holds."""

    name: ClassVar[str] = "quit"
    reason: str
    waiting: int = 0


@dataclass(frozen=True, slots=True)
class ArmedCue:
    """One cue's messages in an `armed` record: `items` is one `[item_id, message index, due_ns]` each;
    `fire_ns` and `source` are the cue's."""

    cue: str
    source: str
    fire_ns: int
    items: tuple[tuple[int, int, int], ...]


@dataclass(frozen=True, slots=True)
class Armed(Event):
    """Messages about to be handed to the timing core, written (and flushed) before they are, so a crash
    resume knows what was in the core's hands (docs/engine.md, "Crash resume"). A GO's cue comes in a
    record of its own (its deadline is 1 ms away), the follow/after chain behind it in one more."""

    name: ClassVar[str] = "armed"
    cues: tuple[ArmedCue, ...]


@dataclass(frozen=True, slots=True)
class CancelledEvent(Event):
    """The timing core confirmed these items cancelled (hold, panic, quit, a cue fired again): never sent."""

    name: ClassVar[str] = "cancelled"
    items: tuple[int, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class TimingInfo(Event):
    """What the timing core got from the kernel (priority, mode), once per core start."""

    name: ClassVar[str] = "timing"
    mode: str
    priority: str
    realtime: bool
    notes: tuple[str, ...] = ()
    pid: int = 0


@dataclass(frozen=True, slots=True)
class RehearseFrom(Event):
    """A rehearsal was taken from cue `cue` (the first of segment `segment`, when one was asked for): every
    cue back to pending, those before it passed, the rehearsal clock set to `clock_tod_ns`."""

    name: ClassVar[str] = "rehearse_from"
    cue: str
    segment: str | None
    clock_tod_ns: int


@dataclass(frozen=True, slots=True)
class Reset(Event):
    """The show was reset to its top: every cue pending, playhead on the first cue."""

    name: ClassVar[str] = "reset"


@dataclass(frozen=True, slots=True)
class FeedbackEvent(Event):
    """A device reported something (Eos active cue, X32 mute...), decoded by its profile."""

    name: ClassVar[str] = "feedback"
    device: str
    report: str
    detail: str


@dataclass(frozen=True, slots=True)
class ControlReport(Event):
    """OSC control's counters: commands `accepted`, packets `dropped` by kind (run totals), the drops
    since the last report that were not logged one by one (`unlogged`, by kind), how many times a
    source was silenced for wrong passcodes; `final` once, when the run closes."""

    name: ClassVar[str] = "control"
    accepted: int
    dropped: dict[str, int]
    unlogged: dict[str, int] = field(default_factory=dict)
    silences: int = 0
    final: bool = False


EVENTS: dict[str, type[Event]] = {
    kind.name: kind
    for kind in (
        Loaded, Standby, Go, SentEvent, SendFailedEvent, Complete, CueFailed, Hold, Resume, PanicEvent,
        DeviceEvent, Refused, Ack, ErrorEvent, End, TimingInfo, Reset, FeedbackEvent, RehearseFrom,
        ControlReport,
    )
}  # fmt: skip
"""Every event by its `event` name."""

_CHECKS: dict[str, Any] = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "str | None": lambda v: v is None or isinstance(v, str),
    "int | None": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
    "tuple[str, ...]": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "dict[str, str]": lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in (*v, *v.values())),
    "dict[str, int]": lambda v: (
        isinstance(v, dict)
        and all(isinstance(k, str) for k in v)
        and all(isinstance(x, int) and not isinstance(x, bool) for x in v.values())
    ),
}


def from_dict(record: dict[str, Any]) -> Event | None:
    """The event an event line's JSON object holds (the other side of `to_dict`); None for an event this
    version does not know (a newer peer's). ValueError, saying which field, for one not as showcall writes it."""
    kind = EVENTS.get(str(record.get("event")))
    if kind is None:
        return None
    values: dict[str, Any] = {}
    for f in fields(kind):
        if f.name not in record:
            if f.default is MISSING and f.default_factory is MISSING:
                raise ValueError(f"{kind.name}: {f.name} is missing")
            continue
        value = record[f.name]
        check = _CHECKS.get(str(f.type))
        if check is None or not check(value):
            raise ValueError(f"{kind.name}: {f.name} is not {f.type}: {value!r}")
        values[f.name] = tuple(value) if isinstance(value, list) else value
    return kind(**values)
