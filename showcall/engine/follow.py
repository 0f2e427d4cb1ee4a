"""Provides `Following`: how a following engine takes the live engine's events as its own (a tracking backup).

A backup's engine does not decide anything while it follows: no GO, no timer, no send. Each event of the
live engine (already on this machine's clock: showcall.backup converts the times) moves the same records
the live engine moved, and is emitted again here, so the backup's console, log and views show the live show
as it happens. `Engine.take_over` then carries on from them (see restore.py); `Engine.stand_down` turns a
live engine into a following one.

A part of `Engine` kept in a file of its own for size (a mixin: its methods are the engine's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from showcall.engine import events as ev
from showcall.engine.cues import CueState, Source
from showcall.engine.snapshot import DeviceSnapshot, NextAuto

if TYPE_CHECKING:
    from showcall.compile.plan import Plan
    from showcall.engine.book import CueBook
    from showcall.engine.clock import ShowClock
    from showcall.engine.handshake import Handshake
    from showcall.engine.runofshow import RunOfShow

CHAINED = frozenset({Source.FOLLOW, Source.AFTER})
"""Sources that are not a GO someone gave (nor a time cue): the go guard counts from the others."""


class Following:
    """The engine's following half (see module docstring)."""

    if TYPE_CHECKING:  # the engine's parts these methods work on (engine.py makes them)
        plan: Plan
        _show_clock: ShowClock
        _book: CueBook
        _handshake: Handshake
        _run_of_show: RunOfShow
        _devices: dict[str, DeviceSnapshot]
        _held_since: int | None
        _held_next: NextAuto | None
        _panicked: bool
        _total_held_ns: int
        _last_go_ns: int | None
        _ended: bool

        def _emit(self, event: ev.Event) -> None: ...
        def _set_playhead(self, index: int, *, force: bool = False, after_fire: bool = False) -> None: ...
        def _next_auto(self, now: int) -> NextAuto | None: ...

    def _apply(self, event: ev.Event) -> None:
        """Move the records as `event` says the live engine moved its own, and emit it here."""
        name = _HANDLERS.get(type(event))
        if name is not None:
            handler: Callable[[ev.Event], None] = getattr(self, name)
            handler(event)

    # ---- cues ---------------------------------------------------------------------------------

    def _mirror_go(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Go)
        index = self.plan.index_of(event.cue)
        if index is None:
            return
        source = Source(event.source)
        book = self._book
        book.mirror_fired(index, source, event.fire_ns)
        compiled = self.plan.cues[index]
        self._run_of_show.cue_fired(compiled.segment, event.fire_ns, self._show_clock.time_of_day_at(event.fire_ns))
        self._handshake.went(compiled.cue.dept, compiled.id)
        if source not in CHAINED and not source.timed:
            self._last_go_ns = event.mono_ns
        for j, at, chained in book.chain(index, event.fire_ns):  # what the live engine armed behind it
            if book.runs[j].state in {CueState.PENDING, CueState.ARMED}:
                book.mirror_armed(j, at, chained)
        self._emit(event)

    def _mirror_sent(self, event: ev.Event) -> None:
        assert isinstance(event, ev.SentEvent | ev.SendFailedEvent)
        index = self.plan.index_of(event.cue)
        if index is not None:
            if isinstance(event, ev.SentEvent):
                self._book.sent(index, event.late_us)
            else:
                self._book.send_failed(index, event.reason)
        self._emit(event)

    def _mirror_complete(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Complete)
        index = self.plan.index_of(event.cue)
        if index is not None and not self._book.runs[index].state.done:
            self._book.completed(index, event.mono_ns)
        self._emit(event)

    def _mirror_failed(self, event: ev.Event) -> None:
        assert isinstance(event, ev.CueFailed)
        index = self.plan.index_of(event.cue)
        if index is not None:
            self._book.mirror_failed(index, event.reason, event.mono_ns)
        self._emit(event)

    # ---- the show -----------------------------------------------------------------------------

    def _mirror_standby(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Standby)
        index = len(self.plan.cues) if event.cue is None else self.plan.index_of(event.cue)
        if index is not None:
            self._set_playhead(index, force=True)  # emits the standby, worked out here the same way

    def _mirror_hold(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Hold)
        if self._held_since is None:
            self._held_since = event.mono_ns
            upcoming = self._next_auto(event.mono_ns)
            self._held_next = NextAuto(upcoming.cue, upcoming.dept, upcoming.in_ns, None, True) if upcoming else None
        self._emit(event)

    def _mirror_resume(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Resume)
        self._held_since = None
        self._held_next = None
        self._panicked = False
        self._total_held_ns += event.held_ns
        book = self._book
        for index in sorted(book.active):  # the live engine moved its armed chains on by the time held
            if book.runs[index].state is CueState.ARMED:
                book.mirror_later(index, event.held_ns)
        self._emit(event)

    def _mirror_panic(self, event: ev.Event) -> None:
        assert isinstance(event, ev.PanicEvent)
        book = self._book
        for index in sorted(book.active):  # fired ones were failed by the events before this one
            if book.runs[index].state is CueState.ARMED:
                book.disarm(index)
        self._handshake.clear()
        self._panicked = True
        self._emit(event)

    def _mirror_reset(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Reset)
        self._book.reset()
        self._run_of_show.reset()
        self._handshake.clear()
        self._held_since = None
        self._held_next = None
        self._panicked = False
        self._total_held_ns = 0
        self._last_go_ns = None
        self._ended = False
        self._emit(event)

    def _mirror_ack(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Ack)
        self._handshake.ack(event.dept)
        self._emit(event)

    def _mirror_device(self, event: ev.Event) -> None:
        assert isinstance(event, ev.DeviceEvent)
        if event.device in self._devices:
            self._devices[event.device] = DeviceSnapshot(event.device, event.status, event.detail, event.mono_ns)
        self._emit(event)

    def _mirror_end(self, event: ev.Event) -> None:
        assert isinstance(event, ev.End)
        if event.reason == "complete":  # the show is over; a quit on the live console is the link's to say
            self._ended = True
            self._emit(event)


_HANDLERS: dict[type[ev.Event], str] = {
    ev.Go: "_mirror_go",
    ev.SentEvent: "_mirror_sent",
    ev.SendFailedEvent: "_mirror_sent",
    ev.Complete: "_mirror_complete",
    ev.CueFailed: "_mirror_failed",
    ev.Standby: "_mirror_standby",
    ev.Hold: "_mirror_hold",
    ev.Resume: "_mirror_resume",
    ev.PanicEvent: "_mirror_panic",
    ev.Reset: "_mirror_reset",
    ev.Ack: "_mirror_ack",
    ev.DeviceEvent: "_mirror_device",
    ev.End: "_mirror_end",
}
"""Events that move the show, and the method that moves it. The live engine's others (loaded, timing,
feedback, refused, error) are its own machine's news, not the show's: the link shows what matters of them."""
