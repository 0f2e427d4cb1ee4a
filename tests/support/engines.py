"""Provides engines on virtual time for exact tests: a show from YAML text, a FakeClock and the
FakeScheduler (late and out of band like the real timing core client), with every event recorded."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from showcall.compile.showfile import load_show, require_plan
from showcall.engine import events as ev
from showcall.engine.clock import ShowClock
from showcall.engine.engine import Engine
from showcall.engine.rehearsal import RehearsalPoint
from showcall.runner.auto import AutoGo
from showcall.timing.fake import FakeClock, FakeScheduler

S = 1_000_000_000
MS = 1_000_000


@dataclass
class Rig:
    """An engine with its virtual clock, scheduler and the events it emitted."""

    engine: Engine
    clock: FakeClock
    scheduler: FakeScheduler
    events: list[ev.Event] = field(default_factory=list)
    show_clock: ShowClock | None = None

    @property
    def t0(self) -> int:
        return START_NS

    def at(self, seconds: float) -> int:
        """Monotonic ns `seconds` after the rig started."""
        return START_NS + round(seconds * S)

    def advance_to(self, seconds: float) -> None:
        self.clock.advance_to(self.at(seconds))

    def settle(self) -> None:
        """Let what is due now happen: commands reach the core, its reports come back (no time passes)."""
        self.clock.advance(0)

    def names(self) -> list[str]:
        return [e.name for e in self.events]

    def of(self, kind: type[ev.Event]) -> list[ev.Event]:
        return [e for e in self.events if isinstance(e, kind)]

    def gos(self) -> list[tuple[str, str, float]]:
        """(cue, source, seconds after start) of every go event."""
        return [(e.cue, e.source, (e.fire_ns - START_NS) / S) for e in self.events if isinstance(e, ev.Go)]

    def sends(self) -> list[tuple[float, str, str]]:
        """(seconds after start, cue, device) of every message the scheduler sent."""
        return [((w.at_ns - START_NS) / S, w.cue, w.device) for w in self.scheduler.wire if w.item_id is not None]

    def trace(self) -> list[str]:
        """Compact event trace: `go 1 operator`, `standby 2`, `complete 1`..."""
        out = []
        for e in self.events:
            if isinstance(e, ev.Go):
                out.append(f"go {e.cue} {e.source}")
            elif isinstance(e, ev.Standby):
                out.append(f"standby {e.cue}")
            elif isinstance(e, ev.Complete | ev.CueFailed | ev.Ack):
                out.append(f"{e.name} {getattr(e, 'cue', '')}".strip())
            elif isinstance(e, ev.Refused):
                out.append(f"refused {e.command}: {e.reason}")
            elif isinstance(e, ev.SentEvent | ev.Armed | ev.CancelledEvent):
                continue  # the wire's bookkeeping: tests of it look at those events themselves
            else:
                out.append(e.name)
        return out


START_NS = 1_000 * S

HEADER = """\
showcall: 1
show: {title: Engine test, go_guard: 250ms}
devices:
  lx: {driver: eos, host: 127.0.0.1}
  snd: {driver: qlab, host: 127.0.0.1}
departments: {LX: {name: Lighting}, SND: {name: Audio}, VID: {name: Video}}
"""


def rig(
    tmp_path: Path,
    body: str,
    *,
    header: str = HEADER,
    time_of_day: str | None = None,
    start: bool = True,
    command_ns: int = 0,
    report_ns: int = 0,
    go_lead_ns: int = 0,
    speed: int = 1,
    clock: FakeClock | None = None,
    journal: bool = False,
    following: bool = False,
) -> Rig:
    """An engine for `header` + `body` (dedented), started at START_NS on virtual time. `command_ns` and
    `report_ns` are the fake core's delays each way (see showcall.timing.fake): with them, races between the
    engine's commands and the core's sends happen as they do with the real core. `speed` runs it as a
    rehearsal that much faster."""
    path = tmp_path / "show.yaml"
    path.write_text(header + textwrap.dedent(body))
    loaded = load_show(path, display="show.yaml")
    assert [str(problem) for problem in loaded.problems] == []
    assert loaded.plan is not None
    clock = clock if clock is not None else FakeClock(start_ns=START_NS)
    if time_of_day is not None:
        hh, mm, *rest = (int(x) for x in time_of_day.split(":"))
        clock.set_time_of_day(((hh * 60 + mm) * 60 + (rest[0] if rest else 0)) * S)
    scheduler = FakeScheduler(clock, command_ns=command_ns, report_ns=report_ns)
    scheduler.set_endpoints(loaded.plan.endpoints())
    clock.advance(0)  # the core's "online" reports, before the engine listens: device tests say what they need
    show_clock = ShowClock(clock, speed=speed, rehearsal=True) if speed != 1 else None  # a faster rehearsal
    engine = Engine(loaded.plan, scheduler, show_clock or clock, go_lead_ns=go_lead_ns, journal=journal)
    result = Rig(engine, clock, scheduler, show_clock=show_clock)
    engine.subscribe(result.events.append)
    if start:
        engine.start(following=following)
    return result


SHOWS = Path(__file__).resolve().parents[2] / "shows"


def tod(text: str) -> int:
    """`HH:MM[:SS]` as ns after midnight."""
    hh, mm, *rest = (int(x) for x in text.split(":"))
    return ((hh * 60 + mm) * 60 + (rest[0] if rest else 0)) * S


def rehearsal(
    show: str | Path,
    *,
    real: str = "18:43:00",
    clock: str | None = None,
    speed: int = 1,
    from_: RehearsalPoint | None = None,
    auto_gap_s: float | None = None,
    start: bool = True,
) -> Rig:
    """A rehearsal of an example show (a name under shows/) on virtual time: the real time of day `real`, a
    rehearsal `ShowClock` at `speed` set to `clock` (or left on the real time), started at `from_` if given,
    with --auto's AutoGo when `auto_gap_s` is given. Messages are sent exactly at their deadlines."""
    plan = require_plan(show if isinstance(show, Path) else SHOWS / show)
    fake = FakeClock(start_ns=START_NS)
    fake.set_time_of_day(tod(real))
    scheduler = FakeScheduler(fake)
    scheduler.set_endpoints(plan.endpoints())
    fake.advance(0)
    show_clock = ShowClock(fake, speed=speed, rehearsal=True)
    if clock is not None:
        show_clock.set(tod(clock))
    engine = Engine(plan, scheduler, show_clock, go_lead_ns=0)
    result = Rig(engine, fake, scheduler, show_clock=show_clock)
    engine.subscribe(result.events.append)
    if auto_gap_s is not None:
        AutoGo(engine, show_clock, round(auto_gap_s * S))
    if start:
        engine.start(from_=from_)
    return result
