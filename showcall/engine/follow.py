"""Provides `Mirror`: a following engine takes the live engine's events as its own (a tracking backup).

A backup's engine does not decide anything while it follows: no GO, no timer, no send. Each event of the
live engine (already on this machine's clock: showcall.backup converts the times) moves the same records
the live engine moved, and is emitted again here, so the backup's console, log and views show the live show
as it happens. `Engine.take_over` then carries on from them (see restore.py); `Engine.stand_down` turns a
live engine into a following one.

Part of the engine hub, kept apart for size: it works on the hub's parts as the hub itself does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from showcall.engine import events as ev
from showcall.engine.cues import CueState, Source
from showcall.engine.snapshot import DeviceSnapshot, NextAuto
from showcall.model.times import DAY_NS

if TYPE_CHECKING:
    from showcall.engine.engine import Engine

CHAINED = frozenset({Source.FOLLOW, Source.AFTER})
"""Sources that are not a GO someone gave (nor a time cue): the go guard counts from the others."""


class Mirror:
    """Applies the live engine's events to a following engine (see module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def apply(self, event: ev.Event) -> None:
        """Move the records as `event` says the live engine moved its own, and emit it here."""
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)

    # ---- cues ---------------------------------------------------------------------------------

    def _index(self, cue: str) -> int | None:
        return self.engine.plan.index_of(cue)

    def go(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Go)
        engine = self.engine
        index = self._index(event.cue)
        if index is None:
            return
        source = Source(event.source)
        book = engine._book
        book.mirror_fired(index, source, event.fire_ns)
        compiled = engine.plan.cues[index]
        now = engine._now()
        engine._run_of_show.cue_fired(
            compiled.segment, event.fire_ns, (engine.clock.time_of_day_ns() - (now - event.fire_ns)) % DAY_NS
        )
        engine._handshake.went(compiled.cue.dept, compiled.id)
        if source not in CHAINED and not source.timed:
            engine._last_go_ns = event.mono_ns
        for j, at, chained in book.chain(index, event.fire_ns):  # what the live engine armed behind it
            if book.runs[j].state in {CueState.PENDING, CueState.ARMED}:
                book.mirror_armed(j, at, chained)
        engine._emit(event)

    def sent(self, event: ev.Event) -> None:
        assert isinstance(event, ev.SentEvent | ev.SendFailedEvent)
        index = self._index(event.cue)
        if index is not None:
            if isinstance(event, ev.SentEvent):
                self.engine._book.sent(index, event.late_us)
            else:
                self.engine._book.send_failed(index, event.reason)
        self.engine._emit(event)

    def complete(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Complete)
        index = self._index(event.cue)
        if index is not None and not self.engine._book.runs[index].state.done:
            self.engine._book.completed(index, event.mono_ns)
        self.engine._emit(event)

    def failed(self, event: ev.Event) -> None:
        assert isinstance(event, ev.CueFailed)
        index = self._index(event.cue)
        if index is not None:
            self.engine._book.mirror_failed(index, event.reason, event.mono_ns)
        self.engine._emit(event)

    # ---- the show -----------------------------------------------------------------------------

    def standby(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Standby)
        engine = self.engine
        index = len(engine.plan.cues) if event.cue is None else self._index(event.cue)
        if index is not None:
            engine._set_playhead(index, force=True)  # emits the standby, worked out here the same way

    def hold(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Hold)
        engine = self.engine
        if engine._held_since is None:
            engine._held_since = event.mono_ns
            upcoming = engine._next_auto(event.mono_ns)
            engine._held_next = NextAuto(upcoming.cue, upcoming.dept, upcoming.in_ns, None, True) if upcoming else None
        engine._emit(event)

    def resume(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Resume)
        engine = self.engine
        engine._held_since = None
        engine._held_next = None
        engine._panicked = False
        engine._total_held_ns += event.held_ns
        book = engine._book
        for index in sorted(book.active):  # the live engine moved its armed chains on by the time held
            if book.runs[index].state is CueState.ARMED:
                book.mirror_later(index, event.held_ns)
        engine._emit(event)

    def panic(self, event: ev.Event) -> None:
        assert isinstance(event, ev.PanicEvent)
        engine = self.engine
        book = engine._book
        for index in sorted(book.active):  # fired ones were failed by the events before this one
            if book.runs[index].state is CueState.ARMED:
                book.disarm(index)
        engine._handshake.clear()
        engine._panicked = True
        engine._emit(event)

    def reset(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Reset)
        engine = self.engine
        engine._book.reset()
        engine._run_of_show.reset()
        engine._handshake.clear()
        engine._held_since = None
        engine._held_next = None
        engine._panicked = False
        engine._total_held_ns = 0
        engine._last_go_ns = None
        engine._ended = False
        engine._emit(event)

    def ack(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Ack)
        self.engine._handshake.ack(event.dept)
        self.engine._emit(event)

    def device(self, event: ev.Event) -> None:
        assert isinstance(event, ev.DeviceEvent)
        engine = self.engine
        if event.device in engine._devices:
            engine._devices[event.device] = DeviceSnapshot(event.device, event.status, event.detail, event.mono_ns)
        engine._emit(event)

    def end(self, event: ev.Event) -> None:
        assert isinstance(event, ev.End)
        if event.reason == "complete":  # the show is over; a quit on the live console is the link's to say
            self.engine._ended = True
            self.engine._emit(event)


_HANDLERS = {
    ev.Go: Mirror.go,
    ev.SentEvent: Mirror.sent,
    ev.SendFailedEvent: Mirror.sent,
    ev.Complete: Mirror.complete,
    ev.CueFailed: Mirror.failed,
    ev.Standby: Mirror.standby,
    ev.Hold: Mirror.hold,
    ev.Resume: Mirror.resume,
    ev.PanicEvent: Mirror.panic,
    ev.Reset: Mirror.reset,
    ev.Ack: Mirror.ack,
    ev.DeviceEvent: Mirror.device,
    ev.End: Mirror.end,
}
"""Events that move the show. The live engine's others (loaded, timing, feedback, refused, error) are its own
machine's news, not the show's: the link shows what matters of them."""
