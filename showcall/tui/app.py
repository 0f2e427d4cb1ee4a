"""Provides `run_app` (what `showcall run` and `showcall rehearse` start) and `ConsoleApp`.

`run_app` opens the show session first, so a broken show file is reported with every located
problem (`path:line:col: where: message`) before the terminal is taken over; then it runs the
console on the same asyncio loop as the engine and the timing-core client, and closes the session
(timing core stopped, simulators stopped, log closed) however the console ends.

`ConsoleApp` is given what it drives (`ShowLink`: an engine, its scheduler, optionally the
simulators), so tests hand it an engine on virtual time and the real thing hands it a session.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import App
from textual.binding import Binding, BindingType

from showcall.backup.node import LinkNode
from showcall.crash import CRASH_EXIT, CrashReport, record_crash
from showcall.doctor import Item, Level, worst_machine_item
from showcall.engine.engine import Engine
from showcall.errors import ShowFileError
from showcall.runner.lastrun import SinceLastRun
from showcall.timing.api import Scheduler
from showcall.tui.data.simulators import SimulatorFeed
from showcall.tui.screens.main import MainScreen

if TYPE_CHECKING:
    from showcall.runner.session import SessionOptions, ShowSession


@dataclass
class ShowLink:
    """What the console drives: the engine, the scheduler it reports through, and in rehearsal the
    simulators. `start` (if given) is called once the console listens, so it sees the first events;
    `doctor` (if given) says the machine's worst problem, shown once at start-up; `clock_note` why the
    rehearsal clock reads what it does, when showcall chose its time (shown at start-up too)."""

    engine: Engine
    scheduler: Scheduler
    simulators: SimulatorFeed | None = None
    rehearsal: bool = False
    start: Callable[[], None] | None = None
    doctor: Callable[[], Item | None] | None = None
    since_last: SinceLastRun | None = None
    clock_note: str = ""
    web: Callable[[], str] | None = None  # the web views' `web 3` for the device line
    backup: LinkNode | None = None

    @classmethod
    def of_session(cls, session: ShowSession) -> ShowLink:
        """The link for an open (not yet started) session."""
        return cls(
            session.engine,
            session.scheduler,
            simulators=session.simulators,
            rehearsal=session.options.sim,
            start=session.start,
            doctor=lambda: worst_machine_item(session.path),
            since_last=session.since_last,
            clock_note=session.clock_note,
            web=_web_summary(session),
            backup=session.link,
        )


def _web_summary(session: ShowSession) -> Callable[[], str] | None:
    """How the device line reads the connected browser views (`web 3`), when the session serves them."""
    server = session.web
    if server is None:
        return None
    return lambda: server.status.summary


class ConsoleApp(App[int]):
    """The show caller's console (see module docstring)."""

    CSS_PATH = "console.tcss"
    ENABLE_COMMAND_PALETTE = False  # a palette one stray ctrl+p away is no use mid-show

    BINDINGS: ClassVar[list[BindingType]] = [
        # Ctrl+Q / Ctrl+C: the terminal's usual ways out go through the same confirmation as q.
        Binding("ctrl+q,ctrl+c", "request_quit", "quit", show=False, priority=True),
    ]

    def __init__(self, link: ShowLink) -> None:
        super().__init__()
        self.link = link
        self.crash_report: CrashReport | None = None
        self.main_screen = MainScreen(
            link.engine,
            link.scheduler,
            simulators=link.simulators,
            rehearsal=link.rehearsal,
            web=link.web,
            quit_callback=lambda: self.exit(0),
            since_last=link.since_last,
            link=link.backup,
        )
        self.title = link.engine.plan.show.info.title

    def on_mount(self) -> None:
        """Show the console, then start the show so the console sees its first events."""
        self.push_screen(self.main_screen)
        if self.link.start is not None:
            self.link.start()
        if self.link.clock_note:
            self.notify(
                f"{self.link.clock_note}.\nGive --clock HH:MM to choose it, or g to go to a segment.",
                title="REHEARSAL CLOCK",
                timeout=15,
                markup=False,
            )
        item = self.link.doctor() if self.link.doctor is not None else None
        if item is not None:
            self.notify(
                f"{item.title}: {item.found}\nRun `showcall doctor` for details and the fix.",
                title=f"doctor: {item.level.name}",
                severity="error" if item.level is Level.FAIL else "warning",
                timeout=15,
                markup=False,
            )

    def action_request_quit(self) -> None:
        """Quit as `q` does, whatever screen is on top."""
        if self.screen is not self.main_screen:
            return  # a dialog is open (maybe the quit question itself): answer it first
        self.main_screen.action_request_quit()

    def _handle_exception(self, error: Exception) -> None:
        """A bug in the console: the details go to a file and the caller gets one line, not a traceback.

        (Textual would print a full traceback; design.md promises no Python traceback reaches the user.)
        """
        self.crash_report = record_crash(error, where="the console")
        super()._handle_exception(error)
        self._exit_renderables[:] = [Text(self.crash_report.message)]


def settle_heap() -> None:
    """Collect once, then freeze what is left (the show, its plan, the engine) out of the collector.

    A full collection walks every tracked object: with a 10,000-cue show loaded that is ~250 ms in which
    the console cannot draw (measured by `showcall bench console`). What is loaded at start lives for the
    whole show, so it is frozen once; later collections only walk what the show creates as it runs.
    """
    gc.collect()
    gc.freeze()


def run_app(path: Path, options: SessionOptions) -> int:
    """Run the console on the show at `path`; returns the exit status."""
    return asyncio.run(_run(path, options))


async def _run(path: Path, options: SessionOptions) -> int:
    from showcall.runner.session import ShowSession

    try:
        session = await ShowSession.open(path, options)
    except ShowFileError as exc:  # before the terminal is taken over: every problem, where it is
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(
            f"showcall: {count} problem{'s' if count != 1 else ''} in {path}; the console did not start",
            file=sys.stderr,
        )
        return 1
    from showcall.runner.drain import SIGNAL_EXIT, Drain, install_signals

    drain = Drain(session.engine)  # bounds the wait for `end` however the run is stopped
    restore_signals = install_signals(drain)  # SIGTERM / SIGINT drain as q does
    try:
        app = ConsoleApp(ShowLink.of_session(session))
        settle_heap()
        await app.run_async()
    finally:
        restore_signals()
        drain.close()
        await session.aclose()
    if app.crash_report is not None:
        return CRASH_EXIT
    if drain.unconfirmed:
        print(f"showcall: {drain.unconfirmed} sends were not confirmed by the timing core at exit", file=sys.stderr)
    if drain.signalled is not None:
        return SIGNAL_EXIT[drain.signalled]
    return app.return_code or 0
