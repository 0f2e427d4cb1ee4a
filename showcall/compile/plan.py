"""Provides the compiled plan: every cue's messages as wire bytes with their offsets from GO.

A plan is built once at load time; at show time the engine only adds each message's offset to
the cue's GO time and hands the bytes to the timing core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from showcall.model.profile import Profile
from showcall.model.show import Cue, Show
from showcall.transports.base import Endpoint


@dataclass(frozen=True, slots=True)
class WireMessage:
    """One message of a cue: to `device`, `offset_ns` after the cue's GO, as `payload` bytes.

    `payload` is an OSC packet (framed for TCP by the output at schedule time) or one complete
    MIDI message; `summary` is how the console and the log show it (`/eos/cue/1/12/fire`).
    """

    device: str
    offset_ns: int
    payload: bytes
    summary: str


@dataclass(frozen=True)
class CompiledCue:
    """A cue with its messages in send order (offsets never decrease)."""

    index: int
    cue: Cue
    segment: str | None
    messages: tuple[WireMessage, ...]

    @property
    def id(self) -> str:
        """The cue's id ('12.5')."""
        return self.cue.id

    @property
    def duration_ns(self) -> int:
        """Time from GO to the cue's last message (0 for a cue with no messages)."""
        return self.messages[-1].offset_ns if self.messages else 0

    @cached_property
    def devices(self) -> frozenset[str]:
        """The devices this cue sends to."""
        return frozenset(m.device for m in self.messages)


@dataclass(frozen=True)
class DevicePlan:
    """A device as the show uses it: its endpoint, its profile, and how feedback reads."""

    name: str
    driver: str
    endpoint: Endpoint
    profile: Profile


@dataclass(frozen=True)
class Plan:
    """A whole show compiled: cues in firing order and the devices they use."""

    show: Show
    cues: tuple[CompiledCue, ...]
    devices: dict[str, DevicePlan]
    source: str = ""
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index.update({compiled.id: compiled.index for compiled in self.cues})

    def index_of(self, cue_id: str) -> int | None:
        """The firing-order index of cue `cue_id`, or None."""
        return self._index.get(cue_id)

    def endpoints(self) -> list[Endpoint]:
        """Every device's endpoint, for the timing core."""
        return [device.endpoint for device in self.devices.values()]

    @property
    def message_count(self) -> int:
        """Messages in the whole show."""
        return sum(len(c.messages) for c in self.cues)
