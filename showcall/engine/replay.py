"""Provides reading back an event log after a crash: what fired, what was sent, where the playhead was.

`showcall run --resume` hands the result to `Engine.start(replay=...)`, which marks what fired,
sends only what a fired cue had not sent yet, re-arms follow/after chains from the logged fire
times, and puts the playhead back, so nothing fires twice. A rehearsal on a rehearsal clock
carries its clock on (`show_time_of_day`), and one taken from a cue keeps the cues before it passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from showcall.engine.cues import Source
from showcall.model.times import DAY_NS


@dataclass
class FiredCue:
    """A cue the log says fired: when, by what, which of its messages went out, and if it completed."""

    fire_ns: int
    source: Source
    sent: set[int] = field(default_factory=set)
    complete: bool = False
    wall_offset_ns: int | None = None  # wall minus monotonic time of the run that logged it


@dataclass
class Replay:
    """What a log says about the run it recorded (events after its last reset)."""

    fired: dict[str, FiredCue] = field(default_factory=dict)
    playhead: str | None = None
    playhead_known: bool = False
    held: bool = False
    ended: bool = False
    events: int = 0
    wall_offset_ns: int | None = None  # wall minus monotonic time in the logged run (from its `loaded` event)
    path: str | None = None
    speed: int = 1  # the logged run's rehearsal speed
    show_clock: tuple[int, int] | None = None  # (mono_ns, show_tod_ns) last stamped: it ran on a rehearsal clock
    from_cue: str | None = None  # the cue the rehearsal was last taken from (the cues before it are passed)

    @property
    def empty(self) -> bool:
        """True when the log recorded nothing to resume from."""
        return not self.fired and not self.playhead_known

    @property
    def rehearsal_clock(self) -> bool:
        """True when the logged run's show ran on a rehearsal clock (set, or faster than real time)."""
        return self.show_clock is not None

    def show_time_of_day(self, now_ns: int, wall_ns: int) -> int | None:
        """The logged run's rehearsal clock carried on to now (`now_ns`, `wall_ns`: this run's clocks), as if
        it had kept running through the crash, as the real time of day does; None without one."""
        if self.show_clock is None or self.wall_offset_ns is None:
            return None
        mono, tod = self.show_clock
        then = wall_ns - self.wall_offset_ns  # now, on the logged run's monotonic clock
        return (tod + (then - mono) * self.speed) % DAY_NS

    def fresh(self) -> Replay:
        """A new state after a reset or a rehearsal taken from a cue: what the run is, not what it did."""
        return Replay(
            events=self.events,
            wall_offset_ns=self.wall_offset_ns,
            path=self.path,
            speed=self.speed,
            show_clock=self.show_clock,
        )


def replay(events: Iterable[dict[str, Any]]) -> Replay:
    """Fold a log's events into a Replay; ValueError (saying which event) for one that is not as written."""
    state = Replay()
    for number, event in enumerate(events, start=1):
        try:
            state = _fold(state, event)
        except (KeyError, TypeError, ValueError) as exc:
            why = f"it has no {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(
                f"event {number} ({_shown(event.get('event'))}) is not as showcall writes it: {why}"
            ) from exc
    return state


MAX_NS = 1 << 62
"""Times in a log are nanoseconds (monotonic, or wall since 1970: 2**62 is the year 2116); anything outside
0..MAX_NS is not as showcall writes it, and would overflow the timing core's 64-bit deadlines once moved."""


def _ns(event: dict[str, Any], key: str) -> int:
    value = event[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_NS:
        raise ValueError(f"{key} is {_shown(value)}, not a time in nanoseconds")
    return value


def _text(event: dict[str, Any], key: str, default: str | None = None) -> str:
    value = event.get(key, default) if default is not None else event[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} is {_shown(value)}, not text")
    return value


def _item(event: dict[str, Any]) -> int:
    return _small(event, "item", 0, 0, "a message number")


def _small(event: dict[str, Any], key: str, default: int, lowest: int, what: str) -> int:
    value = event.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value < 1 << 31:
        raise ValueError(f"{key} is {_shown(value)}, not {what}")
    return value


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fold(state: Replay, event: dict[str, Any]) -> Replay:
    """One event folded into `state` (a reset starts a new one); ValueError for a field of the wrong type."""
    state.events += 1
    kind = event.get("event")
    if "show_tod_ns" in event:  # stamped while a rehearsal clock ran: the latest stamp says where it stood
        state.show_clock = (_ns(event, "mono_ns"), _ns(event, "show_tod_ns"))
    if kind == "loaded":
        state.wall_offset_ns = _ns(event, "wall_ns") - _ns(event, "mono_ns")
        state.path = _text(event, "path", "")
        state.speed = _small(event, "speed", 1, 1, "a rehearsal speed")
    elif kind == "reset":
        state = state.fresh()
    elif kind == "rehearse_from":
        state = state.fresh()
        state.from_cue = _text(event, "cue")
    elif kind == "go":
        state.fired[_text(event, "cue")] = FiredCue(
            _ns(event, "fire_ns"), Source(_text(event, "source")), wall_offset_ns=state.wall_offset_ns
        )
    elif kind in {"sent", "send_failed"}:  # a failed send was attempted: resending would not be "once"
        fired = state.fired.get(_text(event, "cue"))
        if fired is not None:
            fired.sent.add(_item(event))
    elif kind in {"complete", "failed"}:
        fired = state.fired.get(_text(event, "cue"))
        if fired is not None:
            fired.complete = True
    elif kind == "standby":
        cue = event.get("cue")
        if cue is not None and not isinstance(cue, str):
            raise ValueError(f"cue is {_shown(cue)}, not a cue id")
        state.playhead = cue
        state.playhead_known = True
    elif kind == "hold":
        state.held = True
    elif kind == "resume":
        state.held = False
    elif kind == "end":
        state.ended = True
    return state
