"""Consoles for the TUI tests: an example show on virtual time (exact, no processes), or a real session.

`virtual_console("summit.yaml", time_of_day="08:29:50", advance=15)` builds a `ConsoleApp` driving an
engine on a FakeClock and the FakeScheduler: the show starts when the console mounts, then virtual
time moves on by `advance` seconds, so the console has seen every event. Nothing moves after that
unless a test moves the clock, so screens (and snapshots) are exact.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from showcall.compile.showfile import load_show
from showcall.engine.clock import ShowClock
from showcall.engine.engine import Engine
from showcall.runner.lastrun import SinceLastRun
from showcall.timing import protocol as p
from showcall.timing.fake import FakeClock, FakeScheduler
from showcall.tui.app import ConsoleApp, ShowLink

from support.receivers import UdpReceiver

S = 1_000_000_000
SHOWS = Path(__file__).resolve().parents[2] / "shows"


@dataclass
class VirtualConsole:
    """A console on virtual time and what drives it."""

    app: ConsoleApp
    engine: Engine
    clock: FakeClock
    scheduler: FakeScheduler

    def advance(self, seconds: float) -> None:
        """Move virtual time on (timers and sends due on the way happen, in order), then redraw the
        clocks as the console's own clock timer would (it runs on real time, which tests do not wait for)."""
        self.clock.advance(round(seconds * S))
        if self.app.main_screen.is_attached:
            self.app.main_screen.draw_status()

    def sent(self) -> list[tuple[str, str]]:
        """(cue, device) of every message the scheduler sent."""
        return [(sent.cue, sent.device) for sent in self.scheduler.wire if sent.item_id is not None]


def _tod(text: str) -> int:
    hh, mm, ss = (int(x) for x in text.split(":"))
    return ((hh * 60 + mm) * 60 + ss) * S


def make_virtual_console(
    show: str | Path,
    *,
    time_of_day: str = "08:29:50",
    advance: float = 0.0,
    devices: dict[str, tuple[str, str]] | None = None,
    rehearsal: bool = False,
    since_last: SinceLastRun | None = None,
    rehearsal_clock: str | None = None,
    speed: int = 1,
) -> VirtualConsole:
    """A console on `show` (a name under shows/ or a path); see module docstring. `devices` sets
    device states as the timing core would report them (name -> (state, detail)). A `rehearsal` runs on a
    rehearsal clock at `speed`, set to `rehearsal_clock` when given (`time_of_day` is then the real time)."""
    path = show if isinstance(show, Path) else SHOWS / show
    loaded = load_show(path)
    assert [str(problem) for problem in loaded.problems] == []
    assert loaded.plan is not None
    clock = FakeClock(start_ns=1_000 * S)
    clock.set_time_of_day(_tod(time_of_day))
    scheduler = FakeScheduler(clock)
    scheduler.set_endpoints(loaded.plan.endpoints())
    clock.advance(0)  # the core's "online" reports, before the engine listens: `devices` says what to show
    show_clock = ShowClock(clock, speed=speed, rehearsal=True) if rehearsal else None
    if show_clock is not None and rehearsal_clock is not None:
        show_clock.set(_tod(rehearsal_clock))
    engine = Engine(loaded.plan, scheduler, show_clock or clock, go_lead_ns=0, path=str(path))

    def start() -> None:
        engine.start()
        for name, (state, detail) in (devices or {}).items():
            scheduler.emit(p.DeviceStatus(name, state, detail))
        clock.advance(round(advance * S))

    app = ConsoleApp(ShowLink(engine, scheduler, rehearsal=rehearsal, start=start, since_last=since_last))
    return VirtualConsole(app, engine, clock, scheduler)


@pytest.fixture
def virtual_console() -> Callable[..., VirtualConsole]:
    """The factory `make_virtual_console`."""
    return make_virtual_console


SUMMIT_DEVICES = {
    "lx": ("online", ""),
    "snd": ("online", ""),
    "vid": ("online", ""),
    "mix": ("online", ""),
    "gfx": ("offline", "connection refused"),
}


@pytest.fixture
def summit() -> Callable[[], ConsoleApp]:
    """The summit show at 08:30:05, doors open: walk-in cues fired, LX 10 on standby, gfx down."""
    return lambda: make_virtual_console("summit.yaml", time_of_day="08:29:50", advance=15, devices=SUMMIT_DEVICES).app


def _screen_text(app: ConsoleApp) -> str:
    """What the terminal shows, as plain text (one line per row)."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), force_terminal=True, record=True, legacy_windows=False
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


@pytest.fixture
def receiver() -> Iterator[UdpReceiver]:
    """A real UDP socket on 127.0.0.1 that decodes what arrives as OSC."""
    r = UdpReceiver()
    yield r
    r.close()


@pytest.fixture
def screen_text() -> Callable[[ConsoleApp], str]:
    """What the terminal shows, as plain text (one line per row)."""
    return _screen_text


@pytest.fixture
def summit_rehearsal() -> Callable[[], VirtualConsole]:
    """The summit rehearsed the afternoon before (18:43 real) on a rehearsal clock from 08:29:50: doors,
    as in `summit`, on the rehearsal clock."""
    return lambda: make_virtual_console(
        "summit.yaml",
        time_of_day="18:43:00",
        advance=15,
        devices=SUMMIT_DEVICES,
        rehearsal=True,
        rehearsal_clock="08:29:50",
    )


@pytest.fixture
def summit_at_doors() -> Callable[[], VirtualConsole]:
    """Like `summit`, with the engine, clock and scheduler at hand."""
    return lambda: make_virtual_console("summit.yaml", time_of_day="08:29:50", advance=15, devices=SUMMIT_DEVICES)
