"""Provides `showcall report LOG --runs`: the runs in a log, with when, which show, cues fired and how each ended."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from showcall.report.fmt import date_time, fit
from showcall.report.logfile import EventLogRead, Run


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One run in a log: its number, show, lines, when it was loaded, cues fired, how it ended."""

    number: int
    show: str
    first_line: int
    last_line: int
    loaded_ns: int | None
    cues: int | None  # in the show, as `loaded` said
    fired: int  # distinct cues with a GO
    ended: str  # the `end` reason, "" when the run has none
    resumed: int

    @property
    def how(self) -> str:
        """How the run ended, in words."""
        text = self.ended or "no end: crashed?"
        return f"{text}, {self.resumed} resume{'s' * (self.resumed != 1)}" if self.resumed else text


def summarise(run: Run) -> RunSummary:
    """A run's summary (read leniently: `--runs` lists even a run whose events the report would refuse)."""
    loaded = run.loaded.event
    fired: set[str] = set()
    ended = ""
    for line in run.lines:
        kind = line.event["event"]
        if kind == "go" and isinstance(line.event.get("cue"), str):
            fired.add(line.event["cue"])
        elif kind == "end":
            ended = str(line.event.get("reason", "")) or "complete"
    wall, cues = loaded.get("wall_ns"), loaded.get("cues")
    return RunSummary(
        run.number,
        str(loaded.get("show", "")),
        run.first_line,
        run.last_line,
        wall if isinstance(wall, int) else None,
        cues if isinstance(cues, int) else None,
        len(fired),
        ended,
        run.resumed,
    )


def render_runs(read: EventLogRead, *, json_out: bool = False) -> str:
    """The runs of a log as a table (or JSON: a list of objects with the RunSummary's fields and `how`)."""
    summaries = [summarise(r) for r in read.runs]
    if json_out:
        items: list[dict[str, Any]] = [
            {
                "run": s.number,
                "show": s.show,
                "lines": [s.first_line, s.last_line],
                "loaded_wall_ns": s.loaded_ns,
                "cues": s.cues,
                "fired": s.fired,
                "ended": s.ended or None,
                "resumed": s.resumed,
            }
            for s in summaries
        ]
        return json.dumps(items, ensure_ascii=False, indent=1) + "\n"
    lines = [f"{'RUN':>3}  {'LOADED':<19}  {'SHOW':<24}  {'FIRED':>9}  ENDED"]
    for s in summaries:
        when = date_time(s.loaded_ns) if s.loaded_ns is not None else "?"
        fired = f"{s.fired}/{s.cues}" if s.cues is not None else str(s.fired)
        lines.append(f"{s.number:>3}  {when:<19}  {fit(s.show, 24):<24}  {fired:>9}  {s.how}")
    return "\n".join(lines) + "\n"
