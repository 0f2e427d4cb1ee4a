"""Provides the device-profile model: a device family's transport, verbs, panic, keep-alive, feedback.

A profile is a YAML file in drivers/ (see docs/profiles.md). Each verb declares typed parameters
and the messages it becomes; messages are written in the same `osc:` / `midi:` / `msc:` forms as a
show file's raw actions (without `device`), with `{param}` placeholders.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from showcall.model.base import Frozen
from showcall.model.show import Name, Text
from showcall.model.times import Duration

ParamType = Literal["int", "float", "number", "string", "bool", "cue", "name", "intstr", "timecode"]


class ParamSpec(Frozen):
    """One verb parameter: its type, range, default and any mapping to a wire value."""

    type: ParamType = Field(description="int, float, number, string, bool, cue (1, 12.5), name, intstr, timecode")
    default: Any = Field(None, description="Value when absent; with no default the parameter is required")
    optional: bool = Field(False, description="May be absent with no default (the sends that use it are skipped)")
    min: float | None = None
    max: float | None = None
    choices: list[Any] | None = None
    map: dict[Any, Any] | None = Field(None, description="Wire value for each allowed value, e.g. {true: 0, false: 1}")
    description: Text | None = None

    @property
    def required(self) -> bool:
        """True when a show must give this parameter."""
        return self.default is None and not self.optional


class OscSpec(Frozen):
    """An OSC message template: address and arguments with placeholders."""

    address: str = Field(pattern=r"^/")
    args: list[Any] = Field(default_factory=list)


class SendSpec(Frozen):
    """One message a verb sends: exactly one of osc, midi, msc or wait; optionally conditional."""

    osc: OscSpec | None = None
    midi: dict[str, Any] | None = None
    msc: dict[str, Any] | None = None
    wait: Duration | None = None
    when: Name | None = Field(None, description="Only when this parameter was given")
    unless: Name | None = Field(None, description="Only when this parameter was not given")

    @model_validator(mode="after")
    def _exactly_one(self) -> SendSpec:
        given = [k for k in ("osc", "midi", "msc", "wait") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a send has exactly one of osc, midi, msc or wait")
        return self


class VerbSpec(Frozen):
    """A verb a show can use as `<device>.<verb>`."""

    description: Text | None = None
    params: dict[Name, ParamSpec] = Field(default_factory=dict)
    send: list[SendSpec] = Field(min_length=1)


class KeepaliveSpec(Frozen):
    """Messages to repeat so the device keeps talking to us (X32's /xremote every 9 s)."""

    every: Duration
    send: list[SendSpec] = Field(min_length=1)


class FeedbackSpec(Frozen):
    """A message the device sends back and what it reports: `{name}` parts of the address are captured."""

    address: str = Field(pattern=r"^/", description="Address pattern, {name} captures one part")
    report: Name = Field(description="What it tells: active_cue, pending_cue, mute, fader, reply, ...")
    description: Text | None = None


class OscDefaults(Frozen):
    """Default OSC transport for the family."""

    protocol: Literal["udp", "tcp"] = "udp"
    port: int | None = Field(None, ge=1, le=65535)
    framing: Literal["slip", "length"] = "slip"
    max_packet: int | None = Field(None, ge=16, description="Largest packet the device accepts (Eos: 512)")
    reply_port: int | None = Field(None, ge=1, le=65535, description="Port the device answers UDP on (QLab: 53001)")


class MscDefaults(Frozen):
    """Default MIDI Show Control addressing for the family."""

    device_id: int = Field(127, ge=0, le=127)
    command_format: Text | int = "all_types"
    dialect: Name = "standard"


class Profile(Frozen):
    """A device profile: everything showcall knows about one family of device."""

    showcall_driver: Literal[1] = Field(description="Profile format version; always 1")
    driver: Name = Field(description="The name shows use in `driver:`; matches the file name")
    title: Text
    description: Text | None = None
    transport: Literal["osc", "midi"]
    osc: OscDefaults | None = None
    msc: MscDefaults | None = None
    verbs: dict[Name, VerbSpec] = Field(default_factory=dict)
    panic: list[SendSpec] = Field(default_factory=list, description="All-stop messages sent on panic")
    keepalive: KeepaliveSpec | None = None
    feedback: list[FeedbackSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _transport_defaults(self) -> Profile:
        if self.transport == "osc" and self.msc is not None:
            raise ValueError("an OSC profile has no msc: block")
        return self
