"""Provides `Drain`: every way a run stops goes through it, so each one ends the same way.

`quit`, end of input, SIGTERM, SIGINT and the console's quit all call `Engine.quit(reason)`: nothing more
fires, and the engine emits `end` once the timing core has settled every send it was handed (sent, failed or
cancelled), so each message that went out is in the log and on stdout before the process exits. `Drain`
bounds that wait: when the engine says it is quitting (its `quit` event, whoever asked), `end` must follow
within `DRAIN_S`, else `Engine.force_end` emits it, naming the sends left unconfirmed. A second SIGINT
forces it at once. `install_signals` routes SIGTERM and SIGINT here on the engine's asyncio loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable

from showcall.engine import events as ev
from showcall.engine.engine import Engine

DRAIN_S = 2.0
"""How long a stopping run waits for the timing core to settle its last sends (it takes ~1 ms when healthy)."""

SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}
"""Exit status after a drain asked for by a signal: 128 + its number, as a shell reports it."""


class Drain:
    """Stops a run and bounds the wait for its `end` (see module docstring)."""

    def __init__(self, engine: Engine, timeout_s: float = DRAIN_S) -> None:
        self.engine = engine
        self.timeout_s = timeout_s
        self.signalled: signal.Signals | None = None
        self.unconfirmed = 0
        self._timer: asyncio.TimerHandle | None = None
        self._unsubscribe = engine.subscribe(self._on_event)

    def stop(self, reason: str) -> None:
        """Stop the run: the engine quits, and `end` comes once the core has settled (or the bound ran out)."""
        if not self.engine.snapshot().ended:
            self.engine.quit(reason)

    def force(self) -> None:
        """Emit `end` now, with whatever the core has not confirmed named in an `error` event."""
        self._cancel_timer()
        self.unconfirmed = self.engine.force_end() or self.unconfirmed

    def on_signal(self, signum: signal.Signals) -> None:
        """SIGTERM or SIGINT: drain as `quit` does; a second SIGINT while draining forces the end."""
        again = self.signalled is not None
        self.signalled = self.signalled or signum
        if again and signum is signal.SIGINT:
            self.force()
        else:
            self.stop(signum.name)

    def close(self) -> None:
        """Stop listening and drop the timer."""
        self._cancel_timer()
        self._unsubscribe()

    def _on_event(self, event: ev.Event) -> None:
        if isinstance(event, ev.Quit) and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.timeout_s, self.force)
        elif isinstance(event, ev.End):
            self._cancel_timer()
            self.unconfirmed = event.unconfirmed

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def install_signals(drain: Drain) -> Callable[[], None]:
    """Route SIGTERM and SIGINT to `drain` on the running loop; returns the function that puts them back."""
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, drain.on_signal, signum)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            continue
        installed.append(signum)

    def restore() -> None:
        for signum in installed:
            with contextlib.suppress(RuntimeError, ValueError):
                loop.remove_signal_handler(signum)

    return restore
