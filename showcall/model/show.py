"""Provides the show model: show info, devices, departments, segments, cues, triggers and actions.

These are the contract of design.md §3. The loader validates a show file piece by piece against
these models (so one bad cue does not hide the problems in the others) after includes are merged
and packs expanded; `PackUse` and `Pack` describe the authoring forms the loader expands.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    model_validator,
)

from showcall.model.base import Frozen
from showcall.model.times import Duration, FrameRate, Timecode, TimeOfDay, show_relative

CUE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
DEPT_PATTERN = r"^[A-Z][A-Z0-9_]*$"
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"
DEVICE_VERB = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_]*)$")
RAW_ACTIONS = ("wait", "osc", "midi", "msc")


def _number_text(value: Any) -> Any:
    """Numbers written where text is meant (`id: 12.50`) keep the text they were written with."""
    if isinstance(value, str | bool):  # text, the common case, first
        return value
    if isinstance(value, int | float):
        return str(getattr(value, "source_text", value))
    return value


CueId = Annotated[str, BeforeValidator(_number_text), Field(pattern=CUE_ID_PATTERN, max_length=32)]
DeptCode = Annotated[str, Field(pattern=DEPT_PATTERN, max_length=8)]
Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=64)]
Text = Annotated[str, BeforeValidator(_number_text)]


class ShowInfo(Frozen):
    """The `show:` block: title and the show-wide settings."""

    title: Text = Field(min_length=1, description="The show's title, shown in the console's header")
    venue: Text | None = None
    date: dt.date | None = None
    start: TimeOfDay | None = Field(None, description="Planned time of day of the first segment")
    fps: FrameRate = Field(FrameRate.FPS_30, description="Timecode rate: 24 | 25 | 29.97df | 30")
    go_guard: Duration = Field(
        Duration.parse("250ms"), description="Minimum time between two GOs; a faster GO is refused"
    )
    timing: Literal["precise", "eco", "sleep"] = Field(
        "precise", description="Timing core mode: precise (default), eco, or sleep (laptops on battery)"
    )
    notes: Text | None = None


class DeviceConfig(Frozen):
    """One device: the profile it speaks (`driver`) and where it is."""

    driver: Name = Field(description="A device profile in drivers/: eos, qlab, x32, resolume, osc, midi, msc, ...")
    host: str | None = Field(None, description="IP address or host name (OSC devices)")
    port: int | None = Field(None, ge=1, le=65535, description="Port; the profile's default when absent")
    protocol: Literal["udp", "tcp"] | None = Field(None, description="OSC transport; the profile's default")
    framing: Literal["slip", "length"] | None = Field(None, description="OSC over TCP framing (SLIP or length)")
    midi_port: str | None = Field(None, description="MIDI port name, or 'host:port' for a mido socket port")
    device_id: int | None = Field(None, ge=0, le=127, description="MSC device id: 0-111 one, 112-126 group, 127 all")
    command_format: Text | int | None = Field(None, description="MSC command format: lighting, sound, video, ...")
    dialect: Name | None = Field(None, description="MSC dialect the device speaks: standard, magicq, ...")
    description: Text | None = None


class Department(Frozen):
    """A department (LX, SND, VID ...) that cues belong to."""

    name: Text | None = Field(None, description="Full name, e.g. Lighting")
    operator: Text | None = Field(None, description="Who runs it, e.g. 'Board op (Sam)'")
    key: Annotated[str, Field(min_length=1, max_length=1)] | None = Field(
        None, description="Console key that acknowledges this department's standby"
    )


# ---- triggers ---------------------------------------------------------------------------------


class Follow(Frozen):
    """Fire this long after the previous cue fired."""

    follow: Duration


class After(Frozen):
    """Fire this long after the previous cue completed (its last action was sent)."""

    after: Duration


class At(Frozen):
    """Fire at a time of day."""

    at: TimeOfDay


class AtTimecode(Frozen):
    """Fire when the chased timecode passes this frame."""

    timecode: Timecode


def _trigger_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "manual"
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in {"follow", "after", "at", "timecode"} else None
    if isinstance(value, Follow | After | At | AtTimecode):
        tags: dict[type[Frozen], str] = {Follow: "follow", After: "after", At: "at", AtTimecode: "timecode"}
        return tags[type(value)]
    return None


Trigger = Annotated[
    Annotated[Literal["manual"], Tag("manual")]
    | Annotated[Follow, Tag("follow")]
    | Annotated[After, Tag("after")]
    | Annotated[At, Tag("at")]
    | Annotated[AtTimecode, Tag("timecode")],
    Discriminator(
        _trigger_tag,
        custom_error_type="trigger",
        custom_error_message=(
            "go must be manual, {follow: D}, {after: D}, {at: 'HH:MM:SS'} or {timecode: 'HH:MM:SS:FF'}"
        ),
    ),
]


def describe_trigger(go: object, *, timecode: str = "timecode") -> str:
    """A trigger as the caller says it: `manual`, `follow 2s`, `after 500ms`, `at 08:30:00`, `timecode
    01:00:10:00` (`timecode="TC"` for a narrow column)."""
    if isinstance(go, Follow):
        return f"follow {go.follow}"
    if isinstance(go, After):
        return f"after {go.after}"
    if isinstance(go, At):
        return f"at {go.at}"
    if isinstance(go, AtTimecode):
        return f"{timecode} {go.timecode}"
    return "manual"


def is_chained(go: object) -> bool:
    """True for follow and after: the cue fires from the cue before it."""
    return isinstance(go, Follow | After)


# ---- actions ----------------------------------------------------------------------------------

# Strict, bool first: in pydantic's lax mode `true` would pass as the int 1 and `1` as True.
OscArgValue = StrictBool | StrictInt | StrictFloat | StrictStr | None


class OscTyped(Frozen):
    """An OSC argument with an explicit type tag, for when YAML's type is not the one meant."""

    i: int | None = Field(None, description="int32")
    h: int | None = Field(None, description="int64")
    f: float | None = Field(None, description="float32")
    d: float | None = Field(None, description="float64")
    s: Text | None = Field(None, description="string")
    b: str | None = Field(None, description="blob, as hex digits")

    @model_validator(mode="after")
    def _exactly_one(self) -> OscTyped:
        if len(self.model_fields_set) != 1:
            raise ValueError("a typed OSC argument has exactly one of i, h, f, d, s, b")
        return self


OscArg = Annotated[OscArgValue | OscTyped, Field(union_mode="left_to_right")]


class OscSend(Frozen):
    """A raw OSC message to a device."""

    device: Name
    address: str = Field(pattern=r"^/", description="OSC address, starting with '/'")
    args: list[OscArg] = Field(default_factory=list)


MidiType = Literal[
    "note_on",
    "note_off",
    "control_change",
    "program_change",
    "pitchwheel",
    "aftertouch",
    "polytouch",
    "sysex",
    "song_select",
    "start",
    "stop",
    "continue",
]


class MidiSend(Frozen):
    """A raw MIDI message to a device. Channels are 1-16 as on the gear (0-15 on the wire)."""

    device: Name
    type: MidiType
    channel: int | None = Field(None, ge=1, le=16)
    note: int | None = Field(None, ge=0, le=127)
    velocity: int | None = Field(None, ge=0, le=127)
    control: int | None = Field(None, ge=0, le=127)
    value: int | None = Field(None, ge=0, le=127)
    program: int | None = Field(None, ge=0, le=127)
    pitch: int | None = Field(None, ge=-8192, le=8191)
    song: int | None = Field(None, ge=0, le=127)
    data: list[Annotated[int, Field(ge=0, le=127)]] | None = Field(None, description="sysex data bytes")


class MscSend(Frozen):
    """A raw MIDI Show Control command to a device."""

    device: Name
    command: Text = Field(description="go, stop, resume, timed_go, load, set, fire, all_off, restore, reset, ...")
    cue: Text | None = None
    list: Text | None = None
    path: Text | None = None
    time: Timecode | None = Field(None, description="TIMED_GO / SET time, HH:MM:SS:FF")
    control: int | None = Field(None, ge=0, le=16383)
    value: int | None = Field(None, ge=0, le=16383)
    macro: int | None = Field(None, ge=0, le=127)
    device_id: int | None = Field(None, ge=0, le=127)
    command_format: Text | int | None = None


class WaitAction(Frozen):
    """Delay the actions after it."""

    wait: Duration


class OscAction(Frozen):
    """`osc: {device, address, args}`."""

    osc: OscSend


class MidiAction(Frozen):
    """`midi: {device, type, channel, ...}`."""

    midi: MidiSend


class MscAction(Frozen):
    """`msc: {device, command, cue, list, ...}`."""

    msc: MscSend


ParamValue = Any


class DeviceAction(RootModel[dict[str, dict[str, ParamValue] | None]]):
    """`<device>.<verb>: {params}`; the parameters are checked against the device's profile."""

    model_config = {"frozen": True}

    @model_validator(mode="before")
    @classmethod
    def _one_device_verb(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("an action is a mapping with one key: <device>.<verb>, wait, osc, midi or msc")
        if len(value) != 1:
            raise ValueError(f"an action has exactly one key, got {len(value)}: {', '.join(map(str, value))}")
        key = next(iter(value))
        if not isinstance(key, str) or not DEVICE_VERB.match(key):
            raise ValueError(f"unknown action {key!r}: write <device>.<verb> (e.g. lx.fire), wait, osc, midi or msc")
        return value

    @property
    def device(self) -> str:
        """The device name before the dot."""
        return next(iter(self.root)).split(".", 1)[0]

    @property
    def verb(self) -> str:
        """The verb after the dot."""
        return next(iter(self.root)).split(".", 1)[1]

    @property
    def params(self) -> dict[str, Any]:
        """The verb's parameters as written (empty when none)."""
        return next(iter(self.root.values())) or {}


def _action_tag(value: Any) -> str:
    if isinstance(value, dict):  # as written in a show file: the common case, and never a model below
        if len(value) == 1:
            key = next(iter(value))
            if key in RAW_ACTIONS:
                return str(key)
        return "device"
    if isinstance(value, WaitAction | OscAction | MidiAction | MscAction):
        tags: dict[type[Frozen], str] = {WaitAction: "wait", OscAction: "osc", MidiAction: "midi", MscAction: "msc"}
        return tags[type(value)]
    return "device"


Action = Annotated[
    Annotated[WaitAction, Tag("wait")]
    | Annotated[OscAction, Tag("osc")]
    | Annotated[MidiAction, Tag("midi")]
    | Annotated[MscAction, Tag("msc")]
    | Annotated[DeviceAction, Tag("device")],
    Discriminator(_action_tag),
]


# ---- cues, segments, packs ---------------------------------------------------------------------


class Cue(Frozen):
    """One technical moment: `LX 12`. Its actions are sent in order from its GO."""

    id: CueId = Field(description="Cue number, unique in the show: '12', '12.5'")
    dept: DeptCode = Field(description="Department code declared under departments:")
    label: Text = Field("", description="What the cue does, in the caller's words")
    standby: Text | None = Field(None, description="What the caller reads out; default 'Standby <dept> <id>'")
    go: Trigger = Field("manual", description="What fires it: manual (GO), follow, after, at, timecode")
    actions: list[Action] = Field(default_factory=list)
    notes: Text | None = None

    @property
    def standby_text(self) -> str:
        """The words to read out on standby."""
        return self.standby or f"Standby {self.dept} {self.id}"

    @property
    def name(self) -> str:
        """The cue as the trade says it: `LX 12`."""
        return f"{self.dept} {self.id}"


class PackUse(Frozen):
    """`use: <pack>` with its parameters: expands to the pack's cues."""

    use: Name
    with_: dict[Name, Any] = Field(default_factory=dict, alias="with")


class PackParam(Frozen):
    """A pack parameter: `{}` is required; `{default: X}` is optional."""

    default: Any = None
    description: Text | None = None


class Pack(Frozen):
    """A reusable, parameterised set of cues; `{param}` in any string is replaced when used."""

    params: dict[Name, PackParam | None] = Field(default_factory=dict)
    description: Text | None = None
    cues: list[dict[str, Any]] = Field(min_length=1)


class Segment(Frozen):
    """One item of the run of show."""

    id: CueId
    title: Text = Field(min_length=1)
    start: TimeOfDay | None = Field(None, description="Optional hard start (time of day)")
    duration: Duration | None = Field(None, description="Planned duration")
    presenters: list[Text] = Field(default_factory=list)
    notes: Text | None = None
    cues: list[Cue] = Field(default_factory=list)


class Show(Frozen):
    """A whole show, includes merged and packs expanded: what the compiler and engine use.

    A show has `segments` (a run of show) or a flat `cues` list; `all_cues` is the firing order.
    """

    # The loader validates a show piece by piece and assembles it with model_construct, so this
    # model's validator (a copy of every other's) is built only if something validates a Show.
    model_config = ConfigDict(defer_build=True)

    info: ShowInfo
    devices: dict[str, DeviceConfig] = Field(default_factory=dict)
    departments: dict[str, Department] = Field(default_factory=dict)
    segments: list[Segment] = Field(default_factory=list)
    cues: list[Cue] = Field(default_factory=list)

    def all_cues(self) -> list[Cue]:
        """Every cue in firing order."""
        if self.segments:
            return [cue for segment in self.segments for cue in segment.cues]
        return list(self.cues)


def planned_segments(show: Show) -> tuple[int | None, list[tuple[int | None, int | None]]]:
    """The run of show's plan: the planned start's time of day (ns; the show's `start`, else its first
    segment's hard start, else None) and each segment's planned (offset from it, duration), None where unknown.

    The console's clocks (engine.runofshow) and the post-show report (showcall.report) both measure against this."""
    planned: list[tuple[int | None, int | None]] = []
    start = show.info.start.ns if show.info.start is not None else None
    anchor = start
    cursor: int | None = 0
    for segment in show.segments:
        offset: int | None
        if segment.start is not None:
            offset = show_relative(segment.start.ns, start) if start is not None else None
            if start is None and cursor == 0 and not planned:
                anchor = segment.start.ns
                offset = 0
        else:
            offset = cursor
        duration = segment.duration.ns if segment.duration is not None else None
        planned.append((offset, duration))
        cursor = offset + duration if offset is not None and duration is not None else None
    return anchor, planned


class ShowFile(Frozen):
    """The top level of a show file, as written (used for the JSON Schema)."""

    model_config = ConfigDict(defer_build=True)  # only `showcall schema` needs more than its field names

    showcall: Literal[1] = Field(description="Show-file format version; always 1")
    show: ShowInfo
    include: list[str] = Field(default_factory=list, description="Files with devices, departments, packs")
    devices: dict[Name, DeviceConfig] = Field(default_factory=dict)
    departments: dict[DeptCode, Department] = Field(default_factory=dict)
    packs: dict[Name, Pack] = Field(default_factory=dict)
    segments: list[Segment] | None = None
    cues: list[Cue] | None = None


class IncludeFile(Frozen):
    """A file named by `include:`: devices, departments and packs to share between shows."""

    model_config = ConfigDict(defer_build=True)  # built when a show first includes a file

    showcall: Literal[1] | None = None
    include: list[str] = Field(default_factory=list)
    devices: dict[Name, DeviceConfig] = Field(default_factory=dict)
    departments: dict[DeptCode, Department] = Field(default_factory=dict)
    packs: dict[Name, Pack] = Field(default_factory=dict)
