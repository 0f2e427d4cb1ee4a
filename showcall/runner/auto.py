"""Provides `--auto`: unattended rehearsal that GOes each manual cue by itself.

A manual cue on standby is GOne GAP after the cue before it completed (`at` and `timecode` cues
still wait for their time; a missed `at` cue is GOne like a manual one). It uses the engine's
commands like an operator would, with source `auto`, so go_guard and hold apply.
"""

from __future__ import annotations

from showcall.engine import events as ev
from showcall.engine.clock import Clock, Timer
from showcall.engine.engine import Engine
from showcall.engine.snapshot import Source
from showcall.model.show import At, AtTimecode


class AutoGo:
    """Presses GO for manual cues, GAP after the previous cue completed (see module docstring)."""

    def __init__(self, engine: Engine, clock: Clock, gap_ns: int) -> None:
        self.engine = engine
        self.clock = clock
        self.gap_ns = max(gap_ns, engine.plan.show.info.go_guard.ns)
        self._timer: Timer | None = None
        self._last_complete_ns: int | None = None
        engine.subscribe(self._on_event)

    def _on_event(self, event: ev.Event) -> None:
        if isinstance(event, ev.Complete | ev.CueFailed):
            self._last_complete_ns = event.mono_ns
            self._plan()
        elif isinstance(event, ev.Standby | ev.Resume | ev.Loaded):
            self._plan()
        elif isinstance(event, ev.Hold | ev.End):
            self._cancel()

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _plan(self) -> None:
        """Work out when to GO the cue on standby, if it is one to GO."""
        self._cancel()
        show = self.engine.snapshot()
        cue = show.standby
        if show.held or show.ended or show.following or cue is None:  # a backup GOes nothing while it follows
            return
        if show.running:
            return  # wait for what is running to complete: GAP counts from the last completion
        go = self.engine.plan.cues[cue.index].cue.go
        timecode = show.timecode
        waits_for_timecode = isinstance(go, AtTimecode) and not (
            timecode is not None and not timecode.external and not timecode.rolling
        )  # internal timecode standing still starts when its first cue is GOne
        if waits_for_timecode or (isinstance(go, At) and not cue.missed):
            return
        base = self._last_complete_ns if self._last_complete_ns is not None else self.clock.now_ns()
        self._timer = self.clock.call_at(base + self.gap_ns, self._go)

    def _go(self) -> None:
        self._timer = None
        refusal = self.engine.go(Source.AUTO)
        if refusal is not None and not self.engine.snapshot().held:
            self._timer = self.clock.call_at(self.clock.now_ns() + self.gap_ns, self._go)
