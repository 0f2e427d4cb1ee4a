"""Provides engines on virtual time for exact tests: a show from YAML text, a FakeClock and a
VirtualScheduler, with every event recorded."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from showcall.engine import events as ev
from showcall.engine.clock import FakeClock
from showcall.engine.engine import Engine
from showcall.showfile import load_show

from support.virtual import VirtualScheduler

S = 1_000_000_000
MS = 1_000_000


@dataclass
class Rig:
    """An engine with its virtual clock, scheduler and the events it emitted."""

    engine: Engine
    clock: FakeClock
    scheduler: VirtualScheduler
    events: list[ev.Event] = field(default_factory=list)

    @property
    def t0(self) -> int:
        return START_NS

    def at(self, seconds: float) -> int:
        """Monotonic ns `seconds` after the rig started."""
        return START_NS + round(seconds * S)

    def advance_to(self, seconds: float) -> None:
        self.clock.advance_to(self.at(seconds))

    def names(self) -> list[str]:
        return [e.name for e in self.events]

    def of(self, kind: type[ev.Event]) -> list[ev.Event]:
        return [e for e in self.events if isinstance(e, kind)]

    def gos(self) -> list[tuple[str, str, float]]:
        """(cue, source, seconds after start) of every go event."""
        return [(e.cue, e.source, (e.fire_ns - START_NS) / S) for e in self.events if isinstance(e, ev.Go)]

    def sends(self) -> list[tuple[float, str, str]]:
        """(seconds after start, cue, device) of every message the scheduler sent."""
        return [((at - START_NS) / S, item.cue, item.device) for at, item in self.scheduler.sent]

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
            elif isinstance(e, ev.SentEvent):
                continue
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


def rig(tmp_path: Path, body: str, *, header: str = HEADER, time_of_day: str | None = None, start: bool = True) -> Rig:
    """An engine for `header` + `body` (dedented), started at START_NS on virtual time."""
    path = tmp_path / "show.yaml"
    path.write_text(header + textwrap.dedent(body))
    loaded = load_show(path, display="show.yaml")
    assert [str(problem) for problem in loaded.problems] == []
    assert loaded.plan is not None
    clock = FakeClock(start_ns=START_NS)
    if time_of_day is not None:
        hh, mm, *rest = (int(x) for x in time_of_day.split(":"))
        clock.set_time_of_day(((hh * 60 + mm) * 60 + (rest[0] if rest else 0)) * S)
    scheduler = VirtualScheduler(clock)
    engine = Engine(loaded.plan, scheduler, clock, go_lead_ns=0)
    result = Rig(engine, clock, scheduler)
    engine.subscribe(result.events.append)
    if start:
        engine.start()
    return result
