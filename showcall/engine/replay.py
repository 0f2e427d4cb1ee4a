"""Provides reading back an event log after a crash: what fired, what was sent, where the playhead was.

`showcall run --resume` hands the result to `Engine.start(replay=...)`, which marks what fired,
sends only what a fired cue had not sent yet, re-arms follow/after chains from the logged fire
times (moved on by the holds since), and puts the playhead back, so nothing fires twice. A rehearsal on a
rehearsal clock carries its clock on (`show_time_of_day`), and one taken from a cue keeps the cues before it
passed. A tracking backup folds the live show's events the same way (`fold`, one at a time) to take over from
them; it settles what the live console's core had in hand its own way (showcall.backup).

What the timing core had in hand at the crash comes from the `armed` records (written before each hand-over)
less what was reported `sent`, `send_failed` or `cancelled`. Such an item is settled by the core's last words
(`core_sent`, written when the core outlived the console): listed means it went out, unlisted means it did
not. Without last words (the core died too: power cut, the process group killed), an item due at or before
the last event the crashed run logged is counted as sent (the core had reached its deadline while the console
still ran; its report died on the way), a later one as not sent; those counted as sent are listed in
`uncertain`. Each run in a log (one per `loaded`) keeps its own item ids.
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
    chain_stopped: bool = False  # a panic after it fired cancelled the follow/after cues behind it


@dataclass(frozen=True)
class HeldSpan:
    """A hold that ended: it began at `start_ns` (the logged run's clock) and lasted `held_ns`; every send
    still waiting when it began went `held_ns` later."""

    start_ns: int
    held_ns: int
    wall_offset_ns: int | None = None


@dataclass
class _Armed:
    """An item handed to the timing core, as its `armed` record says."""

    cue: str
    number: int
    due_ns: int
    fire_ns: int
    source: Source


@dataclass
class _Run:
    """One run's items the core had and had not settled, when its log last spoke, and the core's last words."""

    armed: dict[int, _Armed] = field(default_factory=dict)
    last_ns: int | None = None
    core_words: bool = False


@dataclass
class Replay:
    """What a log says about the run it recorded (events after its last reset)."""

    fired: dict[str, FiredCue] = field(default_factory=dict)
    playhead: str | None = None
    playhead_known: bool = False
    held: bool = False
    held_since_ns: int | None = None  # when the hold in progress began (the logged run's clock)
    held_wall_offset_ns: int | None = None
    holds: list[HeldSpan] = field(default_factory=list)
    ended: bool = False
    events: int = 0
    wall_offset_ns: int | None = None  # wall minus monotonic time in the logged run (from its `loaded` event)
    path: str | None = None
    speed: int = 1  # the logged run's rehearsal speed
    show_clock: tuple[int, int] | None = None  # (mono_ns, show_tod_ns) last stamped: it ran on a rehearsal clock
    from_cue: str | None = None  # the cue the rehearsal was last taken from (the cues before it are passed)
    recovered: int = 0  # sends known only from the timing core's last words
    uncertain: list[str] = field(default_factory=list)  # "cue #message": counted as sent without proof
    run: _Run | None = None

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
        """A new state after a reset or a rehearsal taken from a cue: what the run is, not what it did.

        What the core had in hand was cancelled (a send that won the race is logged `sent`), and every cue is
        pending: nothing of it is left to settle at a resume."""
        if self.run is not None:
            self.run.armed.clear()
        return Replay(
            events=self.events,
            wall_offset_ns=self.wall_offset_ns,
            path=self.path,
            speed=self.speed,
            show_clock=self.show_clock,
            recovered=self.recovered,
            uncertain=self.uncertain,
            run=self.run,
        )


def replay(events: Iterable[dict[str, Any]]) -> Replay:
    """Fold a log's events into a Replay; ValueError (saying which event) for one that is not as written."""
    state = Replay()
    for number, event in enumerate(events, start=1):
        try:
            state = fold(state, event)
        except (KeyError, TypeError, ValueError) as exc:
            why = f"it has no {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(
                f"event {number} ({_shown(event.get('event'))}) is not as showcall writes it: {why}"
            ) from exc
    _close_run(state)
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


def _close_run(state: Replay) -> None:
    """The run that logged the events so far is over: settle what its core still had (see module docstring)."""
    run, state.run = state.run, None
    if run is None or run.core_words:
        return  # the core said what it sent: every item it did not list never went out
    for item in run.armed.values():
        if run.last_ns is not None and item.due_ns <= run.last_ns:
            _went_out(state, item)
            state.uncertain.append(f"{item.cue} #{item.number}")


def _went_out(state: Replay, item: _Armed) -> None:
    """Message `item` left for its device: its cue fired (as armed, if no `go` was logged for it)."""
    fired = state.fired.get(item.cue)
    if fired is None:
        fired = state.fired[item.cue] = FiredCue(item.fire_ns, item.source, wall_offset_ns=state.wall_offset_ns)
    fired.sent.add(item.number)


def _settle(state: Replay, event: dict[str, Any]) -> None:
    """An item the core reported (sent, failed, cancelled) is no longer in its hands."""
    if state.run is None:
        return
    if event.get("event") == "cancelled":
        for item_id in _list(event, "items"):
            state.run.armed.pop(_id(item_id), None)
    elif "item_id" in event:
        state.run.armed.pop(_id(event["item_id"]), None)


def _core_words(state: Replay, event: dict[str, Any]) -> None:
    """The timing core outlived the console and listed its recent sends (showcall.timing.lastwords)."""
    if state.run is None:
        return
    state.run.core_words = True
    for entry in _list(event, "items"):
        if not isinstance(entry, list) or not entry:
            raise ValueError(f"a sent item is {_shown(entry)}, not [item_id, sent_ns, ok]")
        item = state.run.armed.pop(_id(entry[0]), None)
        if item is not None:
            _went_out(state, item)
            state.recovered += 1


def _armed(state: Replay, event: dict[str, Any]) -> None:
    if state.run is None:
        state.run = _Run()
    for cue in _list(event, "cues"):
        if not isinstance(cue, dict):
            raise ValueError(f"an armed cue is {_shown(cue)}, not an object")
        name, source, fire_ns = _text(cue, "cue"), Source(_text(cue, "source")), _ns(cue, "fire_ns")
        for entry in _list(cue, "items"):
            if not isinstance(entry, list) or len(entry) != 3:
                raise ValueError(f"an armed item is {_shown(entry)}, not [item_id, message, due_ns]")
            item_id, number, due = entry
            number = _small({"item": number}, "item", 0, 0, "a message number")
            state.run.armed[_id(item_id)] = _Armed(name, number, _ns({"due_ns": due}, "due_ns"), fire_ns, source)


def _id(value: object) -> int:
    """An item id: a whole number (ids count up from 1 in each run)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_NS:
        raise ValueError(f"an item id is {_shown(value)}, not a whole number")
    return value


def _list(event: dict[str, Any], key: str) -> list[Any]:
    value = event[key]
    if not isinstance(value, list):
        raise ValueError(f"{key} is {_shown(value)}, not a list")
    return value


def fold(state: Replay, event: dict[str, Any]) -> Replay:
    """One event (as its JSON object) folded into `state`; a reset starts a new Replay, which is returned.
    KeyError, TypeError or ValueError for an event that is not as showcall writes it. The last run's armed
    items are settled only by `replay` (a crash resume's rule), never here."""
    state.events += 1
    kind = event.get("event")
    if kind == "core_sent":
        _core_words(state, event)
        return state
    if "show_tod_ns" in event:  # stamped while a rehearsal clock ran: the latest stamp says where it stood
        state.show_clock = (_ns(event, "mono_ns"), _ns(event, "show_tod_ns"))
    if kind == "loaded":
        _close_run(state)
        state.run = _Run()
    if state.run is not None:
        state.run.last_ns = _ns(event, "mono_ns")
    if kind == "loaded":
        state.wall_offset_ns = _ns(event, "wall_ns") - _ns(event, "mono_ns")
        state.path = _text(event, "path", "")
        state.speed = _small(event, "speed", 1, 1, "a rehearsal speed")
    elif kind == "armed":
        _armed(state, event)
    elif kind == "cancelled":
        _settle(state, event)
    elif kind == "reset":
        state = state.fresh()
    elif kind == "rehearse_from":
        state = state.fresh()
        state.from_cue = _text(event, "cue")
    elif kind == "go":
        state.fired[_text(event, "cue")] = FiredCue(
            _ns(event, "fire_ns"), Source(_text(event, "source")), wall_offset_ns=state.wall_offset_ns
        )
    elif kind in {"sent", "send_failed"}:  # a failed send was attempted: resending it would not be "once"
        _settle(state, event)
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
        if not state.held:
            state.held_since_ns = _ns(event, "mono_ns")
            state.held_wall_offset_ns = state.wall_offset_ns
        state.held = True
    elif kind == "resume":
        held_ns = _ns(event, "held_ns") if "held_ns" in event else 0
        start = state.held_since_ns if state.held_since_ns is not None else _ns(event, "mono_ns") - held_ns
        state.holds.append(HeldSpan(start, held_ns, state.held_wall_offset_ns or state.wall_offset_ns))
        state.held = False
        state.held_since_ns = None
    elif kind == "panic":
        for fired in state.fired.values():
            fired.chain_stopped = True
    elif kind == "end":
        state.ended = True
    return state
